"""Build-time validation: walk every registration's graph, collect every problem."""

from __future__ import annotations

import typing
from typing import Any, TypeVar

from wiredi._graph.cycles import cycle_error
from wiredi._graph.edges import (
    Edge,
    EdgeKind,
    alias_target,
    calls_of,
    edge_for,
    effective_lifetime,
    registration_uses_context,
)
from wiredi._graph.fixes import unresolvable_fix
from wiredi._graph.registry import Registry
from wiredi._registration.declarations import Decoration
from wiredi._registration.hints import DepKind
from wiredi._registration.lifetimes import BUILTIN_LIFETIMES, Lifetime
from wiredi._registration.registration import Kind, Registration
from wiredi._rendering import type_name
from wiredi.config import IConfiguration, bind
from wiredi.errors import (
    ConfigurationError,
    DependencyNode,
    DIError,
    LifetimeError,
    RegistrationError,
    ServiceNotFoundError,
)

__all__ = ["validate_graph"]

# How long each lifetime lives (lower lives longer); transients (None) take
# the rank of whoever holds them. Every custom scope sits in between.
_RANK: dict[str, int | None] = {
    Lifetime.SINGLETON.value: 0,
    Lifetime.SCOPED.value: 2,
    Lifetime.TRANSIENT.value: None,
    "": None,
}
_CUSTOM_RANK = 1
# Enum members bound once (an attribute lookup on the class costs about
# 55 ns on CPython 3.11); these are read for every registration and edge.
_ALIAS, _TYPE, _FACTORY = Kind.ALIAS, Kind.TYPE, Kind.FACTORY
_SERVICE = DepKind.SERVICE
_MISSING, _UNRESOLVABLE = EdgeKind.MISSING, EdgeKind.UNRESOLVABLE
_CONTEXT_EDGE, _GRAPH_EDGE = EdgeKind.CONTEXT, EdgeKind.GRAPH
_TRANSIENT = Lifetime.TRANSIENT.value


def _rank(lifetime: str) -> int | None:
    return _RANK.get(lifetime, _CUSTOM_RANK)


