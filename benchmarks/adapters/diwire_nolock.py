"""diwire with ``lock_mode=LockMode.NONE``: its documented lock-free mode.

Its docstring: "Disable locking around cache reads/writes for this provider."
The first resolutions of a cached (singleton or scoped) service from two
threads at once are then not serialised, so the row is labelled not
thread-safe. Everything else is ``diwire.py``'s configuration.
"""

from __future__ import annotations

from diwire import LockMode

from adapters import diwire


class Adapter(diwire.Adapter):
    mode = "strict mode, use_resolver_context=False, compile(), lock_mode=LockMode.NONE"
    variant = "lock_mode=NONE"
    thread_safe = False
    lock_mode = LockMode.NONE
