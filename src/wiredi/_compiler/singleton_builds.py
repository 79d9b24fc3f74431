"""Construction that runs once per provider: how a plain singleton is made.

Generated code pays off for what is built on every resolve. A singleton is
built once, so writing, compiling and running source for it costs more than
it can ever save; its ``SingletonResolver`` makes the call itself from a
small record of the function and its dependencies' resolvers. Anything
beyond a plain call (decorators, generators, async, the resolver as a
parameter, context injection) keeps the generated version.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from wiredi._compiler.finalizers import is_disposable_type
from wiredi._compiler.raising import none_allowed, none_result_raiser
from wiredi._graph.edges import Call, Edge, EdgeKind
from wiredi._registration.hints import FactoryKind

if TYPE_CHECKING:
    from wiredi._graph.registry import Registry
    from wiredi._registration.registration import Registration

__all__ = ["PlainCall", "edge_arguments", "edge_producer", "plain_call"]

Fn = Callable[[Any], Any]
_PLAIN = FactoryKind.PLAIN  # bound once: an enum member read costs ~55 ns on 3.11


def plain_call(  # noqa: PLR0917 - positional: one per singleton on first resolve
    function: Any,
    reg: Registration,
    registry: Registry,
    is_disposable: Callable[[object], bool],
    positional: tuple[Fn, ...] = (),
    keywords: tuple[tuple[str, Fn], ...] | None = None,
    args: tuple[Any, ...] | None = None,
) -> PlainCall:
    """How singleton ``reg`` is made by calling ``function`` plainly.

    With resolvers of its arguments (``positional``, ``keywords``), or with
    the arguments themselves (``args``). The ``SingletonResolver`` that
    makes the call raises like generated code: the failure carries
    ``reg``'s node in its dependency path (made only then: most singletons
    never fail).
    """
    owned: bool | None = None  # None: decided per object, as for a factory
    refuse_none: Callable[..., Any] | None = None
    if isinstance(function, type):  # decided now, as generated code does
        owned = is_disposable_type(function)
    elif not none_allowed(reg.service_type):
        node = registry.node(reg)
        refuse_none = none_result_raiser(
            node.service_type, function, node.registered_at, decorator=False
        )
    return PlainCall(
        function, positional, keywords, owned, is_disposable, refuse_none, args
    )


def edge_arguments(
    call: Call,
    producer: Callable[[Edge, Registration], Fn | None],
    owner: Registration,
) -> tuple[tuple[Fn, ...], tuple[tuple[str, Fn], ...] | None] | None:
    """The argument resolvers of ``owner``'s plain ``call``: positional, then keywords.

    ``producer`` turns an edge of ``owner`` into ``fn(r)`` giving its value.
    ``None`` when the call is not plain or an edge needs generated code.
    """
    if call.factory_kind is not _PLAIN:
        return None
    positional: list[Fn] = []
    keywords: list[tuple[str, Fn]] = []
    for edge in call.edges:
        fn = producer(edge, owner)
        if fn is None:
            return None
        if edge.keyword_only and edge.name.isidentifier():
            keywords.append((edge.name, fn))
        elif edge.name:
            positional.append(fn)
    return tuple(positional), tuple(keywords) or None


class PlainCall:
    """How a plain singleton is made: ``function(*positional, **keywords)``.

    Each argument is ``fn(root)``, or, when ``args`` is given, the call is
    ``function(*args)`` (the dependencies' objects, built already).
    ``owned`` says whether the root disposes of the result (``None``:
    decided per object, as for a factory); ``refuse_none`` raises when a
    factory that may not return ``None`` does.
    """

    __slots__ = (
        "args",
        "function",
        "is_disposable",
        "keywords",
        "owned",
        "positional",
        "refuse_none",
    )

    def __init__(  # noqa: PLR0917 - positional: one per singleton on first resolve
        self,
        function: Any,
        positional: tuple[Fn, ...],
        keywords: tuple[tuple[str, Fn], ...] | None,
        owned: bool | None,
        is_disposable: Callable[[object], bool],
        refuse_none: Callable[..., Any] | None,
        args: tuple[Any, ...] | None = None,
    ) -> None:
        self.args = args
        self.function = function
        self.positional = positional
        self.keywords = keywords
        self.owned = owned
        self.is_disposable = is_disposable
        self.refuse_none = refuse_none


def edge_producer(
    compiled: dict[Any, Fn],
    target_fn: Callable[[Any], Fn],
    missing: Callable[[Edge, Registration], Fn],
    unresolvable: Callable[[Edge], Fn],
) -> Callable[[Edge, Registration], Fn | None]:
    """The ``producer`` of :func:`edge_arguments` for a compiler's sync resolvers.

    ``compiled`` is the table of sync resolvers already compiled (read
    first: dependencies usually are), ``target_fn`` compiles one;
    ``missing`` makes the raiser of an edge of the registration given.
    """

    def produce(edge: Edge, owner: Registration) -> Fn | None:
        kind = edge.kind
        if kind is EdgeKind.ONE:
            target = edge.targets[0]
            found = compiled.get(target)
            return found if found is not None else target_fn(target)
        if kind is EdgeKind.CONST:
            value = edge.value
            return lambda _: value
        if kind is EdgeKind.ALL:
            fns = [target_fn(target) for target in edge.targets]
            return lambda r: [fn(r) for fn in fns]
        if kind is EdgeKind.MISSING:
            return missing(edge, owner)
        if kind is EdgeKind.UNRESOLVABLE:
            return unresolvable(edge)
        return None  # the resolver, a context, a decorated inner object

    return produce
