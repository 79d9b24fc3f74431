"""What ``hints.read_callable`` read, kept per class or function across providers.

Reading a constructor's parameters and hints is most of what
``build_service_provider()`` costs, and an application or a test suite
builds many providers from the same classes. An entry is reused while what
it was read from is unchanged, which is checked on every hit:

- for a class, the constructor Python calls (``constructors.constructor``,
  so a monkeypatched ``__init__`` or ``__new__`` is read again);
- that function's code, defaults, keyword defaults and ``__dict__`` size,
  and its annotations (compared with a copy);
- for string hints, the module global each name in them is bound to (in
  the function's module or, for an inherited field of a generated
  ``__init__``, in the module of the class declaring it:
  ``constructors.field_modules``).

What is never kept: a spec with an ``UNRESOLVABLE`` dependency (a forward
reference may resolve later), one read with type variables, and any
callable other than a class or a plain function.

The cache never keeps anything alive. Keys are held weakly, and an entry is
made only when every object it would hold strongly lives anyway: a value
such as ``None`` or a string, a built-in type, a class, function or
``TypeVar`` found under its name in its module, or a type form made of
those. (A class local to a function that needs another local class is
therefore read on every build, as before.)
"""

from __future__ import annotations

import enum
import re
import sys
import types
import typing
import weakref
from typing import Any

from wiredi._registration.components import FromComponent
from wiredi._registration.constructors import (
    constructor,
    field_modules,
    hint_source,
)

__all__ = ["cached_spec", "keep_spec"]

_FUNCTION = types.FunctionType
_HEAP_TYPE = 1 << 9  # Py_TPFLAGS_HEAPTYPE: a class made at run time
_ATOMS = frozenset(
    {type(None), bool, int, float, complex, str, bytes, type(...), type(NotImplemented)}
)
_NAME = re.compile(r"[A-Za-z_]\w*")
_MISSING = object()
_TYPE_EQ: Any = type.__eq__
_TYPE_HASH: Any = type.__hash__
_RECURSION = 8  # deeper type forms are not worth the walk: not kept

# weak reference to a class or plain function -> _Entry (see the module
# docstring). A WeakKeyDictionary's get() is this dict's get() behind a
# Python frame, and one is asked for every registration at every build.
_CACHE: dict[weakref.ref[Any], _Entry] = {}
_ref = weakref.ref


def _forget(key: weakref.ref[Any], pop: Any = _CACHE.pop) -> None:
    """Drop the entry of a class or function that was collected."""
    pop(key, None)  # bound early: may run during interpreter shutdown


class _Entry:
    """A spec and what to compare to tell that it still holds."""

    __slots__ = (
        "annotations",
        "code",
        "defaults",
        "dict_size",
        "field_names",
        "from_owner",
        "function",
        "is_decorator",
        "is_factory",
        "kwdefaults",
        "names",
        "own_init",
        "owner",
        "spec",
    )

    def __init__(
        self,
        spec: Any,
        flags: tuple[bool, bool],
        owner: type | None,
        function: Any,
        *,
        annotations: dict[str, Any],
        names: tuple[tuple[str, Any], ...],
        field_names: tuple[tuple[str, str, Any], ...],
        from_owner: bool,
        own_init: bool,
    ) -> None:
        self.spec = spec
        self.is_factory, self.is_decorator = flags
        # weak: an __init__ using super() refers to its class
        self.owner = weakref.ref(owner) if owner is not None else None
        self.function = weakref.ref(function) if function is not None else None
        # the key's own __init__: checked with one look in the class's dict
        self.own_init = own_init
        self.annotations = annotations
        self.names = names
        self.field_names = field_names
        self.from_owner = from_owner
        self.code = getattr(function, "__code__", None)
        self.defaults = getattr(function, "__defaults__", None)
        self.kwdefaults = getattr(function, "__kwdefaults__", None)
        self.dict_size = len(function.__dict__) if function is not None else 0


def _keyable(func: Any) -> bool:
    """A plain function, or a class whose metaclass keeps identity equality."""
    kind = type(func)
    if kind is type or kind is _FUNCTION:
        return True
    return (
        isinstance(func, type)
        and kind.__eq__ is _TYPE_EQ
        and kind.__hash__ is _TYPE_HASH
    )


def cached_spec(func: Any, *, is_factory: bool, is_decorator: bool) -> Any:
    """The spec read earlier from ``func`` with these flags, if it still holds."""
    kind = type(func)
    if kind is not type and kind is not _FUNCTION and not _keyable(func):
        return None
    entry = _CACHE.get(_ref(func))
    if (
        entry is None
        or entry.is_factory is not is_factory
        or entry.is_decorator is not is_decorator
    ):
        return None
    if entry.function is None:  # a class whose constructor is object's
        return entry.spec if constructor(func) is None else None
    fn = entry.function()
    if kind is _FUNCTION:
        owner = None
    elif entry.own_init and func.__dict__.get("__init__") is fn:
        owner = func  # constructor(func) would find the same: its first look
    else:
        found = constructor(func)
        if found is None or entry.owner is None:
            return None
        owner, found_fn = found
        if owner is not entry.owner() or found_fn is not fn:
            return None
    if fn is None or not (
        fn.__code__ is entry.code
        and fn.__defaults__ is entry.defaults
        and fn.__kwdefaults__ is entry.kwdefaults
        and len(fn.__dict__) == entry.dict_size
    ):
        return None
    target = owner if entry.from_owner else fn
    if getattr(target, "__annotations__", None) != entry.annotations:
        return None
    if entry.names:
        namespace = fn.__globals__
        for name, value in entry.names:
            if namespace.get(name, _MISSING) is not value:
                return None
    if entry.field_names and not _field_names_hold(entry.field_names):
        return None
    return entry.spec


