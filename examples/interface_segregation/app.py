"""Interface segregation: one SMTP connection behind two protocols.

The scenario: code that sends one message depends on ``MessageSender``; code
that sends many depends on ``BatchSender``. Both are small Protocols, so each
consumer states only what it uses. One class, ``SmtpSender``, implements both,
and it opens an SMTP connection when it is created.

``SmtpSender`` is transient (a connection is not shared between requests), so
a naive wiring opens two connections for a client that needs both
protocols. What we want is *one per graph*: within one ``get_service`` call,
every ``MessageSender`` and ``BatchSender`` is the same ``SmtpSender``, while
two calls give two. That is what ``use_from_current_graph`` does:

    services.add_transient(MessageSender, SmtpSender)
    services.add_transient_factory(BatchSender, use_from_current_graph(SmtpSender))

The factory returns the ``SmtpSender`` the current graph already created, or
creates it through the ``MessageSender`` registration and records it, so the
later ``MessageSender`` gets the same object. Hence it holds whichever
parameter comes first, and wherever the two needs sit in the graph:

    NotificationService(sender, batch_sender)      both direct, sender first
    DigestService(batch_sender, sender)            both direct, batch first
    Newsletter(batch_sender, alerts)               alerts.sender one level down
    Campaign(alerts, batch_sender)                 the deep one resolved first
    Workflow(alerts, reports)                      both one level down, siblings

Without it, registering ``BatchSender`` as its own ``SmtpSender`` -- or as an
alias of ``MessageSender``, which resolves that transient registration
again -- opens a second connection, as the end of the run shows.

Run it from anywhere:

    python examples/interface_segregation/app.py
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import ClassVar, Protocol

from wiredi import ServiceCollection, ServiceProvider
from wiredi.factories import use_from_current_graph

# --------------------------------------------------------------- contracts


class MessageSender(Protocol):
    def send(self, to: str, text: str) -> None: ...


class BatchSender(Protocol):
    def send_batch(self, messages: Iterable[tuple[str, str]]) -> int: ...


# ---------------------------------------------------------- implementation


class SmtpSender:
    """Implements both protocols over one (simulated) SMTP connection."""

    _connections: ClassVar[itertools.count[int]] = itertools.count(1)

    def __init__(self) -> None:
        self.connection = next(self._connections)
        self.outbox: list[tuple[str, str]] = []

    def __repr__(self) -> str:
        return f"SMTP connection #{self.connection}"

    def send(self, to: str, text: str) -> None:
        self.outbox.append((to, text))

    def send_batch(self, messages: Iterable[tuple[str, str]]) -> int:
        before = len(self.outbox)
        for to, text in messages:
            self.send(to, text)
        return len(self.outbox) - before


# --------------------------------------------------------------- consumers


class NotificationService:
    def __init__(self, sender: MessageSender, batch_sender: BatchSender) -> None:
        self.sender = sender
        self.batch_sender = batch_sender

    def notify(self, users: list[str]) -> None:
        self.sender.send("ops@example.com", f"notifying {len(users)} users")
        self.batch_sender.send_batch((user, "hello") for user in users)


class DigestService:
    def __init__(self, batch_sender: BatchSender, sender: MessageSender) -> None:
        self.batch_sender = batch_sender
        self.sender = sender


class AlertService:
    def __init__(self, sender: MessageSender) -> None:
        self.sender = sender


class ReportMailer:
    def __init__(self, batch_sender: BatchSender) -> None:
        self.batch_sender = batch_sender


class Newsletter:
    def __init__(self, batch_sender: BatchSender, alerts: AlertService) -> None:
        self.batch_sender = batch_sender
        self.alerts = alerts

    @property
    def sender(self) -> MessageSender:
        return self.alerts.sender


class Campaign:
    def __init__(self, alerts: AlertService, batch_sender: BatchSender) -> None:
        self.alerts = alerts
        self.batch_sender = batch_sender

    @property
    def sender(self) -> MessageSender:
        return self.alerts.sender


class Workflow:
    def __init__(self, alerts: AlertService, reports: ReportMailer) -> None:
        self.alerts = alerts
        self.reports = reports

    @property
    def sender(self) -> MessageSender:
        return self.alerts.sender

    @property
    def batch_sender(self) -> BatchSender:
        return self.reports.batch_sender


CLIENTS: list[tuple[type, str]] = [
    (NotificationService, "(sender, batch_sender)"),
    (DigestService, "(batch_sender, sender)"),
    (Newsletter, "(batch_sender, alerts.sender)"),
    (Campaign, "(alerts.sender, batch_sender)"),
    (Workflow, "(alerts.sender, reports.batch_sender)"),
]


def add_consumers(services: ServiceCollection) -> ServiceCollection:
    for client, _ in CLIENTS:
        services.add_transient(client)
    services.add_transient(AlertService)
    services.add_transient(ReportMailer)
    return services


def build_services() -> ServiceCollection:
    services = ServiceCollection()
    services.add_transient(MessageSender, SmtpSender)
    # The SmtpSender of the current graph: created once per get_service call.
    services.add_transient_factory(BatchSender, use_from_current_graph(SmtpSender))
    return add_consumers(services)


def show_one_sender_per_graph(provider: ServiceProvider) -> None:
    """Every client shares one sender within its graph; two graphs, two senders."""
    print("one graph, one connection, wherever the two needs sit:")
    for client_type, shape in CLIENTS:
        client = provider.get_service(client_type)
        same = client.sender is client.batch_sender
        graph = client_type.__name__ + shape
        print(f"  {graph:<48} {client.sender!r:<21} same object: {same}")
        assert same, client_type
        assert isinstance(client.sender, SmtpSender)

    notifications = provider.get_service(NotificationService)
    notifications.notify(["ada@example.com", "linus@example.com"])
    sender = notifications.sender
    assert isinstance(sender, SmtpSender)
    print(f"\nnotify() sent {len(sender.outbox)} messages over {sender!r}")
    assert len(sender.outbox) == 3

    first = provider.get_service(NotificationService)
    second = provider.get_service(NotificationService)
    print(f"two resolves, two graphs: {first.sender!r} and {second.sender!r}")
    assert first.sender is not second.sender
    assert first.sender is first.batch_sender
    assert second.sender is second.batch_sender


def show_naive_wirings() -> None:
    """Without use_from_current_graph, each protocol gets its own connection."""
    print("\nwithout use_from_current_graph, two connections per client:")
    naive = {
        "add_transient(BatchSender, SmtpSender)": add_consumers(
            ServiceCollection()
            .add_transient(MessageSender, SmtpSender)
            .add_transient(BatchSender, SmtpSender)
        ),
        "add_alias(BatchSender, MessageSender)": add_consumers(
            ServiceCollection()
            .add_transient(MessageSender, SmtpSender)
            .add_alias(BatchSender, MessageSender)
        ),
    }
    for how, services in naive.items():
        client = services.build_service_provider().get_service(NotificationService)
        print(f"  {how:<40} {client.sender!r} and {client.batch_sender!r}")
        assert client.sender is not client.batch_sender


def main() -> int:
    with build_services().build_service_provider() as provider:
        show_one_sender_per_graph(provider)
    show_naive_wirings()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
