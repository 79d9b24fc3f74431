"""``configure(T, section=...)``: the ``Options[T]`` registrations it adds."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any

from wiredi._collection import OptionsBinding
from wiredi._components import FromComponent
from wiredi._lifetime import Lifetime
from wiredi._registration import Kind, Registration

__all__ = ["options_registrations"]


def _factory(binding: OptionsBinding) -> tuple[Any, Callable[..., Any]]:
    from wiredi.config import IConfiguration, Options, bind_options  # noqa: PLC0415

    options_type, section = binding.options_type, binding.section

    def bind(config: Any) -> Any:
        return bind_options(config, options_type, section)

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
