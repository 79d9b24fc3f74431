"""Errors raised while resolving, and the dependency path they collect.

A failing resolver function records its node on the exception as it travels
outwards (``add_trail``); the top-level resolve call turns that trail into the
error's ``path`` or, for a user's exception, into a note (``finish_error``).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import CodeType, FrameType
from typing import Any

from wiredi._rendering import render_path, type_name
from wiredi.errors import (
    DependencyNode,
    DIError,
    RegistrationError,
    ScopeError,
)

__all__ = [
    "add_trail",
    "add_trails",
    "component_arg",
    "context_not_given",
    "finish_error",
    "no_active_scope",
    "raise_with",
    "raiser",
    "register_build_code",
    "scope_error_from_root",
    "unknown_scope",
]

Fn = Callable[..., Any]
Chain = tuple[DependencyNode, ...]

_TRAIL = "__wiredi_trail__"
_PATH_FROM_TRAIL = "__wiredi_path_from_trail__"
# generated resolvers are compiled under this file name (see _codegen)
_RESOLVER_FILE = "<wiredi resolver"
_BUILD_CODES: set[CodeType] = set()
_NOTE_PREFIX = "wiredi: raised while resolving "


def add_trail(exc: BaseException, node: DependencyNode) -> None:
    """Record that ``exc`` passed through ``node`` on its way out."""
    trail = exc.__dict__.get(_TRAIL)
    if trail is None:
        exc.__dict__[_TRAIL] = [node]
    elif not trail or trail[-1] is not node:
        trail.append(node)


def add_trails(
    exc: BaseException,
    lines: dict[int, tuple[DependencyNode, ...]],
    node: DependencyNode,
) -> None:
    """Record the (possibly inlined) nodes ``exc`` passed through in one function.

    The line of the failing call in the generated function says which
    inlined constructor raised; its chain of parents comes with it.
    """
    traceback = exc.__traceback__
    chain = lines.get(traceback.tb_lineno) if traceback is not None else None
    for item in chain or (node,):
        add_trail(exc, item)


def finish_error(exc: BaseException) -> None:
    """Give an escaping error its dependency path (field or note).

    Called where a resolve call lets the error out. A resolve nested inside
    another resolution (a factory calling ``get_service``) gives it the path
    so far; the outermost one gives the whole path and then forgets the
    trail, so the same exception object raised again later gets a fresh
    path instead of a longer one.
    """
    trail = exc.__dict__.get(_TRAIL)
    if not trail:
        return
    path = tuple(reversed(trail))
    if isinstance(exc, DIError):
        if not exc.path or exc.__dict__.get(_PATH_FROM_TRAIL):
            exc.path = path
            exc.__dict__[_PATH_FROM_TRAIL] = True
    else:
        _set_note(exc, _NOTE_PREFIX + render_path(path))
    if not _inside_resolution(sys._getframe(2)):
        # pop: threads that shared one failed singleton attempt may finish at once
        exc.__dict__.pop(_TRAIL, None)
        exc.__dict__.pop(_PATH_FROM_TRAIL, None)


def _set_note(exc: BaseException, note: str) -> None:
    notes = getattr(exc, "__notes__", None)
    if notes:
        for index, existing in enumerate(notes):
            if isinstance(existing, str) and existing.startswith(_NOTE_PREFIX):
                notes[index] = note
                return
    exc.add_note(note)


def _inside_resolution(frame: FrameType | None) -> bool:
    """Whether ``frame`` or a caller is wiredi building something."""
    while frame is not None:
        code = frame.f_code
        if code.co_filename.startswith(_RESOLVER_FILE) or code in _BUILD_CODES:
            return True
        frame = frame.f_back
    return False


def register_build_code(code: CodeType) -> None:
    """Count frames running ``code`` as "inside a resolution" (see finish_error)."""
    _BUILD_CODES.add(code)


def raise_with(error: DIError, node: DependencyNode | None) -> None:
    if node is not None:
        add_trail(error, node)
    raise error


def component_arg(component: str) -> str:
    return f", component={component!r}" if component else ""


def scope_error_from_root(node: DependencyNode) -> ScopeError:
    name = type_name(node.service_type)
    return ScopeError(
        f"{name} is scoped and cannot be resolved from the root provider",
        service_type=node.service_type,
        component=node.component,
        registered_at=node.registered_at,
        hint=f"resolve it inside `with provider.create_scope() as scope:` "
        f"with scope.get_service({name}{component_arg(node.component)}); a "
        "singleton's dependencies always come from the root, so a singleton "
        f"cannot take {name} (make it scoped, or resolve {name} per use)",
    )


def context_not_given(node: DependencyNode) -> ScopeError:
    name = type_name(node.service_type)
    return ScopeError(
        f"{name} is a context value (add_context) and this scope was not given one",
        service_type=node.service_type,
        component=node.component,
        registered_at=node.registered_at,
        hint=f"open the scope with provider.create_scope(context={{{name}: ...}}); "
        "the web integrations give their request objects that way",
    )


def raiser(make: Callable[[DependencyNode], DIError], node: DependencyNode) -> Fn:
    def raise_error(*_: Any) -> Any:
        raise_with(make(node), node)

    return raise_error


def unknown_scope(name: str, node: DependencyNode) -> Fn:
    def unknown(*_: Any) -> Any:
        error = RegistrationError(
            f"{type_name(node.service_type)} has lifetime {name!r}, but no scope "
            "manager is registered under that name",
            service_type=node.service_type,
            registered_at=node.registered_at,
            hint=f"add services.add_scope_manager({name!r}, ContextScopeManager())",
        )
        raise_with(error, node)

    return unknown


def no_active_scope(name: str, node: DependencyNode) -> ScopeError:
    return ScopeError(
        f"{type_name(node.service_type)} lives in the {name!r} scope, "
        f"and no {name!r} scope is active",
        service_type=node.service_type,
        registered_at=node.registered_at,
        hint=f"resolve it inside `with provider.create_scope({name!r}, scope_id):`",
    )
