"""Generator factories' first value and finalisers, and what counts as disposable.

The compiled resolvers use these to take a generator factory's value and to
decide what a scope must close; the runtime's disposal runs the finalisers.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator
from typing import Any

from wiredi._rendering import type_name
from wiredi.errors import RegistrationError, ScopeError

__all__ = [
    "AsyncGeneratorFinalizer",
    "GeneratorFinalizer",
    "first_value",
    "first_value_async",
    "is_disposable",
    "is_disposable_type",
]

_METHODS = ("close", "dispose", "aclose")


def first_value(generator: Generator[Any, None, None], service_type: Any) -> Any:
    """The value a generator factory yields (it must yield one)."""
    try:
        return next(generator)
    except StopIteration:
        raise _no_yield(service_type) from None


async def first_value_async(
    generator: AsyncGenerator[Any, None], service_type: Any
) -> Any:
    """The value an async generator factory yields (it must yield one)."""
    try:
        return await anext(generator)
    except StopAsyncIteration:
        raise _no_yield(service_type) from None


def _no_yield(service_type: Any) -> RegistrationError:
    return RegistrationError(
        f"the generator factory of {type_name(service_type)} finished without "
        "yielding a value",
        service_type=service_type,
        hint="a generator factory yields exactly one value (the service); code "
        "after the yield runs when the owning scope closes",
    )


class GeneratorFinalizer:
    """Runs the code after ``yield`` of a generator factory."""

    __slots__ = ("generator", "service_type")

    def __init__(
        self, generator: Generator[Any, None, None], service_type: Any
    ) -> None:
        self.generator = generator
        self.service_type = service_type

    def finish(self) -> None:
        """Resume the generator once; it must stop there."""
        try:
            next(self.generator)
        except StopIteration:
            return
        self.generator.close()
        raise ScopeError(
            f"the generator factory of {type_name(self.service_type)} yielded twice",
            service_type=self.service_type,
            hint="a generator factory yields exactly one value",
        )


class AsyncGeneratorFinalizer:
    """Runs the code after ``yield`` of an async generator factory."""

    __slots__ = ("generator", "service_type")

    def __init__(self, generator: AsyncGenerator[Any, None], service_type: Any) -> None:
        self.generator = generator
        self.service_type = service_type

    async def finish(self) -> None:
        """Resume the async generator once; it must stop there."""
        try:
            await anext(self.generator)
        except StopAsyncIteration:
            return
        await self.generator.aclose()
        raise ScopeError(
            f"the async generator factory of {type_name(self.service_type)} "
            "yielded twice",
            service_type=self.service_type,
            hint="a generator factory yields exactly one value",
        )


def is_disposable_type(cls: Any) -> bool:
    """Whether instances of ``cls`` have ``close``, ``dispose`` or ``aclose``."""
    return isinstance(cls, type) and any(
        callable(getattr(cls, name, None)) for name in _METHODS
    )


def is_disposable(obj: object) -> bool:
    """Whether ``obj`` has ``close``, ``dispose`` or ``aclose``."""
    return any(callable(getattr(obj, name, None)) for name in _METHODS)
