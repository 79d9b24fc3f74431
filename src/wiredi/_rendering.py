"""Text rendering of types, dependency paths and trees, for errors and describe()."""

from __future__ import annotations

import types
import typing
from collections.abc import Iterable
from typing import Any, Protocol

__all__ = ["render_path", "type_name"]


class _Node(Protocol):
    @property
    def service_type(self) -> Any: ...
    @property
    def lifetime(self) -> str: ...
    @property
    def component(self) -> str: ...


def type_name(service_type: Any) -> str:
    """Return a short readable name: ``Repo[User]``, ``int | None``, ``UserId``."""
    if service_type is None or service_type is type(None):
        return "None"
    if isinstance(service_type, typing.TypeVar):
        return service_type.__name__
    origin = typing.get_origin(service_type)
    if origin is not None:
        args = typing.get_args(service_type)
        if origin is typing.Union or origin is types.UnionType:
            return " | ".join(type_name(arg) for arg in args)
        if origin is typing.Annotated:
            return type_name(args[0])
        inner = ", ".join(type_name(arg) for arg in args)
        return f"{type_name(origin)}[{inner}]"
    name = getattr(service_type, "__qualname__", None) or getattr(
        service_type, "__name__", None
    )
    if isinstance(name, str):
        return name.rpartition("<locals>.")[2]
    return repr(service_type)


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
