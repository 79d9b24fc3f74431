"""Which function Python calls to build a class, and what its type variables are.

``cls(...)`` runs the first ``__init__`` in the MRO and, when that is
``object``'s, the first ``__new__``. The ``__init__`` stub that
``typing.Protocol`` installs on its subclasses only looks further along the
MRO, so it is skipped here as Python skips it in effect: with
``class SqlRepo(IRepo, BaseRepo)`` the parameters are ``BaseRepo.__init__``'s.

A generic class given already parameterised (``Box[int]``) or reached
through a parameterised base (``class IntBox(Box[int])``) fills the type
variables of the constructor's hints from those parameters.

A generated constructor (a dataclass's or attrs class's ``__init__``) has
the fields' annotations as its hints, each written in the class that
declares the field, maybe in another module: ``field_modules`` says where.
"""

from __future__ import annotations

import inspect
import sys
import types
import typing
from typing import Any

__all__ = [
    "constructor",
    "field_modules",
    "hint_source",
    "owner_typevars",
    "substitute",
]

# The __init__ that typing.Protocol installs: it calls the next __init__ of
# the MRO. (typing_extensions.Protocol's own stub, used before Python 3.12,
# swallows the arguments instead, so Python calls nothing further: it is
# read as what it is.)
_PROTOCOL_STUB = ("typing", "_no_init_or_replace_init")


def _is_protocol_stub(function: Any) -> bool:
    module = getattr(function, "__module__", None)
    return (module, getattr(function, "__qualname__", None)) == _PROTOCOL_STUB


def constructor(cls: type) -> tuple[type, Any] | None:
    """``(owner, function)`` of what ``cls(...)`` runs; ``None`` for ``object``'s.

    ``function`` takes ``self`` (an ``__init__``) or ``cls`` (a ``__new__``)
    first; ``owner`` is the class of the MRO that defines it.
    """
    mro = cls.__mro__
    for klass in mro:
        if klass is object:
            break
        init = klass.__dict__.get("__init__")
        if init is not None and not _is_protocol_stub(init):
            return klass, init
    for klass in mro:
        if klass is object:
            break
        if "__new__" in klass.__dict__:
            return klass, klass.__new__
    return None


def hint_source(owner: type, function: Any) -> Any:
    """What to read ``function``'s hints from: the class for a ``NamedTuple``.

    A ``NamedTuple``'s ``__new__`` is generated outside the class's module,
    so string hints (``from __future__ import annotations``) are evaluated
    from the class, whose fields they are.
    """
    if issubclass(owner, tuple) and hasattr(owner, "_fields"):
        return owner
    return function


def field_modules(owner: type, function: Any) -> dict[str, str]:
    """Parameter -> module in whose globals its string hint is evaluated.

    Only for a constructor generated at run time (compiled from no file, as
    dataclasses and attrs make ``__init__``), and only where that module's
    globals are not ``function.__globals__``: such a constructor runs in the
    globals of the class it was made for (attrs: a copy of them), but the
    hint of an inherited field was written in the module of the class that
    declares it. As ``typing.get_type_hints(cls)`` does, that class is the
    first of the MRO whose own annotations hold the very hint; an attrs
    field ``_x`` is the parameter ``x``.
    """
    code = getattr(function, "__code__", None)
    annotations = getattr(function, "__annotations__", None)
    if (
        code is None
        or not code.co_filename.startswith("<")
        or not isinstance(annotations, dict)
    ):
        return {}
    fields: dict[str, str] = {
        getattr(attribute, "alias", None) or attribute.name: attribute.name
        for attribute in getattr(owner, "__attrs_attrs__", ())
    }
    found: dict[str, str] = {}
    hints: dict[str, Any] = annotations
    for param, hint in hints.items():
        if not isinstance(hint, str) or param == "return":
            continue
        field = fields.get(param, param)
        for klass in owner.__mro__:
            if inspect.get_annotations(klass).get(field, None) is hint:
                module = sys.modules.get(klass.__module__)
                if module is not None and vars(module) is not function.__globals__:
                    found[param] = klass.__module__
                break
    return found


def owner_typevars(form: Any, owner: type) -> dict[Any, Any]:
    """The values of ``owner``'s type variables when ``form`` is built.

    ``form`` is a class or a parameterised generic (``Box[int]``); ``owner``
    is ``form``'s class or one of its bases. The values come from the
    parameters of ``form`` and, through each generic base on the way
    (``__orig_bases__``), down to ``owner``. Unknown ones are left out.
    """
    origin = typing.get_origin(form)
    if isinstance(origin, type):
        params = getattr(origin, "__parameters__", ())
        mapping = dict(zip(params, typing.get_args(form), strict=False))
        return _through_bases(origin, mapping, owner) or {}
    return _through_bases(form, {}, owner) or {}


def _through_bases(
    klass: type, mapping: dict[Any, Any], owner: type
) -> dict[Any, Any] | None:
    if klass is owner:
        return mapping
    for base in klass.__dict__.get("__orig_bases__", klass.__bases__):
        base_class = typing.get_origin(base) or base
        if not isinstance(base_class, type) or owner not in base_class.__mro__:
            continue
        args = tuple(substitute(arg, mapping) for arg in typing.get_args(base))
        params = getattr(base_class, "__parameters__", ())
        found = _through_bases(base_class, dict(zip(params, args, strict=False)), owner)
        if found is not None:
            return found
    return None


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
