"""Celery integration: ``setup(celery_app, build_provider)`` and ``@inject`` tasks.

``setup`` gives each worker process its own provider and each task run its
own scope:

- the provider is built by ``build_provider()`` once per process: right
  after the fork in each prefork child (``worker_process_init``), and on
  first use where no fork happens (the ``solo`` and ``threads`` pools, a
  process that calls tasks eagerly). It is closed at
  ``worker_process_shutdown`` (prefork child) or ``worker_shutdown``;
- a task function decorated with ``@inject`` (under ``@celery_app.task``)
  runs inside ``with provider.create_scope() as scope:``; its ``Inject[T]``
  parameters are resolved from that scope and are not task arguments. The
  scope closes when the run ends: on success, and with the run's exception
  (a failure, ``self.retry()``'s ``Retry``) thrown into the scope's
  generator factories, so that a session factory rolls back;
- when the collection declares ``services.add_context(celery.Task)``, the
  running task is given to each scope as that context value.
"""

from __future__ import annotations

import functools
import inspect
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, TypeVar, get_args, get_origin

try:
    from celery import Celery, Task, current_app, current_task, signals
except ImportError as exc:  # pragma: no cover - depends on the environment
    msg = "wiredi.integrations.celery needs Celery: pip install 'wiredi[celery]'"
    raise ImportError(msg, name=exc.name) from exc

from wiredi import FromComponent, Scope, ServiceProvider
from wiredi.errors import RegistrationError, ScopeError

__all__ = ["Inject", "inject", "setup", "worker_provider"]

R = TypeVar("R")
_Injected = tuple[tuple[str, Any, str], ...]
_STATE = "_wiredi"  # where setup() keeps its _WiredCelery on the Celery app


@dataclass(frozen=True, slots=True)
class _InjectMarker:
    """The ``Annotated`` metadata that ``Inject[T]`` adds to ``T``."""


_INJECT = _InjectMarker()


class _WiredCelery:
    """What ``setup`` keeps on a Celery app: how to build, and this process's build."""

    def __init__(self, app: Celery, build: Callable[[], ServiceProvider]) -> None:
        self.app = app
        self.build = build
        self.lock = threading.Lock()
        self.built: tuple[ServiceProvider, bool] | None = None

    def current(self) -> tuple[ServiceProvider, bool]:
        """This process's provider (built on first need); does it take ``Task``?"""
        built = self.built
        if built is None:
            with self.lock:  # two threads of the threads pool: one builds
                built = self.built
                if built is None:
                    built = self.built = self._build()
        return built

    def _build(self) -> tuple[ServiceProvider, bool]:
        provider: object = self.build()
        if not isinstance(provider, ServiceProvider) or isinstance(provider, Scope):
            raise RegistrationError(
                f"the build_provider given to wiredi.integrations.celery.setup "
                f"returned {provider!r}, not a ServiceProvider",
                hint="return services.build_service_provider() from it",
            )
        takes_task = provider._core.registry.resolve_one(Task, "") is not None
        return provider, takes_task

    def on_process_init(self, **_: Any) -> None:
        """A prefork child starts: forget the parent's build, build this process's."""
        # A thread of the parent may have held the lock at the fork.
        self.lock = threading.Lock()
        self.built = None  # if the parent built one, it stays the parent's
        if current_app._get_current_object() is self.app:
            self.current()

    def on_shutdown(self, **_: Any) -> None:
        """The process ends: close the provider it built, if it built one."""
        built, self.built = self.built, None
        if built is not None:
            built[0].close()


def setup(celery_app: Celery, build_provider: Callable[[], ServiceProvider]) -> None:
    """Give each worker process of ``celery_app`` a provider, and each task run a scope.

    Args:
        celery_app: The Celery application.
        build_provider: Called once in each worker process to build its
            provider, e.g. ``services.build_service_provider``. A function,
            not a provider: a provider built before the pool forks would be
            shared by copy between the processes.

    Raises:
        RegistrationError: ``celery_app`` is not a Celery app,
            ``build_provider`` is a provider or not callable, or ``setup``
            was already called for this app.

    Example:
        ```python
        from celery import Celery

        from wiredi import ServiceCollection
        from wiredi.integrations.celery import Inject, inject, setup

        class Mailer:
            def send(self, to: str) -> str:
                return f"sent to {to}"

        app = Celery("shop", broker="memory://")
        app.conf.task_always_eager = True
        setup(app, ServiceCollection().add_scoped(Mailer).build_service_provider)

        @app.task
        @inject
        def notify(to: str, mailer: Inject[Mailer]) -> str:
            return mailer.send(to)

        assert notify.delay("ada@example.com").get() == "sent to ada@example.com"
        ```
    """
    if not isinstance(celery_app, Celery):
        raise RegistrationError(
            f"setup(celery_app, ...) needs a celery.Celery app, got {celery_app!r}",
            hint="pass the Celery() instance your tasks are registered on",
        )
    if not callable(build_provider):  # a ServiceProvider is not callable either
        raise RegistrationError(
            f"setup(celery_app, build_provider): build_provider must be a "
            f"function that builds the provider, got {build_provider!r}",
            hint="pass services.build_service_provider (no call): each worker "
            "process builds its own provider after the fork",
        )
    if getattr(celery_app, _STATE, None) is not None:
        raise RegistrationError(
            "setup(celery_app, ...) was already called for this Celery app",
            hint="call wiredi.integrations.celery.setup once per app",
        )
    wired = _WiredCelery(celery_app, build_provider)
    setattr(celery_app, _STATE, wired)
    # Weak receivers: the app keeps `wired` alive, and nothing keeps the app.
    signals.worker_process_init.connect(wired.on_process_init)
    signals.worker_process_shutdown.connect(wired.on_shutdown)
    signals.worker_shutdown.connect(wired.on_shutdown)


