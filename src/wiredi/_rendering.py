"""Text rendering of types, dependency paths and trees, for errors and describe()."""

from __future__ import annotations

import enum
import types
import typing
from collections.abc import Iterable
from typing import Any, Protocol

__all__ = ["render_path", "type_name", "value_repr"]


class _Node(Protocol):
    @property
    def service_type(self) -> Any: ...
    @property
    def lifetime(self) -> str: ...
    @property
    def component(self) -> str: ...


def type_name(service_type: Any) -> str:
    """Return a short readable name: ``Repo[User]``, ``int | None``, ``UserId``.

    Never raises: error messages are rendered with it, so an object whose
    ``__getattr__`` or ``__repr__`` raises is named after its class instead.
    """
    try:
        return _type_name(service_type)
    except Exception:  # rendering must not replace the real error
        return _fallback_name(service_type)


def value_repr(value: Any) -> str:
    """``repr(value)`` for a message; never raises (see :func:`type_name`)."""
    try:
        return repr(value)
    except Exception:  # rendering must not replace the real error
        return _fallback_name(value)


def _fallback_name(obj: Any) -> str:
    """A class's own name, or ``<Weird object>``: read from the type's slot.

    ``type.__dict__["__qualname__"]`` is the C-level getter, which neither a
    metaclass nor ``__getattr__`` can intercept, and it cannot fail.
    """
    qualname: str
    if issubclass(type(obj), type):
        qualname = _QUALNAME.__get__(obj)
        return qualname
    qualname = _QUALNAME.__get__(type(obj))
    return f"<{qualname} object>"


_QUALNAME: Any = type.__dict__["__qualname__"]


def _type_name(service_type: Any) -> str:
    """The type as it is written in a hint, so that a fix quoting it is code."""
    if service_type is None or service_type is type(None):
        return "None"
    if service_type is Ellipsis:  # tuple[X, ...], Callable[..., T]
        return "..."
    if isinstance(service_type, list):  # the parameters of Callable[[int], str]
        return "[" + ", ".join(type_name(arg) for arg in service_type) + "]"
    if isinstance(service_type, typing.TypeVar):
        return service_type.__name__
    if isinstance(service_type, typing.ForwardRef):
        return repr(service_type.__forward_arg__)
    origin = typing.get_origin(service_type)
    if origin is not None:
        args = typing.get_args(service_type)
        if origin is typing.Union or origin is types.UnionType:
            return " | ".join(type_name(arg) for arg in args)
        if origin is typing.Annotated:
            return type_name(args[0])
        if origin is typing.Literal:
            inner = ", ".join(_literal_value(arg) for arg in args)
        elif args:
            inner = ", ".join(type_name(arg) for arg in args)
        elif hasattr(service_type, "__args__"):  # tuple[()], the empty tuple
            inner = "()"
        else:  # typing.List, typing.Callable: no brackets
            return type_name(origin)
        star = "*" if getattr(service_type, "__unpacked__", False) else ""
        return f"{star}{type_name(origin)}[{inner}]"
    name = getattr(service_type, "__qualname__", None) or getattr(
        service_type, "__name__", None
    )
    if isinstance(name, str):
        return name.rpartition("<locals>.")[2]
    return repr(service_type)


def _literal_value(value: Any) -> str:
    """``Color.RED`` for an enum member, else the value's ``repr``: ``'a'``, ``1``."""
    if isinstance(value, enum.Enum):
        return f"{type_name(type(value))}.{value.name}"
    return value_repr(value)


def node_name(node: _Node) -> str:
    """Return the node's type name, with its component when it is not the default."""
    name = type_name(node.service_type)
    if node.component:
        return f"{name}@{node.component}"
    return name


def render_path(path: Iterable[_Node]) -> str:
    """Render ``A -> B -> C (scoped)``: names joined, the last with its lifetime."""
    nodes = list(path)
    if not nodes:
        return ""
    names = [node_name(node) for node in nodes]
    last = nodes[-1]
    if last.lifetime:
        names[-1] = f"{names[-1]} ({last.lifetime})"
    return " -> ".join(names)
