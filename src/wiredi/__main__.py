"""The command line: ``python -m wiredi graph|health|check module:attr``.

``module:attr`` names a ``ServiceCollection``, a ``ServiceProvider``, or a
callable taking no arguments that returns one (``attr`` may be dotted:
``app:container.services``).

- ``graph`` prints the registration graph as Mermaid (the default),
  Graphviz DOT or text trees.
- ``health`` runs the provider's health checks (``check_health_async``) and
  prints the report as JSON; it exits 0 when healthy and 1 otherwise. A
  collection is built first. The provider is closed afterwards.
- ``check`` builds a collection with validation (or validates a provider's
  graph) and prints every problem, exiting 1 when there is one; ``ok`` and
  0 otherwise. A ``DIError`` raised while importing or building the target
  counts as a problem.

A target that cannot be imported, found or used is reported on one line of
standard error with exit code 2.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import inspect
import json
import os
import sys
import traceback
from collections.abc import Callable, Sequence

from wiredi._graph.validation import validate_graph
from wiredi._runtime.health import HealthReport
from wiredi._runtime.provider import ServiceProvider
from wiredi._service_collection import ServiceCollection
from wiredi.errors import DIError, GraphValidationError
from wiredi.graph import to_dot, to_mermaid, to_text

__all__ = ["main"]

PROG = "python -m wiredi"
_EXIT_PROBLEM = 1
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
    health = commands.add_parser(
        "health",
        help="run the health checks and print the report as JSON (exit 1 if unhealthy)",
        description="Run the health checks of the provider found at module:attr "
        "(a ServiceProvider, a ServiceCollection to build, or a callable taking "
        "no arguments that returns one) and print the report as JSON. Exits 0 "
        "when healthy, 1 otherwise. The provider is closed afterwards.",
    )
    health.add_argument("target", metavar="module:attr", help="e.g. myapp.di:build")
    health.add_argument(
        "--timeout",
        type=_seconds,
        default=5.0,
        help="seconds each check may take (default: %(default)s)",
    )
    check = commands.add_parser(
        "check",
        help="validate a collection's graph; print every problem (exit 1 if any)",
        description="Build the ServiceCollection found at module:attr with "
        "validation (or validate the graph of a ServiceProvider) and print "
        "every problem, exiting 1 when there is one; print ok otherwise.",
    )
    check.add_argument("target", metavar="module:attr", help="e.g. myapp.di:services")
    return parser


def _seconds(text: str) -> float:
    """``--timeout``: a number of seconds above 0."""
    try:
        seconds = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not seconds > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0 seconds: {text!r}")
    return seconds


def _raised(exc: Exception) -> str:
    """``RuntimeError: boom (at settings.py:12)``: the error and its last frame."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = ""
    if frames:
        name = os.path.basename(frames[-1].filename)  # noqa: PTH119 - a str path
        where = f" (at {name}:{frames[-1].lineno})"
    return f"{type(exc).__name__}: {exc}{where}"


def _load(target: str) -> tuple[ServiceCollection | ServiceProvider, bool]:
    """Import ``module:attr``; return what it names and whether we built it."""
    module_name, colon, attr_path = target.partition(":")
    if not colon or not module_name or not attr_path:
        raise _TargetError(f"expected module:attr, got {target!r}")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise _TargetError(f"cannot import {module_name!r}: {exc}") from exc
    except DIError:
        raise  # a registration problem: the command reports it
    except Exception as exc:  # the module itself raised: say what, and where
        raise _TargetError(f"importing {module_name!r} raised {_raised(exc)}") from exc
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
    try:
        made = found()
    except DIError:
        raise  # a registration problem: the command reports it
    except Exception as exc:
        raise _TargetError(f"{target}() raised {_raised(exc)}") from exc
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
    command: Callable[[argparse.Namespace], int] = _COMMANDS[args.command]
    try:
        return command(args)
    except _TargetError as error:
        sys.stderr.write(f"{PROG} {args.command}: error: {error}\n")
        return _EXIT_USAGE


def _graph(args: argparse.Namespace) -> int:
    try:
        target, built = _load(args.target)
    except DIError as error:  # reported as check reports it
        sys.stdout.write(f"{args.target}: {type(error).__name__}: {error}\n")
        return _EXIT_PROBLEM
    try:
        sys.stdout.write(_FORMATS[args.format](target) + "\n")
    finally:
        if built and isinstance(target, ServiceProvider):
            target.close()
    return 0


def _health(args: argparse.Namespace) -> int:
    try:
        target, _ = _load(args.target)
        provider = (
            target.build_service_provider()
            if isinstance(target, ServiceCollection)
            else target
        )
    except DIError as error:  # the app cannot even start: unhealthy
        sys.stderr.write(f"{PROG} health: {type(error).__name__}: {error}\n")
        return _EXIT_PROBLEM
    report = asyncio.run(_checked(provider, args.timeout))
    sys.stdout.write(json.dumps(report.to_dict(), indent=2) + "\n")
    return 0 if report.status == "healthy" else _EXIT_PROBLEM


async def _checked(provider: ServiceProvider, seconds: float) -> HealthReport:
    """The report, on one event loop with the closing of what it created."""
    try:
        return await provider.check_health_async(timeout=seconds)
    finally:
        await provider.aclose()


def _check(args: argparse.Namespace) -> int:
    try:
        target, built = _load(args.target)
        if isinstance(target, ServiceCollection):
            target.build_service_provider().close()
        else:
            problems = validate_graph(target._core.registry)
            if built:
                target.close()
            if problems:
                raise GraphValidationError.of(problems)
    except DIError as error:
        sys.stdout.write(f"{args.target}: {type(error).__name__}: {error}\n")
        return _EXIT_PROBLEM
    sys.stdout.write("ok\n")
    return 0


_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "graph": _graph,
    "health": _health,
    "check": _check,
}


if __name__ == "__main__":
    raise SystemExit(main())