class _Validator:
    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.errors: list[DIError] = []
        self._reported: set[Any] = set()
        # walked: a registration with a lifetime rank is its own owner, so it
        # is walked once (``_done_own``); the others once per owner
        self._done: set[tuple[Registration, Registration | None]] = set()
        self._done_own: set[Registration] = set()
        # Lazy[T] edges followed, as (T, owner). What T needs is walked on a
        # path of its own, so no cycle is ever found through a Lazy; errors
        # show the path that led to the Lazy (``_outer``) in front of it.
        self._lazy_seen: set[tuple[Registration, Registration]] = set()
        self._outer: tuple[Registration, ...] = ()

    def report(self, key: Any, error: DIError) -> None:
        if key not in self._reported:
            self._reported.add(key)
            self.errors.append(error)

    def node(self, reg: Registration) -> DependencyNode:
        return self.registry.node(reg)

    # ---------------------------------------------------------------- walk

    def visit(
        self,
        reg: Registration,
        path: dict[Registration, None],
        owner: Registration | None,
    ) -> None:
        if reg in path:
            self._cycle(reg, path)
            return
        # an alias takes no rank (nor becomes an owner): its source does
        rank = None if reg.kind is _ALIAS else _RANK.get(reg.lifetime, _CUSTOM_RANK)
        if rank is not None:
            if owner is not None:
                # an owner is never an alias, so its lifetime is its own
                owner_rank = _RANK.get(owner.lifetime, _CUSTOM_RANK)
                if owner_rank is not None and rank > owner_rank:
                    self._check_capture(owner, reg, path)
            owner = reg
            if reg in self._done_own:
                return
        elif (reg, owner) in self._done:
            return
        path[reg] = None
        try:
            if reg.kind is _ALIAS:
                self._alias(reg, path, owner)
            else:
                self._calls(reg, path, owner)
        finally:
            del path[reg]
        if rank is not None:
            self._done_own.add(reg)
        else:
            self._done.add((reg, owner))

    def visit_open(self, reg: Registration) -> None:
        """Check the dependencies of an open generic that do not use its type variables.

        What those would capture is the same for every closed form.
        """
        if _rank(effective_lifetime(self.registry, reg)) is None:
            return
        if registration_uses_context(self.registry, reg):
            self._takes_context(reg)
        for dep in self.registry.spec(reg).dependencies:
            if dep.kind is not DepKind.SERVICE or _uses_typevars(dep.service_type):
                continue
            for target in edge_for(self.registry, dep, reg.component).targets:
                self.visit(target, {reg: None}, reg)

    def _alias(
        self,
        reg: Registration,
        path: dict[Registration, None],
        owner: Registration | None,
    ) -> None:
        target = alias_target(self.registry, reg)
        if target is None:
            source = reg.implementation
            self.report(
                ("missing-alias", reg),
                ServiceNotFoundError(
                    f"alias {type_name(reg.service_type)} points to "
                    f"{type_name(source)}, which is not registered"
                    + (
                        f" in component {reg.source_component!r}"
                        if reg.source_component
                        else ""
                    ),
                    service_type=source,
                    component=reg.source_component,
                    path=(
                        *self._path(path),
                        DependencyNode(source, None, "", reg.source_component),
                    ),
                    registered_at=reg.registered_at,
                    hint=self.registry.describe_missing(
                        source, reg.source_component, exclude=reg, parameter=False
                    ),
                ),
            )
            return
        self.visit(target, path, owner)

    def _calls(
        self,
        reg: Registration,
        path: dict[Registration, None],
        owner: Registration | None,
    ) -> None:
        """Walk what ``reg``'s calls take.

        An undecorated registration's parameters are walked from its spec:
        the common one, a service registered in the registration's own
        component, is followed as ``edge_for`` would make it (a ``ONE`` edge
        to the last registration) without making the ``Edge``; any other
        gets its ``Edge``. The compiler makes the edges (``calls_of``) when
        it first needs them. This is ``edges.plain_targets``' rule, applied
        per parameter and inline: walking through ``plain_targets`` (which
        keeps a tuple per registration) made a build of 200 8% slower.
        """
        owner_rank = None if owner is None else _RANK.get(owner.lifetime, _CUSTOM_RANK)
        registry = self.registry
        decorations = registry.decorations
        component = reg.component
        if decorations and (reg.service_type, component) in decorations:
            for call in calls_of(registry, reg):
                for edge in call.edges:
                    self._edge(
                        reg,
                        edge,
                        path,
                        owner,
                        owner_rank,
                        function=call.function,
                        decoration=call.decoration,
                    )
            return
        kind = reg.kind
        if kind is not _TYPE and kind is not _FACTORY:  # instance, context
            return
        by_type = registry.closed_of(component)
        for dep in registry.spec(reg).dependencies:
            if dep.kind is _SERVICE and dep.component is None:
                closed = by_type.get(dep.service_type)
                if closed:
                    self._follow(closed[-1], path, owner, owner_rank)
                    continue
            edge = edge_for(registry, dep, component)
            self._edge(reg, edge, path, owner, owner_rank, function=reg.implementation)

    def _follow(
        self,
        target: Registration,
        path: dict[Registration, None],
        owner: Registration | None,
        owner_rank: int | None,
    ) -> None:
        """Visit ``target``, unless it was walked and only a capture check remains."""
        if target in self._done_own:
            rank = _RANK.get(target.lifetime, _CUSTOM_RANK)
            if owner_rank is None or (rank is not None and rank <= owner_rank):
                return
        self.visit(target, path, owner)

    def _edge(
        self,
        reg: Registration,
        edge: Edge,
        path: dict[Registration, None],
        owner: Registration | None,
        owner_rank: int | None,
        *,
        function: Any,
        decoration: Decoration | None = None,
    ) -> None:
        """Check one parameter's edge of ``function`` and walk its targets."""
        kind = edge.kind
        if kind is _CONTEXT_EDGE or kind is _GRAPH_EDGE:
            self._takes_context(reg)
        elif kind is _MISSING:
            self._missing(
                reg,
                edge.name,
                edge.service_type,
                edge.component,
                path,
                decoration=decoration,
            )
        elif kind is _UNRESOLVABLE:
            self.report(
                ("unresolvable", reg, function, edge.name),
                RegistrationError(
                    f"{type_name(function)} cannot be built: {edge.problem}",
                    service_type=reg.service_type,
                    component=reg.component,
                    path=self._path(path),
                    registered_at=(
                        decoration.registered_at
                        if decoration is not None
                        else reg.registered_at
                    ),
                    hint=(
                        "give the decorator a parameter hinted "
                        f"{type_name(reg.service_type)}: it receives "
                        "the object being wrapped"
                        if decoration is not None and not edge.name
                        else unresolvable_fix(edge.problem)
                    ),
                ),
            )
        for target in edge.targets:
            self._follow(target, path, owner, owner_rank)
        if edge.deferred is not None and owner is not None:
            self._lazy(edge.deferred, path, owner)

    def _lazy(
        self, target: Registration, path: dict[Registration, None], owner: Registration
    ) -> None:
        """Check what ``Lazy[T]`` resolves: from ``owner``'s resolver, later.

        Lifetimes are checked as for a direct dependency (``T`` and the
        transients it takes are built by the owner's resolver), on a path of
        its own: a way back to the owner is no cycle. An owner that is
        transient all the way up resolves ``T`` from whichever scope asks,
        as ``T`` itself would be.
        """
        key = (target, owner)
        if key in self._lazy_seen:
            return
        self._lazy_seen.add(key)
        outer = self._outer
        self._outer = (*outer, *path)
        try:
            self.visit(target, {}, owner)
        finally:
            self._outer = outer

    # -------------------------------------------------------------- checks

    def _path(
        self, path: dict[Registration, None], *extra: Registration
    ) -> tuple[DependencyNode, ...]:
        return tuple(self.node(r) for r in (*self._outer, *path, *extra))

    def _missing(
        self,
        reg: Registration,
        name: str,
        service_type: Any,
        component: str,
        path: dict[Registration, None],
        *,
        decoration: Decoration | None = None,
    ) -> None:
        missing = DependencyNode(service_type, None, "", component)
        where = f" in component {component!r}" if component else ""
        needs = type_name(reg.service_type)
        if decoration is not None:  # the decorator's parameter, not reg's
            needs = f"{type_name(decoration.decorator)} (decorating {needs})"
        self.report(
            ("missing", reg, decoration, name),
            ServiceNotFoundError(
                f"{needs} needs {type_name(service_type)} "
                f"(parameter {name!r}), which is not registered{where}",
                service_type=service_type,
                component=component,
                path=(*self._path(path), missing),
                registered_at=(
                    reg.registered_at
                    if decoration is None
                    else decoration.registered_at
                ),
                hint=self.registry.describe_missing(
                    service_type, component, parameter_name=name, owner=reg
                ),
            ),
        )

    def _cycle(self, reg: Registration, path: dict[Registration, None]) -> None:
        members = list(path)
        cycle = [*members[members.index(reg) :], reg]
        key = ("cycle", frozenset(cycle))
        self.report(key, cycle_error(reg, tuple(self.node(r) for r in cycle)))

    def _takes_context(self, reg: Registration) -> None:
        """Report ``reg`` taking DependencyContext or CurrentGraph unless transient."""
        life = reg.lifetime
        if life == _TRANSIENT:
            return
        self.report(
            ("context", reg),
            LifetimeError(
                f"{type_name(reg.service_type)} takes DependencyContext or "
                f"CurrentGraph but is registered as {life}",
                service_type=reg.service_type,
                component=reg.component,
                path=(self.node(reg),),
                registered_at=reg.registered_at,
                hint="register it as transient: a "
                f"{life} instance is built once, so it would keep the "
                "context of the first graph that asked for it forever",
            ),
        )

    def _check_capture(
        self, owner: Registration, reg: Registration, path: dict[Registration, None]
    ) -> None:
        owner_life = effective_lifetime(self.registry, owner)
        life = effective_lifetime(self.registry, reg)
        owner_rank, rank = _rank(owner_life), _rank(life)
        if owner_rank is None or rank is None or rank <= owner_rank:
            return
        members = [*self._outer, *path]
        start = members.index(owner) if owner in members else 0
        nodes = tuple(self.node(r) for r in (*members[start:], reg))
        owner_name, name = type_name(owner.service_type), type_name(reg.service_type)
        hint = (
            f"make {owner_name} {life} or shorter-lived, make {name} "
            f"live at least as long as {owner_life}, or take the resolver "
            f"and resolve {name} inside a scope when it is needed"
        )
        if reg.kind is Kind.CONTEXT:
            hint = (
                f"{name} is a context value, given to each scope "
                f"(add_context): make {owner_name} scoped or transient"
            )
        self.report(
            ("capture", owner, reg),
            LifetimeError(
                f"{owner_name} ({owner_life}) would capture {name} ({life}): "
                f"the {owner_life} would keep one {name} beyond its {life} lifetime",
                service_type=reg.service_type,
                component=reg.component,
                path=nodes,
                registered_at=owner.registered_at,
                hint=hint,
            ),
        )

    def registration_checks(self) -> None:
        managers = self.registry.scope_managers
        for reg in self.registry.registrations:
            life = reg.lifetime
            if life and life not in BUILTIN_LIFETIMES and life not in managers:
                known = ", ".join(sorted(managers)) or "none registered"
                self.report(
                    ("scope", reg),
                    RegistrationError(
                        f"{type_name(reg.service_type)} has lifetime {life!r}, but "
                        f"no scope manager is registered under that name "
                        f"(scope managers: {known})",
                        service_type=reg.service_type,
                        component=reg.component,
                        path=(self.node(reg),),
                        registered_at=reg.registered_at,
                        hint=f"add services.add_scope_manager({life!r}, "
                        "ContextScopeManager()), or fix the lifetime name",
                    ),
                )
        for (service_type, component), decorations in self.registry.decorations.items():
            found = self.registry.resolve_one(service_type, component)
            if found is not None and found.kind is Kind.CONTEXT:
                for decoration in decorations:
                    self.report(
                        ("decorate", decoration),
                        RegistrationError(
                            f"decorate({type_name(service_type)}, "
                            f"{type_name(decoration.decorator)}): "
                            f"{type_name(service_type)} is a context value "
                            "(add_context); it is given to each scope, not "
                            "built, so there is nothing to wrap",
                            service_type=service_type,
                            component=component,
                            registered_at=decoration.registered_at,
                            hint="decorate a service that takes "
                            f"{type_name(service_type)} instead",
                        ),
                    )
            decorated = self.registry.lookup(service_type, component)
            alias = next((reg for reg in decorated if reg.kind is _ALIAS), None)
            if alias is not None:
                for decoration in decorations:
                    self._decorated_alias(alias, decoration)
            if not decorated:
                for decoration in decorations:
                    self.report(
                        ("decorate", decoration),
                        RegistrationError(
                            f"decorate({type_name(service_type)}, "
                            f"{type_name(decoration.decorator)}): "
                            f"{type_name(service_type)} has no registration to wrap",
                            service_type=service_type,
                            component=component,
                            registered_at=decoration.registered_at,
                            hint=f"register {type_name(service_type)} too, or "
                            "remove the decorate() call",
                        ),
                    )

    def _decorated_alias(self, alias: Registration, decoration: Decoration) -> None:
        name = type_name(alias.service_type)
        source = type_name(alias.implementation)
        self.report(
            ("decorate", decoration),
            RegistrationError(
                f"decorate({name}, {type_name(decoration.decorator)}): {name} is "
                f"an alias of {source} (add_alias), which resolves to the very "
                f"object {source} resolves to; a decorator would make it another "
                "object",
                service_type=alias.service_type,
                component=alias.component,
                registered_at=decoration.registered_at,
                hint=f"decorate({source}, ...) to wrap the object for both "
                f"names, or register {name} as a service of its own instead of "
                "an alias",
            ),
        )

    def options_checks(self) -> None:
        if not self.registry.options:
            return

        config_reg = self.registry.resolve_one(IConfiguration, "")
        if config_reg is None or config_reg.kind is not Kind.INSTANCE:
            return
        config = config_reg.implementation
        for binding in self.registry.options:
            try:
                bind(config, binding.options_type, section=binding.section)
            except ConfigurationError as error:
                error.registered_at = binding.registered_at
                self.report(("options", binding), error)


