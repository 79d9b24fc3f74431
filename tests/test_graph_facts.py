"""GraphFacts: what a registration's whole graph does, including through aliases."""

from __future__ import annotations

from wiredi import DependencyContext, ServiceCollection
from wiredi._graph.facts import GraphFacts
from wiredi._graph.registry import Registry
from wiredi._registration.registration import Registration


class Sender:
    pass


class Mailer:
    def __init__(self, sender: Sender) -> None:
        self.sender = sender


class Source:
    pass


class Aware:
    def __init__(self, context: DependencyContext) -> None:
        self.context = context


async def make_source() -> Source:
    return Source()


def _facts(
    services: ServiceCollection, overridden: frozenset[Registration] = frozenset()
) -> tuple[GraphFacts, dict[type, Registration]]:
    registrations = services.registrations
    registry = Registry(registrations, (), {}, ())
    return GraphFacts(registry, overridden), {r.service_type: r for r in registrations}


class TestGraphFacts:
    def test_an_alias_of_an_async_factory_is_async_and_so_is_its_consumer(self) -> None:
        """is_async follows an alias to its source, and up to who takes the alias."""
        services = ServiceCollection()
        services.add_singleton_factory(Source, make_source)
        services.add_alias(Sender, Source)
        services.add_transient(Mailer)
        facts, regs = _facts(services)
        assert facts.is_async(regs[Sender])
        assert facts.is_async(regs[Mailer])
        assert facts.async_path(regs[Mailer]) == [
            regs[Mailer],
            regs[Sender],
            regs[Source],
        ]

    def test_an_alias_of_a_context_aware_service_needs_the_graph(self) -> None:
        """needs_graph follows an alias to a service taking DependencyContext."""
        services = ServiceCollection()
        services.add_transient(Aware)
        services.add_alias(Sender, Aware)
        services.add_transient(Mailer)
        facts, regs = _facts(services)
        assert facts.needs_graph(regs[Sender])
        assert facts.needs_graph(regs[Mailer])

    def test_an_alias_whose_source_is_missing_awaits_nothing(self) -> None:
        """A missing source is neither async nor context-aware (validation reports it)."""
        services = ServiceCollection()
        services.add_alias(Sender, Source)
        services.add_transient(Mailer)
        facts, regs = _facts(services)
        assert not facts.is_async(regs[Mailer])
        assert not facts.needs_graph(regs[Mailer])
        assert list(facts.targets(regs[Sender])) == []

    def test_a_service_reaching_an_override_through_an_alias_is_affected(self) -> None:
        """affected() goes through the alias to the overridden source."""
        services = ServiceCollection()
        services.add_singleton(Source)
        services.add_alias(Sender, Source)
        services.add_transient(Mailer)
        _, regs = _facts(services)
        facts, _ = _facts(services, frozenset({regs[Source]}))
        assert facts.affected(regs[Mailer])
        assert list(facts.targets(regs[Sender])) == [regs[Source]]
