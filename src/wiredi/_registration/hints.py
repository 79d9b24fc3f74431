"""Reading constructor and factory hints, once, into dependency specs."""

from __future__ import annotations

import collections.abc
import enum
import functools
import inspect
import sys
import types
import typing
from dataclasses import dataclass
from typing import Any

from wiredi._registration.components import FromComponent
from wiredi._registration.constructors import (
    constructor,
    field_modules,
    hint_source,
    owner_typevars,
    substitute,
)
from wiredi._registration.resolver import Resolver
from wiredi._registration.spec_cache import cached_spec, keep_spec

__all__ = [
    "SPECIAL_KIND",
    "CallableSpec",
    "DepKind",
    "Dependency",
    "FactoryKind",
    "callable_kind",
    "read_callable",
    "special_kind",
    "substitute",
]

_EMPTY = inspect.Parameter.empty
_POSITIONAL = (
    inspect.Parameter.POSITIONAL_ONLY,
    inspect.Parameter.POSITIONAL_OR_KEYWORD,
)
_SEQUENCE_ORIGINS = frozenset(
    {
        list,
        collections.abc.Sequence,
        collections.abc.Iterable,
        collections.abc.Collection,
    }
)


class DepKind(enum.Enum):
    """How a parameter's value is found."""

    SERVICE = "service"
    """The last registration of ``service_type``."""
    ALL = "all"
    """Every registration of ``service_type`` (a ``list[T]`` hint)."""
    RESOLVER = "resolver"
    """The provider or scope doing the resolution."""
    CONTEXT = "context"
    """The ``DependencyContext`` of this edge."""
    GRAPH = "graph"
    """The ``CurrentGraph`` of this resolution."""
    UNRESOLVABLE = "unresolvable"
    """No usable hint; ``problem`` says why."""
    WRAPPED = "wrapped"
    """A decorator's only, unhinted parameter: the object it wraps."""
    LAZY = "lazy"
    """A ``Lazy[T]``: ``service_type`` is ``T``, resolved on first ``get()``."""


class FactoryKind(enum.Enum):
    """How a callable produces its value."""

    PLAIN = "plain"
    ASYNC = "async"
    GENERATOR = "generator"
    ASYNC_GENERATOR = "async_generator"


# The records below are built for every parameter of every registration at
# build time; they are not frozen because a frozen dataclass pays one
# object.__setattr__ call per field. Nothing mutates them after creation.
@dataclass(slots=True, eq=False)
class Dependency:
    """One parameter of a constructor or factory.

    ``component`` is ``None`` for "the registration's own component".
    ``sequence_of`` is set for ``list[T]``-style hints: ``T`` when the hint
    itself is not registered.
    """

    name: str
    kind: DepKind
    service_type: Any = None
    component: str | None = None
    optional: bool = False
    has_default: bool = False
    default: Any = None
    keyword_only: bool = False
    sequence_of: Any = None
    problem: str = ""


@dataclass(slots=True, eq=False)
class CallableSpec:
    """What a callable needs and how it returns its value."""

    dependencies: tuple[Dependency, ...]
    factory_kind: FactoryKind


SPECIAL_KIND = "__wiredi_dependency_kind__"
"""Class attribute naming the ``DepKind`` a parameter of that exact class gets.

The classes the container supplies itself (``ServiceProvider``, ``Scope``,
``DependencyContext``, ``CurrentGraph``, ``Lazy``) live in higher layers; each
declares its kind with this attribute, so reading hints needs no import of
them. ``Lazy[T]`` is recognised by its origin, ``Lazy``.
"""


def special_kind(hint: Any) -> DepKind | None:
    """The kind of a parameter hinted with one of the container's own types."""
    if hint is Resolver:
        return DepKind.RESOLVER
    if isinstance(hint, type):
        kind: DepKind | None = hint.__dict__.get(SPECIAL_KIND)
        return kind
    return None


