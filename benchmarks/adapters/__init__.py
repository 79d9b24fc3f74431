"""One module per library; each defines ``Adapter`` (see ``_scenarios.py``)."""

LIBRARIES = [
    "wiredi",
    "dishka",
    "wireup",
    "modern-di",
    "diwire",
    "diwire-nolock",  # diwire with lock_mode=LockMode.NONE: not thread-safe
    "rodi",
    "dependency-injector",
    "that-depends",
    "lagom",
    "svcs",
    "punq",
    "injector",
    "wd-di",
    "clean-ioc",
    "injectq",
    "floor",  # a minimal reference container (floor.py): a reference row, not a peer
]
