"""Components: two DAOs, two SQLite databases, one ``DBConnection`` interface.

The scenario: a blog keeps its users and its comments in two databases. Both
DAOs depend on the same interface, ``DBConnection``; which database they get
is decided by the *component* they are registered in:

    component "user"     DBConnection -> UserDbConnection    (users.db)
                         UserDao(db: DBConnection)
    component "comment"  DBConnection -> CommentDbConnection (comments.db)
                         CommentDao(db: DBConnection)
    default component    DataDir (where the files live)
                         BlogService(
                             users: Annotated[UserDao, FromComponent("user")],
                             comments: Annotated[CommentDao, FromComponent("comment")],
                         )

A registration's dependencies are looked up in its own component only, so
``UserDao`` can only ever get the users connection, although both DAOs ask
for the same type. The connections take ``DataDir`` from the default
component with ``FromComponent()``. They are singletons with a ``close()``
method, so closing the provider (the ``with`` block) closes them.

The databases are real SQLite files in a temporary folder; after the run the
script opens them directly and shows that ``users.db`` holds only users and
``comments.db`` only comments.

Run it from anywhere:

    python examples/components/app.py
"""

from __future__ import annotations

import sqlite3
import tempfile
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, ClassVar, Protocol

from wiredi import FromComponent, ServiceCollection, ServiceNotFoundError

# --------------------------------------------------------------- contracts


class DBConnection(Protocol):
    """What a DAO needs from a database, whichever database it is."""

    @property
    def closed(self) -> bool: ...

    def execute(
        self, sql: str, params: tuple[object, ...] = ()
    ) -> list[tuple[Any, ...]]: ...

    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class DataDir:
    """The folder the database files live in."""

    path: Path


# ------------------------------------------------------------- connections


class SqliteConnection:
    """A ``DBConnection`` to one SQLite file in the data folder."""

    file_name: ClassVar[str]

    def __init__(self, data_dir: Annotated[DataDir, FromComponent()]) -> None:
        self.path = data_dir.path / self.file_name
        self._connection = sqlite3.connect(self.path)
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    def execute(
        self, sql: str, params: tuple[object, ...] = ()
    ) -> list[tuple[Any, ...]]:
        with self._connection:  # commits, or rolls back on error
            return self._connection.execute(sql, params).fetchall()

    def close(self) -> None:
        self._connection.close()
        self._closed = True


class UserDbConnection(SqliteConnection):
    """The users database."""

    file_name = "users.db"


class CommentDbConnection(SqliteConnection):
    """The comments database."""

    file_name = "comments.db"


# -------------------------------------------------------------------- DAOs


class UserDao:
    """Users, in whatever database its component connects to."""

    def __init__(self, db: DBConnection) -> None:
        self.db = db
        db.execute(
            "CREATE TABLE IF NOT EXISTS users"
            " (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)"
        )

    def ensure(self, name: str) -> int:
        self.db.execute("INSERT OR IGNORE INTO users (name) VALUES (?)", (name,))
        [(user_id,)] = self.db.execute("SELECT id FROM users WHERE name = ?", (name,))
        return int(user_id)

    def names(self) -> dict[int, str]:
        return dict(self.db.execute("SELECT id, name FROM users"))


class CommentDao:
    """Comments, in whatever database its component connects to."""

    def __init__(self, db: DBConnection) -> None:
        self.db = db
        db.execute(
            "CREATE TABLE IF NOT EXISTS comments"
            " (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, body TEXT NOT NULL)"
        )

    def add(self, user_id: int, body: str) -> None:
        self.db.execute(
            "INSERT INTO comments (user_id, body) VALUES (?, ?)", (user_id, body)
        )

    def all(self) -> list[tuple[int, str]]:
        return [
            (int(user_id), str(body))
            for user_id, body in self.db.execute(
                "SELECT user_id, body FROM comments ORDER BY id"
            )
        ]


# ----------------------------------------------------------------- service


class BlogService:
    """The application service: one DAO from each component."""

    def __init__(
        self,
        users: Annotated[UserDao, FromComponent("user")],
        comments: Annotated[CommentDao, FromComponent("comment")],
    ) -> None:
        self.users = users
        self.comments = comments

    def post(self, author: str, body: str) -> None:
        self.comments.add(self.users.ensure(author), body)

    def thread(self) -> list[tuple[str, str]]:
        names = self.users.names()
        return [(names[user_id], body) for user_id, body in self.comments.all()]


def build_services(data_dir: Path) -> ServiceCollection:
    """Register the two components and the service that uses both."""
    services = ServiceCollection()
    services.add_instance(DataDir, DataDir(data_dir))
    services.component("user").add_singleton(DBConnection, UserDbConnection).add_scoped(
        UserDao
    )
    services.component("comment").add_singleton(
        DBConnection, CommentDbConnection
    ).add_scoped(CommentDao)
    services.add_scoped(BlogService)
    return services


def tables_and_rows(path: Path) -> tuple[list[str], int]:
    """Read a database file directly: its table names and its row count."""
    with closing(sqlite3.connect(path)) as connection:
        tables = [
            str(name)
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        rows = sum(
            connection.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]
            for table in tables
        )
    return tables, rows


POSTS = [
    ("ada", "Components keep registrations apart."),
    ("grace", "And FromComponent reaches across."),
    ("ada", "Same interface, two databases."),
]


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="wiredi-components-") as folder:
        data_dir = Path(folder)
        with build_services(data_dir).build_service_provider() as provider:
            with provider.create_scope() as scope:
                blog = scope.get_service(BlogService)
                for author, body in POSTS:
                    blog.post(author, body)
                thread = blog.thread()

                # Same interface, different implementation per component.
                user_db = provider.get_service(DBConnection, component="user")
                comment_db = provider.get_service(DBConnection, component="comment")
                assert isinstance(user_db, UserDbConnection)
                assert isinstance(comment_db, CommentDbConnection)
                assert blog.users.db is user_db
                assert blog.comments.db is comment_db

            for author, body in thread:
                print(f"{author}: {body}")
            assert thread == POSTS

            # The default component has no DBConnection; the error says where it is.
            try:
                provider.get_service(DBConnection)
            except ServiceNotFoundError as error:
                print(f"DBConnection in the default component: {error.hint}")
            else:
                raise AssertionError("DBConnection leaked into the default component")

            assert (user_db.closed, comment_db.closed) == (False, False)
        # Closing the provider disposed the singleton connections.
        print(f"connections closed: user={user_db.closed} comment={comment_db.closed}")
        assert (user_db.closed, comment_db.closed) == (True, True)

        # The isolation is visible in the data.
        users = tables_and_rows(data_dir / "users.db")
        comments = tables_and_rows(data_dir / "comments.db")
        print(f"users.db: tables {users[0]}, {users[1]} rows")
        print(f"comments.db: tables {comments[0]}, {comments[1]} rows")
        assert users == (["users"], 2)
        assert comments == (["comments"], 3)


if __name__ == "__main__":
    main()
