"""Tiny classes and Protocols shared by the tests."""

from __future__ import annotations

import abc
from typing import Generic, NewType, Protocol, TypeVar

T = TypeVar("T")


class IClock(Protocol):
    def now(self) -> float: ...


class UtcClock:
    def now(self) -> float:
        return 0.0


class NotAClock:
    def later(self) -> float:
        return 1.0


class Clock:
    pass


class Repo:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock


class Service:
    def __init__(self, repo: Repo, clock: Clock) -> None:
        self.repo = repo
        self.clock = clock


class AbstractSender(abc.ABC):
    @abc.abstractmethod
    def send(self, message: str) -> None: ...


class EmailSender(AbstractSender):
    def send(self, message: str) -> None:
        self.last = message


class Closeable:
    """Records its close() into a shared log."""

    def __init__(self, log: list[str] | None = None, name: str = "") -> None:
        self.log = log if log is not None else []
        self.name = name or type(self).__name__
        self.closed = False

    def close(self) -> None:
        self.closed = True
        self.log.append(self.name)


class User:
    pass


class Order:
    pass


class IRepo(Generic[T]):
    def get(self) -> T | None:
        return None


class SqlRepo(IRepo[T]):
    def __init__(self, clock: Clock) -> None:
        self.clock = clock


class UserRepo(IRepo[User]):
    pass


UserId = NewType("UserId", int)


class A:
    def __init__(self, b: B) -> None:
        self.b = b


class B:
    def __init__(self, a: A) -> None:
        self.a = a