def worker_provider(celery_app: Celery) -> ServiceProvider:
    """The provider of ``celery_app`` in this process, built on first call.

    For code that runs in a worker process outside a task (a signal
    handler, a health probe), and for tests that close it. It is the
    provider ``@inject`` tasks of this process use.

    Raises:
        ScopeError: ``setup`` was not called for ``celery_app``.

    Example:
        ```python
        from celery import Celery

        from wiredi import ServiceCollection
        from wiredi.integrations.celery import setup, worker_provider

        class Clock: ...

        app = Celery("shop", broker="memory://")
        setup(app, ServiceCollection().add_singleton(Clock).build_service_provider)
        provider = worker_provider(app)
        assert provider is worker_provider(app)  # one per process
        assert isinstance(provider.get_service(Clock), Clock)
        ```
    """
    return _wired(celery_app, "worker_provider(celery_app)").current()[0]


def _wired(celery_app: Any, where: str) -> _WiredCelery:
    wired = getattr(celery_app, _STATE, None)
    if isinstance(wired, _WiredCelery):
        return wired
    raise ScopeError(
        f"{where}: wiredi.integrations.celery.setup was not called for the "
        f"Celery app {getattr(celery_app, 'main', None)!r}",
        hint="call setup(celery_app, services.build_service_provider) where the "
        "app is created",
    )


def inject(function: Callable[..., R]) -> Callable[..., R]:
    """Run a task function in a scope of its own, passing its ``Inject[T]`` parameters.

    Put it under ``@celery_app.task``. Each run opens a scope from the
    worker process's provider, resolves the ``Inject[T]`` parameters from it
    as keyword arguments and closes it when the function returns or raises;
    the exception of a failed run (``Retry`` included) is thrown into the
    scope's generator factories before it propagates unchanged to Celery.
    ``Inject`` parameters are not task arguments: the wrapper's signature
    leaves them out, so ``.delay()`` and ``.apply_async()`` accept only the
    others. They must come after every positional parameter of the task
    (or be keyword-only).

    Raises:
        RegistrationError: the function is ``async def`` or already a task
            (``@inject`` over ``@celery_app.task``), its hints cannot be
            evaluated, or an ``Inject`` parameter comes before a positional
            one.

    Example:
        ```python
        from collections.abc import Iterator

        from celery import Celery

        from wiredi import ServiceCollection
        from wiredi.integrations.celery import Inject, inject, setup

        class Session:
            def __init__(self) -> None:
                self.rows: list[int] = []

        committed: list[list[int]] = []

        def session() -> Iterator[Session]:
            s = Session()
            yield s
            committed.append(s.rows)

        app = Celery("shop", broker="memory://")
        app.conf.task_always_eager = True
        services = ServiceCollection().add_scoped_factory(Session, session)
        setup(app, services.build_service_provider)

        @app.task(bind=True)
        @inject
        def save(self, order: int, session: Inject[Session]) -> int:
            session.rows.append(order)
            return order

        assert save.delay(7).get() == 7
        assert committed == [[7]]  # the scope closed with the run
        ```
    """
    if isinstance(function, Task):
        raise RegistrationError(
            f"@inject was put over @celery_app.task on task {function.name}",
            hint="put @inject under @celery_app.task, next to the function",
        )
    if inspect.iscoroutinefunction(function) or inspect.isasyncgenfunction(function):
        raise RegistrationError(
            f"@inject on task {_name(function)}: Celery runs task functions "
            "synchronously, so an async def task would never be awaited",
            hint="make the task a plain def (use asyncio.run inside if needed)",
        )
    signature = inspect.signature(function)
    injected = _injected_parameters(function)
    names = {name for name, _, _ in injected}
    _check_order(function, signature, names)

    @functools.wraps(function)
    def run_in_scope(*args: Any, **kwargs: Any) -> R:
        if names and not names.isdisjoint(kwargs):
            raise TypeError(
                f"{_name(function)}() got the argument(s) "
                f"{sorted(names.intersection(kwargs))}: Inject[...] parameters "
                "are resolved from the task's scope, not passed as task arguments"
            )
        task = _running_task(function)
        provider, takes_task = _wired(task.app, f"task {task.name}").current()
        if takes_task:  # the collection declared add_context(celery.Task)
            scope = provider.create_scope(context={Task: task})
        else:
            scope = provider.create_scope()
        with scope:
            _resolve_into(kwargs, scope, injected)
            return function(*args, **kwargs)

    kept = [p for p in signature.parameters.values() if p.name not in names]
    run_in_scope.__signature__ = signature.replace(parameters=kept)  # type: ignore[attr-defined]
    run_in_scope.__annotations__ = {
        name: hint
        for name, hint in getattr(function, "__annotations__", {}).items()
        if name not in names
    }
    return run_in_scope


