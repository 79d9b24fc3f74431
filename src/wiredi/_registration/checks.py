"""Input checks for registration calls; each failure is a ``RegistrationError``."""

from __future__ import annotations

import enum
import inspect
import types
import typing
from typing import Any

from wiredi._registration.lifetimes import Lifetime
from wiredi._rendering import type_name, value_repr
from wiredi.errors import RegistrationError

__all__ = [
    "CallText",
    "check_constructible",
    "check_factory",
    "check_health_check",
    "check_implementation",
    "check_instance",
    "check_service_type",
    "context_check",
    "origin_class",
]


_TYPE_ALIAS: Any = getattr(typing, "TypeAliasType", None)
_BUILTIN_LIFETIMES = frozenset(item.value for item in Lifetime)


class CallText:
    """The text of a registration call (``add_scoped(Repo)``), made only if needed.

    Registration runs once per service at startup; the text is only ever
    read by an error message.
    """

    __slots__ = ("name", "service_type", "suffix")

    def __init__(self, name: str, service_type: Any, suffix: str = "") -> None:
        self.name = name
        self.service_type = service_type
        self.suffix = suffix

    def __str__(self) -> str:
        return f"{self.name}({type_name(self.service_type)}{self.suffix})"


Call = str | CallText


def origin_class(service_type: Any) -> type | None:
    """Return the class behind a type form (``Repo[User]`` -> ``Repo``), if any."""
    if isinstance(service_type, type):
        return service_type
    origin = typing.get_origin(service_type)
    if isinstance(origin, type) and origin is not types.UnionType:
        return origin
    supertype = getattr(service_type, "__supertype__", None)
    if supertype is not None:
        return origin_class(supertype)
    return None


def _is_protocol(cls: type) -> bool:
    return bool(getattr(cls, "_is_protocol", False))


def check_service_type(service_type: Any, call: Call, where: str) -> None:
    """Reject ``None`` and things that are not types."""
    if service_type is None:
        raise RegistrationError(
            f"{call}: the service type is None",
            hint="pass the class, Protocol or NewType to register",
            registered_at=where,
        )
    is_type_form = (
        isinstance(service_type, type)
        or typing.get_origin(service_type) is not None
        or isinstance(service_type, typing.NewType)
        or (_TYPE_ALIAS is not None and isinstance(service_type, _TYPE_ALIAS))
    )
    if isinstance(service_type, typing.TypeVar):
        raise RegistrationError(
            f"{call}: {service_type!r} is a TypeVar, not a type",
            service_type=service_type,
            hint="a type variable stands for a type only inside a generic class: "
            "register the generic class (add_scoped(IRepo, SqlRepo)) or a "
            "parameterised form (add_scoped(IRepo[User], UserRepo))",
            registered_at=where,
        )
    if not is_type_form:
        raise RegistrationError(
            f"{call}: {value_repr(service_type)} is not a type",
            service_type=service_type,
            hint="the first argument is the service type, e.g. a class or Protocol",
            registered_at=where,
        )


def _not_constructible(form: Any) -> tuple[str, str] | None:
    """``(what form is, how to register it)`` when calling ``form`` cannot build it."""
    if type(form) is type and form is not type:
        return None  # a plain class (no Enum, Protocol or ABC metaclass): the usual
    name = type_name(form)
    origin = typing.get_origin(form)
    by_factory = (
        f"give a factory or an instance: add_singleton_factory({name}, make) or "
        f"add_instance({name}, value)"
    )
    if origin is typing.Union or origin is types.UnionType:
        members = [arg for arg in typing.get_args(form) if arg is not type(None)]
        if len(members) == 1:
            member = type_name(members[0])
            return "an optional type", (
                f"register {member} itself (add_singleton({member})): a parameter "
                f"or get_service() asking for {name} gets it, or None when it is "
                f"not registered; or {by_factory}"
            )
        return "a union", f"register each member type on its own, or {by_factory}"
    if origin is typing.Literal:
        return "a Literal (values, not a class)", by_factory
    if isinstance(form, typing.NewType):
        return f"a NewType of {type_name(form.__supertype__)}", (
            f"{by_factory}, e.g. add_instance({name}, {name}(...))"
        )
    if form is typing.Any:
        return "typing.Any", "register a concrete class, or " + by_factory
    if form is type or origin is type:
        return "a type of classes", (
            f"register the class itself, or the class as an instance: "
            f"add_instance({name}, TheClass)"
        )
    if isinstance(form, type) and issubclass(form, enum.Enum):
        first = next(iter(form.__members__), "MEMBER")
        return "an Enum (its members are its only instances)", (
            f"register a member: add_instance({name}, {name}.{first}), or a factory"
        )
    return None


def check_constructible(implementation: Any, call: Call, where: str) -> None:
    """Reject a class-like implementation that calling it cannot construct.

    ``add_singleton(int | None)``, a ``Literal``, a ``NewType``, an ``Enum``,
    ``type`` or ``Any``: each is valid with a factory or an instance, never
    as a class to build.
    """
    problem = _not_constructible(implementation)
    if problem is not None:
        what, fix = problem
        raise RegistrationError(
            f"{call}: {type_name(implementation)} is {what} and cannot be constructed",
            service_type=implementation,
            hint=fix,
            registered_at=where,
        )


def _abstract_methods(cls: type) -> frozenset[str]:
    return frozenset(getattr(cls, "__abstractmethods__", frozenset()))