def callable_kind(func: Any) -> FactoryKind:
    """How calling ``func`` produces its value: plain, async, a generator.

    Looks through ``functools.partial`` and at a callable object's
    ``__call__``.
    """
    target = func
    while isinstance(target, functools.partial):
        target = target.func
    if not inspect.isfunction(target) and not inspect.ismethod(target):
        call = getattr(type(target), "__call__", None)  # noqa: B004 - the method itself
        if call is not None and not isinstance(target, type):
            target = call
    if inspect.isasyncgenfunction(target):
        return FactoryKind.ASYNC_GENERATOR
    if inspect.iscoroutinefunction(target):
        return FactoryKind.ASYNC
    if inspect.isgeneratorfunction(target):
        return FactoryKind.GENERATOR
    return FactoryKind.PLAIN


def _hint_target(func: Any) -> Any:
    """Return the object whose annotations describe ``func``'s parameters.

    ``func`` is never a class here: :func:`read_callable` passes a class's
    constructor (see ``constructors.constructor``).
    """
    while isinstance(func, functools.partial):
        func = func.func
    if inspect.isfunction(func) or inspect.ismethod(func):
        return func
    call = getattr(type(func), "__call__", None)  # noqa: B004 - the method itself
    return call if call is not None else func


@dataclass(slots=True, eq=False)
class _Param:
    """A parameter: its name, whether it is keyword-only, and its default."""

    name: str
    keyword_only: bool
    default: Any


def _plain_function_params(func: types.FunctionType, *, skip: int) -> list[_Param]:
    """Parameters straight from the code object: no ``inspect.signature``."""
    code = func.__code__
    count = code.co_argcount
    names = code.co_varnames
    defaults = func.__defaults__ or ()
    first_default = count - len(defaults)
    params = [
        _Param(
            name,
            keyword_only=False,
            default=defaults[i - first_default] if i >= first_default else _EMPTY,
        )
        for i, name in enumerate(names[:count])
    ]
    kw_defaults = func.__kwdefaults__ or {}
    params += [
        _Param(name, keyword_only=True, default=kw_defaults.get(name, _EMPTY))
        for name in names[count : count + code.co_kwonlyargcount]
    ]
    return params[skip:]


def _is_plain_function(func: Any) -> bool:
    return (
        type(func) is types.FunctionType
        and "__wrapped__" not in func.__dict__
        and "__signature__" not in func.__dict__
    )


def _parameters(func: Any, *, skip: int = 0) -> list[_Param]:
    """The parameters of ``func`` minus ``*a``/``**kw`` (and ``skip`` leading ones)."""
    if _is_plain_function(func):
        return _plain_function_params(func, skip=skip)
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError):
        return []
    params = list(signature.parameters.values())
    if skip and params and params[0].kind in _POSITIONAL:
        params = params[skip:]  # self or cls (absent from some builtins' signatures)
    return [
        _Param(p.name, keyword_only=p.kind is p.KEYWORD_ONLY, default=p.default)
        for p in params
        if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]


def _type_hints(target: Any, modules: dict[str, str]) -> dict[str, Any]:
    """``typing.get_type_hints`` (with ``Annotated`` kept), skipped when not needed.

    When every parameter annotation is already a plain class (no strings, no
    forward references inside generics), that is exactly what
    ``get_type_hints`` would return, so it is used as it is. The return
    annotation is never needed. ``modules`` names the module whose globals
    evaluate a parameter's string hint when that is not the function's own
    (``constructors.field_modules``).
    """
    annotations = getattr(target, "__annotations__", None)
    if isinstance(annotations, dict):
        parameters = {}
        for name, value in annotations.items():  # a loop: runs for every callable
            if name == "return":
                continue
            if type(value) is types.GenericAlias or not isinstance(value, type):
                break  # a string, a form such as list[X]: let typing read it
            parameters[name] = value
        else:
            return parameters
    if not modules:
        return typing.get_type_hints(target, include_extras=True)
    hints: dict[str, Any] = {}
    for module in {None, *modules.values()}:
        part = types.SimpleNamespace(
            __annotations__={
                name: value
                for name, value in target.__annotations__.items()
                if modules.get(name) == module
            }
        )
        namespace = target.__globals__ if module is None else vars(sys.modules[module])
        hints.update(typing.get_type_hints(part, namespace, include_extras=True))
    return hints


