"""The command line: ``python -m wiredi graph module:attr [--format ...]``.

``module:attr`` names a ``ServiceCollection``, a ``ServiceProvider``, or a
callable taking no arguments that returns one (``attr`` may be dotted:
``app:container.services``). The registration graph is printed as Mermaid
(the default), Graphviz DOT or text trees. A target that cannot be imported,
found or used is reported on one line of standard error with exit code 2.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import sys
from collections.abc import Callable, Sequence

from wiredi._runtime.provider import ServiceProvider
from wiredi._service_collection import ServiceCollection
from wiredi.graph import to_dot, to_mermaid, to_text

__all__ = ["main"]

PROG = "python -m wiredi"
_EXIT_USAGE = 2

_FORMATS: dict[str, Callable[[ServiceCollection | ServiceProvider], str]] = {
    "mermaid": to_mermaid,
    "dot": to_dot,
    "text": to_text,
}


class _TargetError(Exception):
    """The ``module:attr`` argument does not lead to something to draw."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG, description="Diagnostics for wiredi service collections."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="command")
    graph = commands.add_parser(
        "graph",
        help="print the registration graph of a collection or provider",
        description="Print the registration graph found at module:attr: a "
        "ServiceCollection, a ServiceProvider, or a callable taking no "
        "arguments that returns one.",
    )
    graph.add_argument("target", metavar="module:attr", help="e.g. myapp.di:services")
    graph.add_argument(
        "--format",
        choices=sorted(_FORMATS),
        default="mermaid",
        help="output format (default: %(default)s)",
    )
    return parser


def _load(target: str) -> tuple[ServiceCollection | ServiceProvider, bool]:
    """Import ``module:attr``; return what it names and whether we built it."""
    module_name, colon, attr_path = target.partition(":")
    if not colon or not module_name or not attr_path:
        raise _TargetError(f"expected module:attr, got {target!r}")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise _TargetError(f"cannot import {module_name!r}: {exc}") from exc
    found: object = module
    for attr in attr_path.split("."):
        try:
            found = getattr(found, attr)
        except AttributeError:
            raise _TargetError(
                f"{module_name!r} has no attribute {attr_path!r}"
            ) from None
    if isinstance(found, ServiceCollection | ServiceProvider):
        return found, False
    if not callable(found):
        raise _TargetError(
            f"{target} is a {type(found).__name__}, not a ServiceCollection, "
            "a ServiceProvider or a callable returning one"
        )
    try:
        inspect.signature(found).bind()
    except TypeError:
        raise _TargetError(
            f"{target} cannot be called without arguments; point at a "
            "ServiceCollection or a function taking no arguments that returns one"
        ) from None
    except ValueError:  # no signature to inspect (some builtins): just call it
        pass
    made = found()
    if isinstance(made, ServiceCollection | ServiceProvider):
        return made, True
    raise _TargetError(
        f"{target}() returned a {type(made).__name__}, not a ServiceCollection "
        "or a ServiceProvider"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``).

    Returns:
        The exit code: 0 on success, 2 for a bad command line or target.
    """
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, or a usage error already printed
        return exc.code if isinstance(exc.code, int) else _EXIT_USAGE
    try:
        target, built = _load(args.target)
    except _TargetError as error:
        sys.stderr.write(f"{PROG} graph: error: {error}\n")
        return _EXIT_USAGE
    try:
        sys.stdout.write(_FORMATS[args.format](target) + "\n")
    finally:
        if built and isinstance(target, ServiceProvider):
            target.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
