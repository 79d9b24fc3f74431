"""The frozen registry a provider is built from: lookups, open generics, specs."""

from __future__ import annotations

import threading
import types
import typing
from collections import ChainMap
from collections.abc import Mapping, MutableMapping, Sequence
from typing import Any

from wiredi._graph.bounds import unmet_bound
from wiredi._graph.fixes import collection_item, register_fix, unmet_bound_fix
from wiredi._graph.generic_bases import (
    Unfit,
    UnmatchedForm,
    implementation_typevars,
    service_form,
)
from wiredi._registration.checks import context_check
from wiredi._registration.declarations import (
    Declarations,
    Decoration,
    HealthCheckFn,
    OptionsBinding,
)
from wiredi._registration.hints import CallableSpec, read_callable
from wiredi._registration.registration import Kind, Registration
from wiredi._registration.scope_manager import ScopeManager
from wiredi._registration.spec_cache import cached_spec
from wiredi._rendering import type_name
from wiredi.config import IConfiguration, Options
from wiredi.errors import DependencyNode, RegistrationError

__all__ = ["Registry"]

Key = tuple[Any, str]
_NONE: dict[Any, list[Registration]] = {}  # never filled
_FACTORY = Kind.FACTORY  # bound once: an enum member read costs ~55 ns on 3.11


