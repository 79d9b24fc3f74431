"""Errors raised by wiredi.

Every error is data: it carries the service type, the component, the
dependency path that led to it, where the registration involved was made and
a hint saying what to change. ``str(error)`` renders those fields.

```text
DIError
 ├── RegistrationError        (TypeError)      a bad add*/decorate/alias call
 ├── ServiceNotFoundError     (LookupError)    nothing registered for a type
 ├── CircularDependencyError                   a service depends on itself
 ├── LifetimeError                             longer-lived captures shorter-lived
 ├── ScopeError                                no scope, closed scope
 ├── AsyncResolutionError                      async factory reached by a sync call
 ├── ConfigurationError       (ValueError)     a configuration value cannot be bound
 ├── GraphValidationError                      every problem found at build: .errors
 │    └── InvalidConfigurationError (ValueError)  some are bad config values
 └── DisposalError            (ExceptionGroup) several disposers raised
```

Example:
    ```python
    from wiredi import ServiceCollection, ServiceNotFoundError

    class Missing: ...

    try:
        ServiceCollection().build_service_provider().get_service(Missing)
    except ServiceNotFoundError as error:
        assert error.service_type is Missing
    ```
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Self

from wiredi._rendering import render_path, value_repr

__all__ = [
    "AsyncResolutionError",
    "CircularDependencyError",
    "ConfigurationError",
    "DIError",
    "DependencyNode",
    "DisposalError",
    "GraphValidationError",
    "InvalidConfigurationError",
    "LifetimeError",
    "RegistrationError",
    "ScopeError",
    "ServiceNotFoundError",
]


@dataclass(frozen=True, slots=True)
class DependencyNode:
    """One step of a dependency path: a registration being resolved.

    Attributes:
        service_type: The type that was asked for.
        implementation: The class or factory that builds it (``None`` when
            nothing is registered).
        lifetime: ``"singleton"``, ``"scoped"``, ``"transient"``, a custom
            scope name, or ``""`` when nothing is registered.
        component: The component the registration lives in.
        registered_at: ``file.py:LINE`` of the ``add*`` call, if known.

    Example:
        ```python
        from wiredi import DependencyNode

        node = DependencyNode(int, int, "transient")
        assert node.lifetime == "transient"
        ```
    """

    service_type: Any
    implementation: Any = None
    lifetime: str = ""
    component: str = ""
    registered_at: str | None = None

    def __str__(self) -> str:
        return render_path((self,))

    def __repr__(self) -> str:  # never raises, whatever the service type does
        fields = (
            f"{name}={value_repr(getattr(self, name))}"
            for name in (
                "service_type",
                "implementation",
                "lifetime",
                "component",
                "registered_at",
            )
        )
        return f"DependencyNode({', '.join(fields)})"


class DIError(Exception):
    """Base class of every wiredi error.

    Attributes:
        message: The first sentence: what went wrong.
        service_type: The type being resolved or registered, if any.
        component: The component involved.
        path: The dependency path from the outermost service down to the
            one that failed.
        hint: What to change.
        registered_at: ``file.py:LINE`` of the registration involved.

    Example:
        ```python
        from wiredi import DIError, ScopeError

        assert issubclass(ScopeError, DIError)
        ```
    """

    def __init__(
        self,
        message: str,
        *,
        service_type: Any = None,
        component: str = "",
        path: Sequence[DependencyNode] = (),
        hint: str | None = None,
        registered_at: str | None = None,
    ) -> None:
        super().__init__(message)
        self._message = message
        self.service_type = service_type
        self.component = component
        self.path: tuple[DependencyNode, ...] = tuple(path)
        self.hint = hint
        self.registered_at = registered_at

    @property
    def message(self) -> str:
        """The first sentence: what went wrong."""
        return self._message

    def __str__(self) -> str:
        lines = [self.message]
        if self.path:
            lines.append(f"  path: {render_path(self.path)}")
        if self.registered_at:
            lines.append(f"  registered at: {self.registered_at}")
        if self.hint:
            lines.append(f"  fix: {self.hint}")
        return "\n".join(lines)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.message, self.__dict__.copy()))


def _rebuild(cls: type[DIError], message: str, state: dict[str, Any]) -> DIError:
    error = cls.__new__(cls, message)
    Exception.__init__(error, message)
    error.__dict__.update(state)
    return error


class RegistrationError(DIError, TypeError):
    """A registration call was given something it cannot use.

    Raised at once by ``add*``, ``decorate`` and ``add_alias`` (and collected
    into :class:`GraphValidationError` for problems only visible at build,
    such as a parameter without a type hint). At run time, for a factory
    that returned ``None`` for a service type that is not ``T | None``, and
    for a resolve call given something that is not a type.

    Example:
        ```python
        import pytest
        from wiredi import RegistrationError, ServiceCollection

        with pytest.raises(RegistrationError):
            ServiceCollection().add_singleton(None)  # type: ignore[call-overload]
        ```
    """


class ServiceNotFoundError(DIError, LookupError):
    """Nothing is registered for the requested type.

    Example:
        ```python
        import pytest
        from wiredi import ServiceCollection, ServiceNotFoundError

        provider = ServiceCollection().build_service_provider()
        with pytest.raises(ServiceNotFoundError):
            provider.get_service(int)
        ```
    """


class CircularDependencyError(DIError):
    """A service depends on itself, directly or through others.

    Example:
        ```python
        from wiredi import CircularDependencyError, DIError

        assert issubclass(CircularDependencyError, DIError)
        ```
    """


class LifetimeError(DIError):
    """A longer-lived service depends on a shorter-lived one.

    A singleton that takes a scoped service would keep the first request's
    instance forever; wiredi refuses to build such a graph.

    Example:
        ```python
        from wiredi import DIError, LifetimeError

        assert issubclass(LifetimeError, DIError)
        ```
    """


class ScopeError(DIError):
    """A service was resolved outside the scope its lifetime needs.

    Also raised for a closed scope or provider, ``create_scope`` with an
    unknown scope name, and a sync close that meets an object which can only
    be closed with ``aclose()``.

    Example:
        ```python
        import pytest
        from wiredi import ScopeError, ServiceCollection

        class Session: ...

        provider = ServiceCollection().add_scoped(Session).build_service_provider()
        with pytest.raises(ScopeError):
            provider.get_service(Session)
        ```
    """


class AsyncResolutionError(DIError):
    """An async factory was reached through a sync resolution call.

    Call ``await resolver.get_service_async(T)`` instead.

    Example:
        ```python
        from wiredi import AsyncResolutionError, DIError

        assert issubclass(AsyncResolutionError, DIError)
        ```
    """


class ConfigurationError(DIError, ValueError):
    """A configuration section could not be bound to its options type.

    Attributes:
        problems: One line per bad field: its full key path and the type
            expected. Secret values are never included.

    Example:
        ```python
        from wiredi import ConfigurationError

        error = ConfigurationError("bad", problems=["database:port: expected int"])
        assert "database:port" in str(error)
        ```
    """

    def __init__(
        self,
        message: str,
        *,
        problems: Sequence[str] = (),
        service_type: Any = None,
        component: str = "",
        path: Sequence[DependencyNode] = (),
        hint: str | None = None,
        registered_at: str | None = None,
    ) -> None:
        super().__init__(
            message,
            service_type=service_type,
            component=component,
            path=path,
            hint=hint,
            registered_at=registered_at,
        )
        self.problems: tuple[str, ...] = tuple(problems)

    def __str__(self) -> str:
        text = super().__str__()
        if not self.problems:
            return text
        first, _, rest = text.partition("\n")
        listed = "\n".join(f"  - {problem}" for problem in self.problems)
        return "\n".join(part for part in (first, listed, rest) if part)


class GraphValidationError(DIError):
    """``build_service_provider()`` found problems; ``.errors`` lists them all.

    Attributes:
        errors: The individual errors, each with its own path and hint.

    Example:
        ```python
        import pytest
        from wiredi import GraphValidationError, ServiceCollection

        class Needs:
            def __init__(self, missing: int) -> None: ...

        with pytest.raises(GraphValidationError) as caught:
            ServiceCollection().add_transient(Needs).build_service_provider()
        assert len(caught.value.errors) == 1
        ```
    """

    def __init__(self, errors: Sequence[DIError]) -> None:
        count = len(errors)
        noun = "problem" if count == 1 else "problems"
        super().__init__(f"the service graph has {count} {noun}")
        self.errors: list[DIError] = list(errors)

    @classmethod
    def of(cls, errors: Sequence[DIError]) -> GraphValidationError:
        """The error to raise for ``errors``.

        When some of them are configuration problems it is an
        :class:`InvalidConfigurationError`, so ``except ConfigurationError``
        catches a bad configuration value found at build as well.
        """
        if any(isinstance(error, ConfigurationError) for error in errors):
            return InvalidConfigurationError(errors)
        return cls(errors)

    def __str__(self) -> str:
        parts = [f"{self.message}:"]
        for index, error in enumerate(self.errors, 1):
            body = str(error).replace("\n", "\n    ")
            parts.append(f"  {index}. {type(error).__name__}: {body}")
        return "\n".join(parts)


class InvalidConfigurationError(GraphValidationError, ConfigurationError):
    """A ``GraphValidationError`` whose problems include bad configuration values.

    It is also a :class:`ConfigurationError` (and so a ``ValueError``):
    catch either. ``.errors`` lists every problem; ``.problems`` every bad
    configuration field, with its full key path and expected type.

    Example:
        ```python
        from dataclasses import dataclass

        import pytest
        from wiredi import ConfigurationError, ServiceCollection
        from wiredi.config import Configuration, IConfiguration

        @dataclass
        class Db:
            port: int

        services = ServiceCollection()
        services.add_instance(IConfiguration, Configuration({"db": {"port": "x"}}))
        services.configure(Db, section="db")
        with pytest.raises(ConfigurationError) as caught:
            services.build_service_provider()
        assert any("db:port" in problem for problem in caught.value.problems)
        ```
    """

    def __init__(self, errors: Sequence[DIError]) -> None:
        GraphValidationError.__init__(self, errors)
        self.problems = tuple(
            problem
            for error in errors
            if isinstance(error, ConfigurationError)
            for problem in error.problems
        )

    def __str__(self) -> str:
        return GraphValidationError.__str__(self)


class DisposalError(ExceptionGroup[Exception], DIError):
    """Several disposers raised while a scope or provider was closing.

    Every disposer still ran; ``.exceptions`` holds what each one raised, in
    the order they ran (reverse order of creation). A single failing disposer
    raises its own exception instead.

    Example:
        ```python
        from wiredi import DIError, DisposalError

        error = DisposalError("closing", [ValueError("a"), OSError("b")])
        assert isinstance(error, DIError) and len(error.exceptions) == 2
        ```
    """

    def __new__(cls, message: str, exceptions: Sequence[Exception]) -> Self:  # noqa: D102
        return super().__new__(cls, message, exceptions)

    def __init__(self, message: str, exceptions: Sequence[Exception]) -> None:
        ExceptionGroup.__init__(self, message, exceptions)
        self._message = message
        self.service_type = None
        self.component = ""
        self.path = ()
        self.hint = None
        self.registered_at = None

    def __str__(self) -> str:
        return ExceptionGroup.__str__(self)

    def derive(self, excs: Sequence[Exception], /) -> DisposalError:  # type: ignore[override]
        """Build a group of the same kind around ``excs`` (used by ``except*``)."""
        return DisposalError(self.message, excs)

    def __reduce__(self) -> tuple[Any, ...]:
        return (DisposalError, (self.message, list(self.exceptions)))