def validate_graph(registry: Registry) -> list[DIError]:
    """Every problem in the registrations' graphs, each with its path and a fix."""
    validator = _Validator(registry)
    validator.registration_checks()
    path: dict[Registration, None] = {}  # empty again after each walk
    open_generics = registry.open_generics
    for reg in registry.registrations:
        try:
            if reg in open_generics:
                validator.visit_open(reg)
            else:
                validator.visit(reg, path, None)
        except RecursionError:
            validator.errors.append(_too_deep(reg))
            break
    validator.options_checks()
    if validator.errors:
        _from_the_outermost(registry, validator.errors)
    return validator.errors


def _from_the_outermost(registry: Registry, errors: list[DIError]) -> None:
    """Lengthen each missing/unresolvable path to start at a service nothing needs.

    The walk reports a problem once, on the path of the first registration
    that reached it, which depends on registration order (``Pool -> int``
    when ``Pool`` comes before ``NeedsPool``). Here, on the failing build
    only, each such path gets the way from an outermost service in front
    (``NeedsPool -> Pool -> int``), whatever the order. Cycle and capture
    paths are the cycle and the capture, and stay as they are.
    """
    parents: dict[Registration, list[Registration]] = {}
    for reg in registry.registrations:
        if reg.kind is _ALIAS:
            target = alias_target(registry, reg)
            targets: list[Registration] = [] if target is None else [target]
        elif reg in registry.open_generics:
            continue
        else:
            targets = []
            for call in calls_of(registry, reg):
                for edge in call.edges:
                    targets.extend(edge.targets)
                    if edge.deferred is not None:  # Lazy[T]
                        targets.append(edge.deferred)
        for target in dict.fromkeys(targets):
            if target is not reg:
                parents.setdefault(target, []).append(reg)
    by_node = {registry.node(reg): reg for reg in registry.registrations}
    for error in errors:
        if not isinstance(error, ServiceNotFoundError | RegistrationError):
            continue
        path = error.path
        first = by_node.get(path[0]) if path else None
        seen = {registration for node in path if (registration := by_node.get(node))}
        prefix: list[DependencyNode] = []
        while first is not None:
            parent = next((p for p in parents.get(first, ()) if p not in seen), None)
            if parent is not None:
                seen.add(parent)
                prefix.append(registry.node(parent))
            first = parent
        if prefix:
            error.path = (*reversed(prefix), *path)


def _too_deep(reg: Registration) -> RegistrationError:
    return RegistrationError(
        f"the dependency graph of {type_name(reg.service_type)} is too deep to "
        "validate within Python's recursion limit",
        service_type=reg.service_type,
        component=reg.component,
        registered_at=reg.registered_at,
        hint="build with validate=False (deep chains still resolve, and a cycle "
        "is still reported when resolved), or raise sys.setrecursionlimit()",
    )


def _uses_typevars(hint: Any) -> bool:
    if isinstance(hint, TypeVar):
        return True
    return any(_uses_typevars(arg) for arg in typing.get_args(hint))