def read_callable(
    func: Any,
    *,
    is_factory: bool,
    is_decorator: bool = False,
    typevars: dict[Any, Any] | None = None,
) -> CallableSpec:
    """Read ``func``'s parameters into dependency specs.

    For a factory, exactly one parameter with neither a hint nor a default is
    the resolver (the ``lambda sp: ...`` style); for a decorator, it is the
    object being wrapped (``lambda inner: ...``). ``typevars`` substitutes
    the type variables of an open generic.

    A class or plain function read without ``typevars`` is read once and
    its spec reused while it is unchanged (``spec_cache`` says how that is
    checked); specs are never mutated, so builds may share them.
    """
    if typevars is None:
        found: CallableSpec | None = cached_spec(
            func, is_factory=is_factory, is_decorator=is_decorator
        )
        if found is not None:
            return found
    spec, source = _read_callable(func, is_factory, is_decorator, typevars)
    if source is not None and all(
        dep.kind is not DepKind.UNRESOLVABLE for dep in spec.dependencies
    ):
        owner, function = source
        held = [
            item
            for dep in spec.dependencies
            for item in (dep.service_type, dep.default, dep.sequence_of)
        ]
        keep_spec(
            func, spec, tuple(held), is_factory=is_factory,
            is_decorator=is_decorator, owner=owner, function=function,
        )  # fmt: skip
    return spec


def _read_callable(
    func: Any,
    is_factory: bool,
    is_decorator: bool,
    typevars: dict[Any, Any] | None,
) -> tuple[CallableSpec, tuple[type | None, Any] | None]:
    """The spec, and ``(owner, function)`` it was read from when it may be kept.

    ``owner`` is the class whose constructor ``function`` is (``None`` for
    a function); the pair is ``None`` when the spec depends on more than
    ``spec_cache`` checks: type variables, or a callable read through
    ``inspect.signature``.
    """
    factory_kind = (
        callable_kind(func) if is_factory or is_decorator else FactoryKind.PLAIN
    )
    form = func
    origin = typing.get_origin(func)
    if isinstance(origin, type):  # a closed generic such as SqlRepo[User]
        func = origin
    source: tuple[type | None, Any] | None = None
    modules: dict[str, str] = {}
    if isinstance(func, type):
        found = constructor(func)
        if found is None:  # object's: no parameters
            return CallableSpec((), factory_kind), (None, None)
        owner, func = found
        params = _parameters(func, skip=1)  # self, or cls for a __new__
        target = hint_source(owner, func)
        if target is func:
            modules = field_modules(owner, func)
        own = owner_typevars(form, owner)
        if own:
            typevars = {**(typevars or {}), **own}
        elif typevars is None and _is_plain_function(func):
            source = (owner, func)
    else:
        params = _parameters(func)
        target = _hint_target(func)
        if typevars is None and _is_plain_function(func):
            source = (None, func)
    try:
        hints = _type_hints(target, modules)
    except RecursionError:
        raise  # not a problem of the hints: the caller is too deep
    except Exception as exc:  # NameError, TypeError: reported per parameter
        problem = f"its type hints cannot be evaluated ({type(exc).__name__}: {exc})"
        problem += _local_name_problem(target, exc)
        deps = tuple(
            Dependency(p.name, DepKind.UNRESOLVABLE, problem=problem)
            for p in params
            if p.default is _EMPTY
        )
        return CallableSpec(deps, factory_kind), None
    if (
        (is_factory or is_decorator)
        and len(params) == 1
        and params[0].name not in hints
        and params[0].default is _EMPTY
    ):
        kind = DepKind.WRAPPED if is_decorator else DepKind.RESOLVER
        only = Dependency(params[0].name, kind, keyword_only=params[0].keyword_only)
        return CallableSpec((only,), factory_kind), source
    read = []
    for param in params:
        hint = hints.get(param.name, _EMPTY)
        if hint is not _EMPTY and typevars:
            hint = substitute(hint, typevars)
        read.append(_read_parameter(param, hint))
    return CallableSpec(tuple(read), factory_kind), source