def check_implementation(
    service_type: Any, implementation: Any, call: Call, where: str
) -> None:
    """Check that ``implementation`` can stand for ``service_type``."""
    if implementation is service_type and type(implementation) is type:
        # a class of the plain metaclass bound to itself: Protocols and ABCs
        # have their own metaclasses, and there is no other type to compare
        return
    impl_class = implementation if isinstance(implementation, type) else None
    if impl_class is None and typing.get_origin(implementation) is not None:
        impl_class = origin_class(implementation)
    if impl_class is None:
        if not callable(implementation):
            raise RegistrationError(
                f"{call}: the implementation {value_repr(implementation)} is neither a "
                "class nor callable",
                service_type=service_type,
                hint="to register an object you already have, use add_instance()",
                registered_at=where,
            )
        return
    if _is_protocol(impl_class) or _abstract_methods(impl_class):
        missing = ", ".join(sorted(_abstract_methods(impl_class))) or "protocol"
        raise RegistrationError(
            f"{call}: {type_name(implementation)} cannot be instantiated "
            f"(abstract: {missing})",
            service_type=service_type,
            hint="register a concrete class that implements it",
            registered_at=where,
        )
    service_class = origin_class(service_type)
    if service_class is None or service_class is impl_class:
        return
    if _is_protocol(service_class):
        missing_members = _missing_methods(service_class, impl_class)
        if missing_members:
            name = type_name(implementation)
            raise RegistrationError(
                f"{call}: {name} does not implement {type_name(service_type)} "
                f"(missing: {', '.join(missing_members)})",
                service_type=service_type,
                hint=f"add the missing methods to {name}",
                registered_at=where,
            )
        return
    if not issubclass(impl_class, service_class):
        name = type_name(implementation)
        raise RegistrationError(
            f"{call}: {name} is not a subclass of {type_name(service_type)}",
            service_type=service_type,
            hint=f"make {name} inherit from {type_name(service_type)}, "
            "or register the class it should be",
            registered_at=where,
        )


def _missing_methods(protocol: type, candidate: Any) -> list[str]:
    """The public methods of ``protocol`` that ``candidate`` (class or object) lacks."""
    return [
        member
        for member, value in vars(protocol).items()
        if inspect.isfunction(value)
        and not member.startswith("_")
        and not hasattr(candidate, member)
    ]


def check_factory(service_type: Any, factory: Any, call: Call, where: str) -> None:
    """Reject a factory that is not callable."""
    if not callable(factory):
        raise RegistrationError(
            f"{call}: the factory {value_repr(factory)} is not callable",
            service_type=service_type,
            hint="pass a function (or lambda) that returns the service",
            registered_at=where,
        )


def check_instance(service_type: Any, instance: Any, call: Call, where: str) -> None:
    """Check that ``instance`` is an instance of ``service_type`` when checkable."""
    service_class = origin_class(service_type)
    if service_class is None:
        return
    if _is_protocol(service_class):  # structural: the methods it must have
        missing = _missing_methods(service_class, instance)
        if missing:
            raise RegistrationError(
                f"{call}: {value_repr(instance)} does not implement "
                f"{type_name(service_type)} (missing: {', '.join(missing)})",
                service_type=service_type,
                hint=f"pass an object with the methods of {type_name(service_type)}",
                registered_at=where,
            )
        return
    if not isinstance(instance, service_class):
        raise RegistrationError(
            f"{call}: {value_repr(instance)} is not an instance of "
            f"{type_name(service_type)}",
            service_type=service_type,
            hint="pass an instance of the service type",
            registered_at=where,
        )


def check_health_check(
    service_type: Any,
    check: Any,
    call: Call,
    where: str,
    *,
    lifetime: str = "",
    open_generic: bool = False,
) -> None:
    """Reject a ``health_check=`` that is not callable or that could never run.

    Checks resolve their service in a fresh request scope, where no custom
    scope is active, and an open generic type cannot be resolved by itself.
    """
    if not callable(check):
        raise RegistrationError(
            f"{call}: health_check={check!r} is not callable",
            service_type=service_type,
            hint="pass a function of the service that raises or returns False "
            "when it is unhealthy, e.g. health_check=lambda db: db.execute('select 1')",
            registered_at=where,
        )
    if lifetime and lifetime not in _BUILTIN_LIFETIMES:
        raise RegistrationError(
            f"{call}: a health check cannot be given to a service of the custom "
            f"scope {lifetime!r}",
            service_type=service_type,
            hint="checks resolve their service in a fresh request scope, where no "
            f"{lifetime!r} scope is active: put the check on the singleton or "
            "scoped service it uses (a client, a pool)",
            registered_at=where,
        )
    if open_generic:
        raise RegistrationError(
            f"{call}: a health check cannot be given to the open generic "
            f"{type_name(service_type)}",
            service_type=service_type,
            hint="an open generic is not resolved by itself: give the check to "
            f"a registration of a closed type, e.g. {type_name(service_type)}[int]",
            registered_at=where,
        )


def context_check(service_type: Any) -> type | None:
    """The class a context value for ``service_type`` must be an instance of.

    ``None`` when ``isinstance`` cannot tell: a ``Protocol`` that is not
    ``@runtime_checkable``, or a type form with no class behind it.
    ``Repo[User]`` is checked against ``Repo``, a ``NewType`` against its
    supertype.
    """
    service_class = origin_class(service_type)
    if service_class is None:
        return None
    if _is_protocol(service_class) and not getattr(
        service_class, "_is_runtime_protocol", False
    ):
        return None
    return service_class