def _resolve_into(kwargs: dict[str, Any], scope: Scope, injected: _Injected) -> None:
    for name, service_type, component in injected:
        kwargs[name] = scope.get_service(service_type, component=component)


def _running_task(function: Callable[..., Any]) -> Any:
    task = current_task._get_current_object()
    if task is None:
        raise ScopeError(
            f"{_name(function)}() was called outside a Celery task run, so it "
            "has no task scope",
            hint="call the task (task(...), task.delay(...), task.apply(...)), "
            "not the function it wraps",
        )
    return task


def _name(function: Callable[..., Any]) -> str:
    return getattr(function, "__qualname__", repr(function))


def _injected_parameters(function: Callable[..., Any]) -> _Injected:
    """``(parameter, service type, component)`` of each ``Inject`` parameter."""
    try:
        hints: dict[str, Any] = inspect.get_annotations(function, eval_str=True)
    except Exception as exc:
        raise RegistrationError(
            f"@inject on task {_name(function)}: its type hints cannot be "
            f"evaluated ({exc}), so its Inject[...] parameters cannot be read",
            hint="make every name used in the task's annotations importable "
            "from its module when the task is defined",
        ) from exc
    injected: list[tuple[str, Any, str]] = []
    for parameter, hint in hints.items():
        if parameter == "return" or get_origin(hint) is not Annotated:
            continue
        service_type, *metadata = get_args(hint)
        if _INJECT not in metadata:
            continue
        components = [m.component for m in metadata if isinstance(m, FromComponent)]
        injected.append((parameter, service_type, components[-1] if components else ""))
    return tuple(injected)


def _check_order(
    function: Callable[..., Any], signature: inspect.Signature, names: set[str]
) -> None:
    """Refuse an ``Inject`` parameter that a positional argument would fill."""
    positional = (
        inspect.Parameter.POSITIONAL_ONLY,
        inspect.Parameter.POSITIONAL_OR_KEYWORD,
        inspect.Parameter.VAR_POSITIONAL,
    )
    first_injected = None
    for parameter in signature.parameters.values():
        if parameter.name in names:
            if parameter.kind is inspect.Parameter.POSITIONAL_ONLY:
                first_injected = parameter.name
                break
            first_injected = first_injected or parameter.name
        elif first_injected is not None and parameter.kind in positional:
            break
    else:
        return
    raise RegistrationError(
        f"@inject on task {_name(function)}: Inject parameter "
        f"{first_injected!r} comes before positional task arguments, which "
        "would fill it",
        hint="put Inject[...] parameters after the task's own arguments, or "
        "after a bare * (keyword-only)",
    )


def _inject_annotation(item: Any) -> Any:
    """Build ``Annotated[T, <inject marker>]`` (keeping ``FromComponent``)."""
    return Annotated[item, _INJECT]


if TYPE_CHECKING:
    # A type checker must read Inject[T] as T; at run time it is
    # Annotated[T, marker]. Union of one type is that type (the same trick
    # as the Flask integration's Inject).
    from typing import Union as Inject
else:

    class Inject:
        """``Inject[T]``: a task parameter resolved from the task run's scope.

        ``Inject[T]`` is ``Annotated[T, marker]``; ``@inject`` resolves it
        with ``scope.get_service(T)``. For a component write
        ``Inject[Annotated[T, FromComponent("c")]]``.

        Example:
            ```python
            from typing import Annotated

            from celery import Celery

            from wiredi import FromComponent, ServiceCollection
            from wiredi.integrations.celery import Inject, inject, setup

            class Greeter:
                def __init__(self, greeting: str = "hello") -> None:
                    self.greeting = greeting

            services = ServiceCollection().add_scoped(Greeter)
            services.add_singleton_factory(
                Greeter, lambda: Greeter("bonjour"), component="fr"
            )
            app = Celery("greet", broker="memory://")
            app.conf.task_always_eager = True
            setup(app, services.build_service_provider)

            @app.task
            @inject
            def greet(
                name: str,
                greeter: Inject[Greeter],
                french: Inject[Annotated[Greeter, FromComponent("fr")]],
            ) -> str:
                return f"{greeter.greeting} / {french.greeting} {name}"

            assert greet.delay("ada").get() == "hello / bonjour ada"
            ```
        """

        __slots__ = ()

        def __class_getitem__(cls, item: Any) -> Any:
            return _inject_annotation(item)