def _field_names_hold(names: tuple[tuple[str, str, Any], ...]) -> bool:
    """Whether each ``(module, name, value)`` still has ``name`` bound to ``value``."""
    for module_name, name, value in names:
        module = sys.modules.get(module_name)
        if module is None or vars(module).get(name, _MISSING) is not value:
            return False
    return True


def keep_spec(
    func: Any,
    spec: Any,
    held: tuple[Any, ...],
    *,
    is_factory: bool,
    is_decorator: bool,
    owner: type | None,
    function: Any,
) -> None:
    """Remember ``spec``, read from ``function`` (``owner``'s, for a class).

    ``held`` is every object the spec refers to (hints and defaults);
    ``function`` is ``None`` for a class that takes no parameters.
    """
    if not _keyable(func):
        return
    flags = (is_factory, is_decorator)
    if function is None:
        if owner is None:
            entry = _Entry(
                spec, flags, None, None,
                annotations={}, names=(), field_names=(), from_owner=False,
                own_init=False,
            )  # fmt: skip
            _CACHE[_ref(func, _forget)] = (
                entry  # classes and functions are weakly referenceable
            )
        return
    from_owner = owner is not None and hint_source(owner, function) is owner
    target = owner if from_owner else function
    annotations = getattr(target, "__annotations__", None)
    if not isinstance(annotations, dict):
        return
    modules = {} if from_owner or owner is None else field_modules(owner, function)
    found = _names(annotations, function, from_owner=from_owner, modules=modules)
    if found is None:
        return
    names, field_names = found
    kept = (
        *held,
        *(function.__defaults__ or ()),
        *(function.__kwdefaults__ or {}).values(),
        *annotations.values(),
        *(value for _, value in names if value is not _MISSING),
        *(value for _, _, value in field_names if value is not _MISSING),
    )
    if not all(_lives_anyway(item, _RECURSION) for item in kept):
        return
    entry = _Entry(
        spec,
        flags,
        owner,
        function,
        annotations=dict(annotations),
        names=names,
        field_names=field_names,
        from_owner=from_owner,
        own_init=owner is func and func.__dict__.get("__init__") is function,
    )
    _CACHE[_ref(func, _forget)] = entry


def _names(
    annotations: dict[str, Any],
    function: Any,
    *,
    from_owner: bool,
    modules: dict[str, str],
) -> tuple[tuple[tuple[str, Any], ...], tuple[tuple[str, str, Any], ...]] | None:
    """The globals the string hints name, with their values; ``None``: not kept.

    A string hint is evaluated in the function's module globals or, for a
    parameter in ``modules``, in that module's; the spec holds while each
    name it mentions is bound to the same object. The first tuple holds
    ``(name, value)`` in the function's globals, the second
    ``(module, name, value)`` in another module's. A dotted name (an
    attribute of a module) or a ``ForwardRef`` inside a type form is not
    followed: such a spec is not kept.
    """
    texts: dict[str | None, list[str]] = {}
    for param, value in annotations.items():
        if not _collect_strings(
            value, texts.setdefault(modules.get(param), []), _RECURSION
        ):
            return None
    if not any(texts.values()):
        return (), ()
    if from_owner or any("." in text for group in texts.values() for text in group):
        return None
    names: tuple[tuple[str, Any], ...] = ()
    field_names: list[tuple[str, str, Any]] = []
    for module, group in texts.items():
        found = dict.fromkeys(name for text in group for name in _NAME.findall(text))
        if module is None:
            namespace = function.__globals__
            names = tuple((name, namespace.get(name, _MISSING)) for name in found)
        else:
            namespace = vars(sys.modules[module])
            field_names += (
                (module, name, namespace.get(name, _MISSING)) for name in found
            )
    return names, tuple(field_names)


def _collect_strings(hint: Any, texts: list[str], depth: int) -> bool:
    if isinstance(hint, str):
        texts.append(hint)
        return True
    if isinstance(hint, typing.ForwardRef) or depth == 0:
        return False
    if type(hint) is not types.GenericAlias and isinstance(hint, type):
        return True
    return all(_collect_strings(arg, texts, depth - 1) for arg in typing.get_args(hint))


def _lives_anyway(item: Any, depth: int) -> bool:
    """Whether ``item`` outlives any class in the cache without the cache's help."""
    if type(item) in _ATOMS or type(item) is FromComponent:
        return True
    if type(item) is not types.GenericAlias and isinstance(item, type):
        return not item.__flags__ & _HEAP_TYPE or _named_in_module(item)
    if isinstance(item, (_FUNCTION, typing.TypeVar)):
        return _named_in_module(item)
    if isinstance(item, enum.Enum):  # a member lives as long as its class
        return _named_in_module(type(item))
    origin = typing.get_origin(item)
    if origin is None or depth == 0:
        return False
    if isinstance(origin, type) and not _lives_anyway(origin, depth - 1):
        return False
    return all(_lives_anyway(arg, depth - 1) for arg in typing.get_args(item))


def _named_in_module(item: Any) -> bool:
    """Whether ``item`` is what its module's namespace holds under its name."""
    module = sys.modules.get(getattr(item, "__module__", None) or "")
    name = getattr(item, "__qualname__", None) or getattr(item, "__name__", None)
    if module is None or not isinstance(name, str):
        return False
    found: Any = module
    for part in name.split("."):
        namespace = getattr(found, "__dict__", None)
        if not isinstance(namespace, dict) and not isinstance(
            namespace, types.MappingProxyType
        ):
            return False
        found = namespace.get(part, _MISSING)
    return found is item
