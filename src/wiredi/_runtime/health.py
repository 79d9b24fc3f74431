"""Health checks: each checked service resolved in a fresh scope, one report.

``run_checks`` (behind ``provider.check_health()``) runs every check on a
daemon thread of its own and waits for each at most ``timeout`` seconds.
``run_checks_async`` (``await provider.check_health_async()``) runs them as
concurrent tasks, each under its own ``asyncio.timeout``; sync resolution
and sync checks go to daemon threads, so nothing blocks the event loop.

A check still running at its timeout is reported unhealthy and left to
finish on its thread, which then closes its scope: the report never waits
for it. Daemon threads rather than ``asyncio.to_thread`` or an executor: an
executor's threads are joined at exit (``asyncio.run`` joins the loop's
default executor, with no limit on Python 3.11), so one hung check would
hang the program's shutdown.

Error texts follow the configuration's secret rule (``looks_secret``): the
value of a ``key=value`` or ``key: value`` pair whose key looks secret, the
password of a ``scheme://user:password@host`` URL, and every value held
under a secret-looking key of a registered ``Configuration`` become ``***``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import inspect
import logging
import re
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal, Protocol, TypeVar

from wiredi._compiler.failure_notes import finish_error
from wiredi._registration.declarations import HealthCheckFn
from wiredi._registration.registration import Kind, Registration
from wiredi._rendering import node_name
from wiredi._runtime.provider_core import ProviderCore
from wiredi.config._configuration import (
    Configuration,
    IConfiguration,
    looks_secret,
    scrubbed,
    secret_values,
)

__all__ = [
    "HealthCheckResult",
    "HealthReport",
    "redact",
    "run_checks",
    "run_checks_async",
]

T = TypeVar("T")
Status = Literal["healthy", "unhealthy"]
_log = logging.getLogger("wiredi")

_REDACTED = "***"
_NEEDS_ASYNC = (
    "an async factory builds it: run the checks with "
    "`await provider.check_health_async()`"
)
# scheme://user:password@host: the password
_URL_PASSWORD = re.compile(
    r"(?P<head>\b[A-Za-z][A-Za-z0-9+.-]*://[^\s:/@]*:)(?P<secret>[^\s@/]+)(?=@)"
)
# the key of key=value, key: value, 'key': 'value', "key"="value"
_KEY = re.compile(r"""(?P<key>["']?[A-Za-z_][\w.-]*["']?)\s*[=:]\s*""")
_VALUE = re.compile(r""""[^"]*"|'[^']*'|[^\s,;&'"()\[\]{}]+""")


@dataclass(frozen=True, slots=True)
class HealthCheckResult:
    """The outcome of one health check, an entry of ``HealthReport.checks``.

    Attributes:
        name: The checked service type, with ``@component`` outside the
            default component (``Database``, ``Cache@sessions``); when a
            type has several checked registrations, ``#1``, ``#2``... in
            registration order.
        status: ``"healthy"`` or ``"unhealthy"``.
        duration: Seconds taken by resolving, checking and closing the scope
            (the timeout for a check that did not finish).
        error: Why it is unhealthy, with secrets replaced by ``***``;
            ``None`` when healthy.

    Example:
        ```python
        from wiredi import ServiceCollection

        class Cache:
            def ping(self) -> bool:
                return False

        services = ServiceCollection()
        services.add_singleton(Cache, health_check=lambda cache: cache.ping())
        result = services.build_service_provider().check_health().checks[0]
        assert (result.name, result.status) == ("Cache", "unhealthy")
        assert result.error == "the check returned False"
        ```
    """

    name: str
    status: Status
    duration: float
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The result as JSON-ready data: ``name``, ``status``, ``duration``, ``error``.

        Example:
            ```python
            from wiredi import HealthCheckResult

            result = HealthCheckResult("Database", "healthy", 0.25)
            assert result.to_dict() == {
                "name": "Database",
                "status": "healthy",
                "duration": 0.25,
                "error": None,
            }
            ```
        """
        return {
            "name": self.name,
            "status": self.status,
            "duration": self.duration,
            "error": self.error,
        }


@dataclass(frozen=True, slots=True)
class HealthReport:
    """What ``provider.check_health()`` found: one result per ``health_check=``.

    Attributes:
        status: ``"healthy"`` when every check is (or there is none),
            ``"unhealthy"`` otherwise.
        checks: One ``HealthCheckResult`` per check, in registration order.
        duration: Seconds the whole report took.

    Example:
        ```python
        import json

        from wiredi import ServiceCollection

        class Database:
            def execute(self, sql: str) -> None: ...

        services = ServiceCollection()
        services.add_singleton(
            Database, health_check=lambda db: db.execute("select 1")
        )
        report = services.build_service_provider().check_health(timeout=2.0)
        assert report.status == "healthy"
        assert json.loads(json.dumps(report.to_dict()))["checks"][0]["name"] == (
            "Database"
        )
        ```
    """

    status: Status
    checks: tuple[HealthCheckResult, ...]
    duration: float

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data: ``status``, ``duration``, ``checks``.

        Example:
            ```python
            from wiredi import HealthCheckResult, HealthReport

            timed_out = "timed out after 0.1 s"
            report = HealthReport(
                "unhealthy",
                (HealthCheckResult("Cache", "unhealthy", 0.1, timed_out),),
                0.1,
            )
            assert report.to_dict()["checks"][0]["error"] == "timed out after 0.1 s"
            ```
        """
        return {
            "status": self.status,
            "duration": self.duration,
            "checks": [check.to_dict() for check in self.checks],
        }


class _CheckScope(Protocol):
    """What a check needs of the scope it resolves in (``wiredi.Scope``)."""

    _core: ProviderCore

    def get_service(self, service_type: Any, /, component: str = "") -> Any: ...
    async def get_service_async(
        self, service_type: Any, /, component: str = ""
    ) -> Any: ...
    def close(self) -> None: ...
    async def aclose(self) -> None: ...


class _Owner(Protocol):
    """What the checks are run from (``ServiceProvider`` or ``Scope``)."""

    _core: ProviderCore

    def _check_open(self) -> None: ...
    def create_scope(self) -> _CheckScope: ...


@dataclass(frozen=True, slots=True)
class _Check:
    """One ``health_check=`` to run: its name, registration and function."""

    name: str
    registration: Registration
    check: HealthCheckFn
    secrets: Callable[[], tuple[str, ...]]  # asked when an error text is made


# ------------------------------------------------------------------ public


def run_checks(owner: _Owner, timeout: float) -> HealthReport:
    """Run every check, each on its own thread; wait for each ``timeout`` seconds."""
    _check_timeout("check_health", timeout)
    owner._check_open()
    started = time.perf_counter()
    running = [
        (check, time.perf_counter(), _in_thread(check.name, _run_sync, owner, check))
        for check in _checks(owner._core)
    ]
    results = []
    for check, began, future in running:
        left = began + timeout - time.perf_counter()
        concurrent.futures.wait([future], timeout=max(left, 0.0))
        if future.done():
            error, duration = future.result()
        else:
            error, duration = _timed_out(timeout), time.perf_counter() - began
        results.append(_result(check, error, duration))
    return _report(results, time.perf_counter() - started)


async def run_checks_async(owner: _Owner, timeout: float) -> HealthReport:  # noqa: ASYNC109 - per check
    """Run every check concurrently, each under its own ``asyncio.timeout``."""
    _check_timeout("check_health_async", timeout)
    owner._check_open()
    started = time.perf_counter()
    results = await asyncio.gather(
        *(_one_async(owner, check, timeout) for check in _checks(owner._core))
    )
    return _report(results, time.perf_counter() - started)


# ---------------------------------------------------------------- planning


def _check_timeout(method: str, timeout: object) -> None:
    if isinstance(timeout, bool) or not isinstance(timeout, int | float):
        raise TypeError(f"{method}(timeout={timeout!r}): the timeout is in seconds")
    if not timeout > 0:
        raise ValueError(f"{method}(timeout={timeout!r}): the timeout must be > 0")


def _checks(core: ProviderCore) -> list[_Check]:
    """The checks to run, named, with the secrets their error texts must hide."""
    registry = core.registry
    registrations = list(registry.health_checks)
    if not registrations:
        return []
    names = [node_name(registration) for registration in registrations]
    counts = Counter(names)
    seen: Counter[str] = Counter()
    for index, name in enumerate(names):
        if counts[name] > 1:
            seen[name] += 1
            names[index] = f"{name}#{seen[name]}"
    secrets = _secrets_of(core)
    return [
        _Check(name, registration, registry.health_checks[registration], secrets)
        for name, registration in zip(names, registrations, strict=True)
    ]


def _secrets_of(core: ProviderCore) -> Callable[[], tuple[str, ...]]:
    """The secret values of registered configuration, longest first.

    Those of a configuration given with ``add_instance`` are known now; one
    made by a factory (``add_singleton_factory(IConfiguration, ...)``) is
    read once built (a check that fails on it has built it), never built
    for this.
    """
    given = _config_secrets(core.registry.registrations)
    made = [
        registration
        for registration in core.registry.registrations
        if registration.kind is not Kind.INSTANCE
        and registration.service_type in (IConfiguration, Configuration)
    ]
    if not made:
        return lambda: given

    def secrets() -> tuple[str, ...]:
        found = set(given)
        for registration in made:
            value = getattr(core.compiler.slots.get(registration), "value", None)
            if isinstance(value, Configuration):
                found |= secret_values(value.to_dict())
        return tuple(sorted(found, key=len, reverse=True))

    return secrets


def _config_secrets(registrations: Iterable[Registration]) -> tuple[str, ...]:
    """Values under secret-looking keys of registered configuration, longest first."""
    found: set[str] = set()
    for registration in registrations:
        value = registration.implementation
        if registration.kind is Kind.INSTANCE and (
            registration.service_type is IConfiguration
            or isinstance(value, Configuration)
        ):
            found |= secret_values(value.to_dict())
    return tuple(sorted(found, key=len, reverse=True))


def _target(core: ProviderCore, registration: Registration) -> Registration | None:
    """The registration to resolve, or ``None`` to resolve by service type.

    By type (as ``get_service`` does, so an override applies) when the
    checked registration is the one ``get_service`` uses or an override
    replaced it; otherwise that very registration (an earlier one of several
    for the same type).
    """
    registry = core.registry
    key = (registration.service_type, registration.component)
    if registry.resolve_one(*key) is registration or registration not in (
        registry.lookup(*key)
    ):
        return None
    return registration


def _awaits(core: ProviderCore, registration: Registration) -> bool:
    """Whether resolving the checked service awaits an async factory."""
    target = _target(core, registration) or core.registry.resolve_one(
        registration.service_type, registration.component
    )
    return target is not None and core.compiler.flags.is_async(target)


# -------------------------------------------------------------- resolving


def _resolve(scope: _CheckScope, registration: Registration) -> Any:
    target = _target(scope._core, registration)
    if target is None:
        return scope.get_service(
            registration.service_type, component=registration.component
        )
    fn = scope._core.compiler.fn(target, is_async=False, ctx=False)
    try:
        return fn(scope)
    except BaseException as exc:
        finish_error(exc)
        raise


async def _resolve_async(scope: _CheckScope, registration: Registration) -> Any:
    target = _target(scope._core, registration)
    if target is None:
        return await scope.get_service_async(
            registration.service_type, component=registration.component
        )
    fn = scope._core.compiler.fn(target, is_async=True, ctx=False)
    try:
        return await fn(scope)
    except BaseException as exc:
        finish_error(exc)
        raise


def _check_scope(owner: _Owner) -> _CheckScope:
    """A fresh scope of ``owner`` that sees its overrides, a scope's own included.

    (``scope.create_scope()`` alone opens a sibling, without them.)
    """
    scope = owner.create_scope()
    scope._core = owner._core
    return scope


# ------------------------------------------------------------------ sync


def _run_sync(owner: _Owner, check: _Check) -> tuple[str | None, float]:
    """Resolve, check, close (on a worker thread): the error text and duration."""
    began = time.perf_counter()
    scope = _check_scope(owner)
    needs_async = False
    failure: Exception | None = None
    result: object = None
    closing: Exception | None = None
    try:
        if _awaits(scope._core, check.registration):
            needs_async = True  # get_service would raise AsyncResolutionError
        else:
            result = check.check(_resolve(scope, check.registration))
            if inspect.isawaitable(result):
                result = asyncio.run(_awaited(result))
    except Exception as exc:
        failure = exc
    finally:
        try:
            scope.close()
        except Exception as exc:
            closing = exc
    if needs_async:
        return _NEEDS_ASYNC, time.perf_counter() - began
    return _verdict(check, result, failure, closing), time.perf_counter() - began


async def _awaited(awaitable: Awaitable[T]) -> T:
    return await awaitable


# ----------------------------------------------------------------- async


async def _one_async(
    owner: _Owner,
    check: _Check,
    timeout: float,  # noqa: ASYNC109 - applied with asyncio.timeout below
) -> HealthCheckResult:
    began = time.perf_counter()
    try:
        async with asyncio.timeout(timeout):
            error = await _run_async(owner, check)
    except TimeoutError:  # _run_async turns the check's own errors into text
        error = _timed_out(timeout)
    return _result(check, error, time.perf_counter() - began)


async def _run_async(owner: _Owner, check: _Check) -> str | None:
    """Resolve and check on the loop, sync parts on a thread; close the scope."""
    scope = _check_scope(owner)
    worker: concurrent.futures.Future[Any] | None = None
    failure: Exception | None = None
    result: object = None
    closing: Exception | None = None
    registration = check.registration
    try:
        if _awaits(scope._core, registration):
            service = await _resolve_async(scope, registration)
        else:
            worker = _in_thread(check.name, _resolve, scope, registration)
            service = await asyncio.wrap_future(worker)
        if inspect.iscoroutinefunction(check.check):
            result = await check.check(service)
        else:
            worker = _in_thread(check.name, check.check, service)
            result = await asyncio.wrap_future(worker)
        if inspect.isawaitable(result):
            result = await result
    except Exception as exc:
        failure = exc
    finally:
        if worker is not None and not worker.done():
            # Timed out while a thread still uses what the scope made: the
            # thread closes the scope when it is done.
            worker.add_done_callback(functools.partial(_close_late, scope, check))
        else:
            try:
                await scope.aclose()
            except Exception as exc:
                closing = exc
    return _verdict(check, result, failure, closing)


def _close_late(scope: _CheckScope, check: _Check, _: object) -> None:
    """Close the scope of a check that finished after its timeout (its thread)."""
    try:
        scope.close()
    except Exception:
        # Nobody waits for this check any more: the log is the only place
        # left to report the failure.
        _log.warning(
            "health check %s finished after its timeout; closing its scope failed",
            check.name,
            exc_info=True,
            extra={"wiredi_service": check.registration.service_type},
        )


# ---------------------------------------------------------------- threads


def _in_thread(
    name: str, call: Callable[..., T], *args: Any
) -> concurrent.futures.Future[T]:
    """Run ``call(*args)`` on a new daemon thread; its outcome is in the future."""
    future: concurrent.futures.Future[T] = concurrent.futures.Future()

    def run() -> None:
        if not future.set_running_or_notify_cancel():
            return  # cancelled before it started: the waiter has given up
        try:
            value = call(*args)
        except BaseException as exc:  # handed to the waiter, as an executor does
            future.set_exception(exc)
        else:
            future.set_result(value)

    thread = threading.Thread(target=run, name=f"wiredi health {name}", daemon=True)
    thread.start()
    return future


# --------------------------------------------------------------- results


def _timed_out(timeout: float) -> str:
    return f"timed out after {timeout:g} s"


def _verdict(
    check: _Check,
    result: object,
    failure: Exception | None,
    closing: Exception | None,
) -> str | None:
    """The error text of a check that ran: ``None`` when it is healthy."""
    if failure is not None:
        text: str | None = _error_text(failure, check.secrets())
    elif result is False:
        text = "the check returned False"
    else:
        text = None
    if closing is not None:
        closed = f"closing its scope failed: {_error_text(closing, check.secrets())}"
        text = closed if text is None else f"{text}; {closed}"
    return text


def _error_text(error: BaseException, secrets: tuple[str, ...]) -> str:
    """``Type: message`` plus the error's notes, without secrets."""
    lines = [str(error), *getattr(error, "__notes__", ())]
    message = redact("\n".join(line for line in lines if line), secrets)
    name = type(error).__name__
    return f"{name}: {message}" if message else name


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    """Hide secrets in ``text``: configured secret values, URL passwords, pairs."""
    text = scrubbed(text, list(secrets))
    text = _URL_PASSWORD.sub(lambda m: m["head"] + _REDACTED, text)
    parts: list[str] = []
    done = 0
    for key in _KEY.finditer(text):
        if key.start() < done or not looks_secret(key["key"].strip("'\"")):
            continue
        value = _VALUE.match(text, key.end())
        if value is not None:
            parts += [text[done : key.end()], _REDACTED]
            done = value.end()
    return "".join([*parts, text[done:]])


def _result(check: _Check, error: str | None, duration: float) -> HealthCheckResult:
    status: Status = "healthy" if error is None else "unhealthy"
    _log.debug(
        "health check %s: %s in %.1f ms",
        check.name,
        status,
        duration * 1000,
        extra={"wiredi_service": check.registration.service_type},
    )
    return HealthCheckResult(check.name, status, duration, error)


def _report(results: list[HealthCheckResult], duration: float) -> HealthReport:
    healthy = all(result.status == "healthy" for result in results)
    return HealthReport("healthy" if healthy else "unhealthy", tuple(results), duration)