class Registry:
    """Registrations indexed by ``(service_type, component)``, read-only after build.

    Hints are read once per registration (``spec``) and open generics are
    closed once per argument tuple (``lookup``), both cached under a lock.
    """

    def __init__(
        self,
        registrations: Sequence[Registration],
        decorations: Sequence[Decoration],
        scope_managers: dict[str, ScopeManager],
        options: Sequence[OptionsBinding],
        source: Declarations | None = None,
        *,
        health_checks: Mapping[Registration, HealthCheckFn] | None = None,
    ) -> None:
        self.registrations = tuple(registrations)
        # the collection's live records, read only to explain a missing
        # service that was registered after this registry was built
        self.source = source
        self._built_order = source.order if source is not None else 0
        self.scope_managers = dict(scope_managers)
        self.options = tuple(options)
        # registration -> health_check=, in registration order; an override
        # layer keeps its base's (the check then runs on the override)
        self.health_checks = dict(health_checks or {})
        # component -> service type -> registrations (no key tuple to build
        # for each lookup); open generics by (origin, component)
        self._closed: dict[str, dict[Any, list[Registration]]] = {}
        self._open: dict[Key, list[Registration]] = {}
        self.open_generics: set[Registration] = set()
        # add_context types: what create_scope(context=...) may give, and
        # where: (class a value must be an instance of, registrations to fill)
        self.context_values: dict[Any, tuple[type | None, tuple[Registration, ...]]]
        self.context_values = {}
        context = Kind.CONTEXT
        for registration in self.registrations:  # one loop: runs at every build
            service_type, component = registration.service_type, registration.component
            if registration.is_open_generic:
                key = (service_type, component)
                self._open.setdefault(key, []).append(registration)
                self.open_generics.add(registration)
                continue
            by_type = self._closed.get(component)
            if by_type is None:
                by_type = self._closed[component] = {}
            same = by_type.get(service_type)
            if same is None:
                by_type[service_type] = [registration]
            else:
                same.append(registration)
            if registration.kind is context:
                check, regs = self.context_values.get(
                    registration.service_type,
                    (context_check(registration.service_type), ()),
                )
                self.context_values[registration.service_type] = (
                    check,
                    (*regs, registration),
                )
        self.decorations: dict[Key, list[Decoration]] = {}
        for decoration in decorations:
            key = (decoration.service_type, decoration.component)
            self.decorations.setdefault(key, []).append(decoration)
        self._lock = threading.RLock()
        self._specs: MutableMapping[Any, CallableSpec] = {}
        self._generic_cache: MutableMapping[tuple[Registration, Any], Registration] = {}
        # (open registration, arguments) it does not apply to, and why
        self._unmet: MutableMapping[tuple[Registration, Any], Unfit] = {}
        self._typevars: MutableMapping[Registration, dict[Any, Any]] = {}
        self._nodes: MutableMapping[Registration, DependencyNode] = {}
        # calls_of() results, filled by wiredi._graph.edges (edges depend only on
        # this registry, so each registration's are computed once)
        self.calls_cache: dict[Registration, Any] = {}
        # plain_targets() results, filled by wiredi._graph.edges likewise
        self.targets_cache: dict[Registration, Any] = {}

    def overlay(self, registration: Registration) -> Registry:
        """A registry where ``registration`` replaces its service type's registrations.

        Hint specs and nodes computed here are read by the layer; what the
        layer computes stays in the layer (so an override leaves nothing
        behind when it ends).
        """
        key = (registration.service_type, registration.component)
        kept = [r for r in self.registrations if (r.service_type, r.component) != key]
        decorations = [
            d for (k, items) in self.decorations.items() if k != key for d in items
        ]
        layer = Registry(
            [*kept, registration],
            decorations,
            self.scope_managers,
            self.options,
            health_checks=self.health_checks,
        )
        layer.source, layer._built_order = self.source, self._built_order
        layer._specs = ChainMap({}, self._specs)
        layer._nodes = ChainMap({}, self._nodes)
        layer._generic_cache = ChainMap({}, self._generic_cache)
        layer._unmet = ChainMap({}, self._unmet)
        layer._typevars = ChainMap({}, self._typevars)
        layer._lock = self._lock
        # what scopes may be given does not change under an override
        layer.context_values = self.context_values
        return layer

    # ---------------------------------------------------------------- lookup

    def lookup(self, service_type: Any, component: str) -> list[Registration]:
        """Every registration answering ``service_type`` in ``component``, in order.

        An open registration answers only if the arguments fit its
        implementation's type variables (their bounds and constraints).
        """
        closed = self._closed.get(component, _NONE).get(service_type, ())
        origin = typing.get_origin(service_type)
        if origin is None or not self._open:
            return list(closed)
        open_regs = self._open.get((origin, component), [])
        if not open_regs:
            return list(closed)
        args = typing.get_args(service_type)
        if _nesting(service_type) > _MAX_GENERIC_NESTING:
            raise _endless_generic(open_regs[0], service_type)
        closed_generics = [
            found
            for reg in open_regs
            if (found := self._close(reg, service_type, args)) is not None
        ]
        return sorted([*closed, *closed_generics], key=lambda r: r.order)

    def unmet_bounds(
        self, service_type: Any, component: str
    ) -> list[tuple[Registration, Unfit]]:
        """Open registrations of ``service_type``'s origin its arguments do not fit.

        Each comes with the type variable whose bound or constraints an
        argument breaks. Asked to explain a missing service.
        """
        origin = typing.get_origin(service_type)
        args = typing.get_args(service_type)
        return [
            (reg, self._unmet[reg, args])
            for reg in self._open.get((origin, component), ())
            if self._close(reg, service_type, args) is None
        ]

    def closed_of(self, component: str) -> dict[Any, list[Registration]]:
        """``{type: its registrations}`` of ``component``, no open generics.

        The last of a list is what :meth:`resolve_one` answers for that type:
        walks over many parameters read it once per registration.
        """
        return self._closed.get(component, _NONE)

    def resolve_one(self, service_type: Any, component: str) -> Registration | None:
        """The registration a single resolve uses: last closed, else last open."""
        by_type = self._closed.get(component)
        closed = by_type.get(service_type) if by_type is not None else None
        if closed:
            return closed[-1]
        regs = self.lookup(service_type, component)
        return regs[-1] if regs else None

    def added_after_build(self, service_type: Any, component: str) -> str | None:
        """Where ``service_type`` was registered after this registry was built.

        ``file.py:LINE`` of the newest such ``add*`` (or ``configure``) call
        in the collection, or ``None``. Only asked when a service is missing.
        """
        source = self.source
        if source is None:
            return None
        origin = typing.get_origin(service_type)
        for reg in reversed(source.registrations):
            if (
                reg.order > self._built_order
                and reg.component == component
                and (
                    reg.service_type == service_type
                    or (
                        reg.is_open_generic
                        and reg.service_type == origin
                        and _applies(reg, typing.get_args(service_type))
                    )
                )
            ):
                return reg.registered_at
        for binding in reversed(source.options):
            if (
                binding.component == component
                and origin is Options
                and typing.get_args(service_type) == (binding.options_type,)
                and all(known is not binding for known in self.options)
            ):
                return binding.registered_at
        return None

    def components_with(
        self, service_type: Any, *, exclude: Registration | None = None
    ) -> list[str]:
        """Components where ``service_type`` is registered (``exclude`` aside)."""
        found = {
            c
            for c, by_type in self._closed.items()
            for t, regs in by_type.items()
            if t == service_type and any(r is not exclude for r in regs)
        }
        origin = typing.get_origin(service_type)
        if origin is not None:
            args = typing.get_args(service_type)
            found |= {
                c
                for (t, c), regs in self._open.items()
                if t == origin
                and any(self._close(r, service_type, args) is not None for r in regs)
            }
        return sorted(found)

    def _close(
        self, reg: Registration, service_type: Any, args: tuple[Any, ...]
    ) -> Registration | None:
        """``reg`` closed for ``args``, or ``None`` if they break its bounds."""
        cache_key = (reg, args)
        found = self._generic_cache.get(cache_key)
        if found is not None:
            return found
        if cache_key in self._unmet:
            return None
        with self._lock:
            found = self._generic_cache.get(cache_key)
            if found is not None or cache_key in self._unmet:
                return found
            typevars = _typevars(reg, args)
            if typevars is None:
                form = service_form(reg.implementation, reg.service_type)
                self._unmet[cache_key] = UnmatchedForm(form, service_type)
                return None
            unmet = unmet_bound(typevars)
            if unmet is not None:
                self._unmet[cache_key] = unmet
                return None
            implementation = reg.implementation
            impl_params = getattr(implementation, "__parameters__", ())
            closed_impl = implementation
            if impl_params and all(p in typevars for p in impl_params):
                closed_impl = implementation[tuple(typevars[p] for p in impl_params)]
            closed = Registration(
                service_type=service_type,
                kind=Kind.TYPE,
                implementation=closed_impl,
                lifetime=reg.lifetime,
                component=reg.component,
                registered_at=reg.registered_at,
                order=reg.order,
            )
            self._typevars[closed] = typevars
            self._generic_cache[cache_key] = closed
            return closed

    # ----------------------------------------------------------------- specs

    def spec(self, registration: Registration) -> CallableSpec:
        """The dependencies of a type or factory registration, read once."""
        found = self._specs.get(registration)
        if found is not None:
            return found
        typevars = self._typevars.get(registration)
        is_factory = registration.kind is _FACTORY
        if typevars is None:
            # read by an earlier build and unchanged (read_callable's first
            # look): nothing is read, so no lock is taken (an RLock's with
            # costs about as much as the look); setdefault keeps one spec
            # per registration
            found = cached_spec(
                registration.implementation, is_factory=is_factory, is_decorator=False
            )
            if found is not None:
                return self._specs.setdefault(registration, found)
        with self._lock:
            found = self._specs.get(registration)
            if found is None:
                found = read_callable(
                    registration.implementation,
                    is_factory=is_factory,
                    typevars=typevars,
                )
                found = self._specs.setdefault(registration, found)
            return found

    def decorator_spec(self, decoration: Decoration) -> CallableSpec:
        """The dependencies of a decorator, read once."""
        found = self._specs.get(decoration)
        if found is None:
            with self._lock:
                found = read_callable(
                    decoration.decorator, is_factory=False, is_decorator=True
                )
                self._specs[decoration] = found
        return found

    def node(self, registration: Registration) -> DependencyNode:
        """The ``DependencyNode`` describing ``registration`` in paths."""
        found = self._nodes.get(registration)
        if found is None:
            implementation = registration.implementation
            if registration.kind is Kind.INSTANCE:
                implementation = type(implementation)
            found = DependencyNode(
                registration.service_type,
                implementation,
                registration.lifetime or "alias",
                registration.component,
                registration.registered_at,
            )
            self._nodes[registration] = found
        return found

    def describe_missing(
        self,
        service_type: Any,
        component: str,
        *,
        exclude: Registration | None = None,
        parameter: bool = True,
        parameter_name: str = "",
        owner: Registration | None = None,
    ) -> str:
        """A fix for a missing ``service_type``, naming components that have it.

        ``parameter`` says the type was asked for by a parameter
        (``parameter_name``, of ``owner``'s constructor or factory), which
        could also take a default instead.
        """
        others = [
            c
            for c in self.components_with(service_type, exclude=exclude)
            if c != component
        ]
        name = type_name(service_type)
        if others:
            names = ", ".join(repr(c) for c in others)
            target = others[0]
            where = (
                f"Annotated[{name}, FromComponent({target!r})]"
                if parameter
                else f"get_service({name}, component={target!r})"
            )
            return (
                f"{name} is registered in component(s) {names}; take it from "
                f"there with {where}, or register it in component {component!r}"
            )
        in_component = f", component={component!r}" if component else ""
        unmet = self.unmet_bounds(service_type, component)
        if unmet:
            return unmet_bound_fix(service_type, unmet, in_component)
        top_level = None if parameter else _top_level_fix(service_type, in_component)
        if top_level is not None:
            return top_level
        item = collection_item(service_type)
        return register_fix(
            service_type,
            in_component,
            parameter=parameter,
            name=parameter_name,
            owner=owner,
            has_configuration=self.resolve_one(IConfiguration, "") is not None,
            item_registered=item is not None
            and self.resolve_one(item, component) is not None,
        )


