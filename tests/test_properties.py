"""Property-based tests: random graphs keep the lifetime rules and validation is exact."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wiredi import GraphValidationError, LifetimeError, ServiceCollection

LIFETIMES = ("singleton", "scoped", "transient")


@dataclass(frozen=True)
class Shape:
    """A random DAG: node i depends on some nodes < i; each has a lifetime."""

    lifetimes: tuple[str, ...]
    deps: tuple[tuple[int, ...], ...]


@st.composite
def shapes(draw: st.DrawFn) -> Shape:
    size = draw(st.integers(min_value=1, max_value=9))
    lifetimes = tuple(draw(st.sampled_from(LIFETIMES)) for _ in range(size))
    deps = tuple(
        tuple(sorted(draw(st.sets(st.integers(0, i - 1), max_size=3)))) if i else ()
        for i in range(size)
    )
    return Shape(lifetimes, deps)


def _classes(shape: Shape) -> list[type]:
    classes: list[type] = []
    for index, needs in enumerate(shape.deps):
        parameters = [f"d{n}" for n in needs]

        def init(self: object, *args: object, _names: list[str] = parameters) -> None:
            for name, value in zip(_names, args, strict=True):
                setattr(self, name, value)

        # a real signature with class annotations, as a user would write it
        namespace: dict[str, object] = {"body": init}
        arguments = ", ".join(
            f"{p}: C{n}" for p, n in zip(parameters, needs, strict=True)
        )
        call = ", ".join(parameters)
        source = f"def __init__(self{', ' if arguments else ''}{arguments}) -> None:\n"
        source += f"    body(self{', ' if call else ''}{call})\n"
        namespace.update({f"C{n}": classes[n] for n in needs})
        exec(source, namespace)  # test-only generated constructors
        classes.append(type(f"C{index}", (), {"__init__": namespace["__init__"]}))
    return classes


def _captures(shape: Shape) -> bool:
    """Whether some singleton reaches a scoped service (through transients)."""

    def reaches_scoped(index: int) -> bool:
        for dep in shape.deps[index]:
            life = shape.lifetimes[dep]
            if life == "scoped" or (life == "transient" and reaches_scoped(dep)):
                return True
        return False

    return any(
        life == "singleton" and reaches_scoped(i)
        for i, life in enumerate(shape.lifetimes)
    )


def _services(shape: Shape, classes: list[type]) -> ServiceCollection:
    services = ServiceCollection()
    for cls, life in zip(classes, shape.lifetimes, strict=True):
        services.add(cls, lifetime=life)
    return services


@settings(max_examples=60, deadline=None)
@given(shapes())
def test_validation_rejects_exactly_the_captures(shape: Shape) -> None:
    """Build fails with LifetimeError iff a singleton reaches a scoped service."""
    services = _services(shape, _classes(shape))
    if not _captures(shape):
        services.build_service_provider()
        return
    with pytest.raises(GraphValidationError) as caught:
        services.build_service_provider()
    assert all(isinstance(e, LifetimeError) for e in caught.value.errors)


@settings(max_examples=60, deadline=None)
@given(shapes())
def test_lifetimes_hold_in_random_graphs(shape: Shape) -> None:
    """Singletons are shared everywhere, scoped per scope, transients always new."""
    classes = _classes(shape)
    provider = _services(shape, classes).build_service_provider(validate=False)
    if _captures(shape):
        return
    with provider.create_scope() as one, provider.create_scope() as two:
        for cls, life in zip(classes, shape.lifetimes, strict=True):
            a, b, c = one.get_service(cls), one.get_service(cls), two.get_service(cls)
            assert isinstance(a, cls)
            if life == "singleton":
                assert a is b is c
            elif life == "scoped":
                assert a is b
                assert a is not c
            else:
                assert a is not b
            for dep in shape.deps[classes.index(cls)]:
                inner = getattr(a, f"d{dep}")
                assert isinstance(inner, classes[dep])
                if shape.lifetimes[dep] != "transient":
                    assert inner is one.get_service(classes[dep])
