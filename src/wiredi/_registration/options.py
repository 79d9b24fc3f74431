"""Registrations made by the container itself: ``configure`` options and overrides."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from typing import Annotated, Any

from wiredi._registration.checks import check_service_type, origin_class
from wiredi._registration.components import FromComponent
from wiredi._registration.declarations import OptionsBinding
from wiredi._registration.lifetimes import Lifetime
from wiredi._registration.registration import Kind, Registration, caller_location
from wiredi.config import IConfiguration, Options, bind_options
from wiredi.errors import ConfigurationError

__all__ = ["options_registrations", "override_registration"]


def _factory(binding: OptionsBinding) -> tuple[Any, Callable[..., Any]]:

    options_type, section = binding.options_type, binding.section

    def bind(config: Any) -> Any:
        try:
            return bind_options(config, options_type, section)
        except ConfigurationError as error:
            error.registered_at = error.registered_at or binding.registered_at
            raise

    # The configuration is application-wide: always from the default component.
    bind.__annotations__ = {
        "config": Annotated[IConfiguration, FromComponent()],
        "return": Options[options_type],  # type: ignore[valid-type]
    }
    bind.__qualname__ = f"configure[{getattr(options_type, '__qualname__', '?')}]"
    return Options[options_type], bind  # type: ignore[valid-type]


def options_registrations(bindings: Sequence[OptionsBinding]) -> list[Registration]:
    """One singleton ``Options[T]`` factory registration per ``configure`` call."""
    registrations = []
    for binding in bindings:
        service_type, factory = _factory(binding)
        registrations.append(
            Registration(
                service_type=service_type,
                kind=Kind.FACTORY,
                implementation=factory,
                lifetime=Lifetime.SINGLETON.value,
                component=binding.component,
                registered_at=binding.registered_at,
                order=-1,
            )
        )
    return registrations


def override_registration(
    service_type: Any, replacement: Any, component: str
) -> Registration:
    """The registration an ``override(service_type, replacement)`` puts in front.

    Only a function, a method, a lambda, a class or a ``functools.partial``
    is a factory (transient); any other object, a ``unittest.mock.Mock``
    included, callable or not, is the instance (SPEC 11). A function that
    is itself an instance of the service type (the service is a
    ``Callable[...]``) is the instance too.
    """
    where = caller_location()
    check_service_type(service_type, "override(...)", where)
    is_instance = not _is_factory(service_type, replacement)
    return Registration(
        service_type=service_type,
        kind=Kind.INSTANCE if is_instance else Kind.FACTORY,
        implementation=replacement,
        lifetime=Lifetime.SINGLETON.value if is_instance else Lifetime.TRANSIENT.value,
        component=component,
        registered_at=where,
    )


def _is_factory(service_type: Any, replacement: Any) -> bool:
    if not (
        inspect.isroutine(replacement)
        or isinstance(replacement, (type, functools.partial))
    ):
        return False
    service_class = origin_class(service_type)
    if service_class is None or getattr(service_class, "_is_protocol", False):
        return True  # isinstance cannot tell
    return not isinstance(replacement, service_class)
