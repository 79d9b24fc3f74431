"""Reading constructor and factory hints, once, into dependency specs."""

from __future__ import annotations

import collections.abc
import enum
import functools
import inspect
import types
import typing
from dataclasses import dataclass
from typing import Any

from wiredi._components import FromComponent

__all__ = [
    "CallableSpec",
    "DepKind",
    "Dependency",
    "FactoryKind",
    "read_callable",
    "substitute",
]

_EMPTY = inspect.Parameter.empty
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


class FactoryKind(enum.Enum):
    """How a callable produces its value."""

    PLAIN = "plain"
    ASYNC = "async"
    GENERATOR = "generator"
    ASYNC_GENERATOR = "async_generator"


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
class CallableSpec:
    """What a callable needs and how it returns its value."""

    dependencies: tuple[Dependency, ...]
    factory_kind: FactoryKind


def _special_kind(hint: Any) -> DepKind | None:
    # Imported here: the provider and context modules import this one.
    from wiredi._context import CurrentGraph, DependencyContext  # noqa: PLC0415
    from wiredi._provider import Scope, ServiceProvider  # noqa: PLC0415
    from wiredi._resolver import Resolver  # noqa: PLC0415

    if hint in (ServiceProvider, Scope, Resolver):
        return DepKind.RESOLVER
    if hint is DependencyContext:
        return DepKind.CONTEXT
    if hint is CurrentGraph:
        return DepKind.GRAPH
    return None


def _factory_kind(func: Any) -> FactoryKind:
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
    """Return the object whose annotations describe ``func``'s parameters."""
    if isinstance(func, type):
        return func.__init__  # type: ignore[misc]
    while isinstance(func, functools.partial):
        func = func.func
    if inspect.isfunction(func) or inspect.ismethod(func):
        return func
    call = getattr(type(func), "__call__", None)  # noqa: B004 - the method itself
    return call if call is not None else func


def _parameters(func: Any) -> list[inspect.Parameter]:
    if isinstance(func, type):
        if func.__init__ is object.__init__:  # type: ignore[misc]
            return []
        try:
            signature = inspect.signature(func.__init__)  # type: ignore[misc]
        except (TypeError, ValueError):
            return []
        return list(signature.parameters.values())[1:]
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError):
        return []
    return list(signature.parameters.values())


def read_callable(
    func: Any,
    *,
    is_factory: bool,
    typevars: dict[Any, Any] | None = None,
) -> CallableSpec:
    """Read ``func``'s parameters into dependency specs.

    For a factory, exactly one parameter with neither a hint nor a default is
    the resolver (the ``lambda sp: ...`` style). ``typevars`` substitutes the
    type variables of an open generic.
    """
    factory_kind = _factory_kind(func) if is_factory else FactoryKind.PLAIN
    origin = typing.get_origin(func)
    if isinstance(origin, type):  # a closed generic such as SqlRepo[User]
        func = origin
    params = [
        p for p in _parameters(func) if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]
    try:
        hints = typing.get_type_hints(_hint_target(func), include_extras=True)
    except Exception as exc:  # NameError, TypeError: reported per parameter
        problem = f"its type hints cannot be evaluated ({type(exc).__name__}: {exc})"
        deps = tuple(
            Dependency(p.name, DepKind.UNRESOLVABLE, problem=problem)
            for p in params
            if p.default is _EMPTY
        )
        return CallableSpec(deps, factory_kind)
    if (
        is_factory
        and len(params) == 1
        and params[0].name not in hints
        and params[0].default is _EMPTY
    ):
        return CallableSpec(
            (Dependency(params[0].name, DepKind.RESOLVER),), factory_kind
        )
    read = []
    for param in params:
        hint = hints.get(param.name, _EMPTY)
        if hint is not _EMPTY and typevars:
            hint = substitute(hint, typevars)
        read.append(_read_parameter(param, hint))
    return CallableSpec(tuple(read), factory_kind)


def _read_parameter(param: inspect.Parameter, hint: Any) -> Dependency:
    has_default = param.default is not _EMPTY
    default = None if not has_default else param.default
    keyword_only = param.kind is param.KEYWORD_ONLY
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
    special = _special_kind(hint)
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


def substitute(hint: Any, typevars: dict[Any, Any]) -> Any:
    """Replace type variables in ``hint`` by their values in ``typevars``."""
    if isinstance(hint, typing.TypeVar):
        return typevars.get(hint, hint)
    args = typing.get_args(hint)
    if not args:
        return hint
    origin = typing.get_origin(hint)
    new_args = tuple(substitute(arg, typevars) for arg in args)
    if new_args == args:
        return hint
    if origin is typing.Annotated:
        return typing.Annotated[new_args[0], *new_args[1:]]
    if origin is typing.Union or origin is types.UnionType:
        return typing.Union[new_args]  # noqa: UP007
    if isinstance(hint, types.GenericAlias):
        return types.GenericAlias(origin, new_args)
    return hint.copy_with(new_args)