def _local_name_problem(target: Any, exc: Exception) -> str:
    """``; Local is local to function make()...`` when that explains a ``NameError``.

    A hint written as a string (``from __future__ import annotations``) is
    evaluated in the module's globals, where a class defined inside a
    function does not exist.
    """
    name = getattr(exc, "name", None)
    qualname = getattr(target, "__qualname__", "")
    if not isinstance(exc, NameError) or not name or "<locals>" not in qualname:
        return ""
    function = qualname.rpartition(".<locals>")[0].rpartition(".")[2]
    return (
        f"; {name} is local to function {function}(), and a hint is evaluated "
        "in the module's globals, where it does not exist"
    )


def _read_parameter(param: _Param, hint: Any) -> Dependency:
    has_default = param.default is not _EMPTY
    default = None if not has_default else param.default
    keyword_only = param.keyword_only
    if hint is not _EMPTY and isinstance(hint, type) and special_kind(hint) is None:
        # the common case, a plain class (no Annotated, Optional, list[...]),
        # built without the keyword dict below: this runs for every parameter
        return Dependency(
            param.name, DepKind.SERVICE, hint,
            has_default=has_default, default=default, keyword_only=keyword_only,
        )  # fmt: skip
    common: dict[str, Any] = {
        "has_default": has_default,
        "default": default,
        "keyword_only": keyword_only,
    }
    if hint is _EMPTY:
        return Dependency(
            param.name,
            DepKind.UNRESOLVABLE,
            problem=f"parameter {param.name!r} has no type hint",
            **common,
        )
    component: str | None = None
    if typing.get_origin(hint) is typing.Annotated:
        inner, *metadata = typing.get_args(hint)
        for item in metadata:
            if isinstance(item, FromComponent):
                component = item.component
        hint = inner
    special = special_kind(hint)
    if special is DepKind.LAZY:  # Lazy without [T]
        return Dependency(
            param.name,
            DepKind.UNRESOLVABLE,
            problem=f"parameter {param.name!r} is hinted Lazy without the type "
            "to resolve; write Lazy[T]",
            **common,
        )
    if special is not None:
        return Dependency(param.name, special, service_type=hint, **common)
    optional = False
    origin = typing.get_origin(hint)
    if origin is typing.Union or origin is types.UnionType:
        args = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        if len(args) == 1 and len(typing.get_args(hint)) == 2:
            optional = True
            hint = args[0]
            origin = typing.get_origin(hint)
            special = special_kind(hint)
            if special is not None and special is not DepKind.LAZY:
                # ServiceProvider | None: the resolver is always there
                return Dependency(param.name, special, service_type=hint, **common)
    if special_kind(origin) is DepKind.LAZY:
        (hint,) = typing.get_args(hint)
        if typing.get_origin(hint) is typing.Annotated:  # Lazy[Annotated[T, ...]]
            hint, *metadata = typing.get_args(hint)
            for item in metadata:
                if isinstance(item, FromComponent):
                    component = item.component
        return Dependency(
            param.name,
            DepKind.LAZY,
            service_type=hint,
            component=component,
            optional=optional,
            **common,
        )
    sequence_of = None
    if origin in _SEQUENCE_ORIGINS:
        items = typing.get_args(hint)
        if len(items) == 1:
            sequence_of = items[0]
    return Dependency(
        param.name,
        DepKind.SERVICE,
        service_type=hint,
        component=component,
        optional=optional,
        sequence_of=sequence_of,
        **common,
    )
