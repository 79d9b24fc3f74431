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

    def finish(self, exc: BaseException | None = None) -> None:
        """Resume the generator once; it must stop there.

        With ``exc`` (the exception the scope's block ended with) the
        generator is resumed by throwing ``exc`` in at its ``yield``, as
        ``contextlib.contextmanager`` does. Letting ``exc`` through (roll
        back, then ``raise``) and swallowing it both count as finishing; the
        scope re-raises ``exc`` either way. Any other exception propagates.
        """
        generator = self.generator
        try:
            if exc is None:
                next(generator)
            else:
                traceback = exc.__traceback__
                try:
                    generator.throw(exc)
                except BaseException as raised:
                    if not _let_through(raised, exc):
                        raise
                    exc.__traceback__ = traceback  # propagates unchanged
                    return
        except StopIteration:
            return
        generator.close()
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

    async def finish(self, exc: BaseException | None = None) -> None:
        """Resume the async generator once (``exc`` thrown in); it must stop there.

        The same rules as :meth:`GeneratorFinalizer.finish`, with ``athrow``.
        """
        generator = self.generator
        try:
            if exc is None:
                await anext(generator)
            else:
                traceback = exc.__traceback__
                try:
                    await generator.athrow(exc)
                except BaseException as raised:
                    if not _let_through(raised, exc):
                        raise
                    exc.__traceback__ = traceback  # propagates unchanged
                    return
        except StopAsyncIteration:
            return
        await generator.aclose()
        raise ScopeError(
            f"the async generator factory of {type_name(self.service_type)} "
            "yielded twice",
            service_type=self.service_type,
            hint="a generator factory yields exactly one value",
        )


def _let_through(raised: BaseException, exc: BaseException) -> bool:
    """Whether a generator that raised ``raised`` let the thrown ``exc`` pass.

    A ``StopIteration`` thrown in comes back as the ``RuntimeError`` that
    PEP 479 (PEP 525 for async generators) turns it into.
    """
    return raised is exc or (
        isinstance(exc, StopIteration | StopAsyncIteration)
        and isinstance(raised, RuntimeError)
        and raised.__cause__ is exc
    )


def is_disposable_type(cls: Any) -> bool:
    """Whether instances of ``cls`` have ``close``, ``dispose`` or ``aclose``."""
    if not isinstance(cls, type):
        return False
    if type(cls) is type:  # no metaclass: only the classes' own dicts can say
        for klass in cls.__mro__:
            namespace = klass.__dict__
            if "close" in namespace or "dispose" in namespace or "aclose" in namespace:
                break
        else:
            return False  # without three failed lookups, each an exception inside
    for name in _METHODS:  # noqa: SIM110 - a loop, not any(): asked per compiled class
        if callable(getattr(cls, name, None)):
            return True
    return False


def is_disposable(obj: object) -> bool:
    """Whether ``obj`` has ``close``, ``dispose`` or ``aclose``."""
    return any(callable(getattr(obj, name, None)) for name in _METHODS)