def _typevars(reg: Registration, args: tuple[Any, ...]) -> dict[Any, Any] | None:
    """``{type variable of the implementation: argument}`` for ``reg`` and ``args``.

    ``None`` when the implementation's base gives the service a form that
    ``args`` do not have (see ``generic_bases``).
    """
    implementation = reg.implementation
    typevars = implementation_typevars(implementation, reg.service_type, args)
    if typevars is None:
        return None
    impl_params = getattr(implementation, "__parameters__", ())
    if not typevars and len(impl_params) == len(args):
        typevars = dict(zip(impl_params, args, strict=True))
    return typevars


def _applies(reg: Registration, args: tuple[Any, ...]) -> bool:
    """Whether the open registration ``reg`` answers its service for ``args``."""
    typevars = _typevars(reg, args)
    return typevars is not None and unmet_bound(typevars) is None


def _top_level_fix(service_type: Any, in_component: str) -> str | None:
    """For ``get_service(A | B)``: the calls to make."""
    origin = typing.get_origin(service_type)
    args = typing.get_args(service_type)
    if origin in (typing.Union, types.UnionType):
        calls = " or ".join(
            f"get_service({type_name(arg)}{in_component})"
            for arg in args
            if arg is not type(None)
        )
        return f"a union of several types is not one service; ask for one: {calls}"
    return None


# A closed generic nested deeper than this comes from an open generic whose
# constructor needs a bigger form of itself (Node[T] needing Node[list[T]]).
_MAX_GENERIC_NESTING = 16


def _nesting(hint: Any) -> int:
    args = typing.get_args(hint)
    return 1 + max((_nesting(arg) for arg in args), default=0) if args else 0


def _endless_generic(reg: Registration, service_type: Any) -> RegistrationError:
    return RegistrationError(
        f"open generic {type_name(reg.service_type)} expands without end: "
        f"resolving it needs ever deeper forms such as {type_name(service_type)}",
        service_type=reg.service_type,
        component=reg.component,
        registered_at=reg.registered_at,
        hint="a generic implementation must not need a more deeply nested form "
        "of itself; take a factory or the resolver for that part",
    )
