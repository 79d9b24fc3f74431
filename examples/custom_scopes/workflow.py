"""A workflow scope: per-run state that is discarded when the run ends.

Each run of the import workflow gets its own ``RunState`` (counters, a
temporary staging area) shared by every step of that run -- even steps that
open their own request scopes -- and disposed as soon as the run's outermost
block exits. That is ``ContextScopeManager(persistent=False)``: nothing
survives from one run to the next, so nothing has to be cleaned up by hand.
To show it, the script runs the workflow twice with the same id, ``run-1``:
the second run starts from a fresh ``RunState``.

Run it with:

    python examples/custom_scopes/workflow.py
"""

from __future__ import annotations

from wiredi import ContextScopeManager, ServiceCollection, ServiceProvider


class StagingArea:
    """A temporary area for one run; removed when the run ends."""

    def __init__(self) -> None:
        self.rows: list[str] = []
        self.removed = False

    def close(self) -> None:
        self.rows.clear()
        self.removed = True


class RunState:
    def __init__(self, staging: StagingArea) -> None:
        self.staging = staging
        self.steps: list[str] = []


class ExtractStep:
    """Scoped: each step runs in a request scope of its own."""

    def __init__(self, state: RunState) -> None:
        self.state = state

    def run(self, source: list[str]) -> None:
        self.state.staging.rows.extend(source)
        self.state.steps.append("extract")


class LoadStep:
    def __init__(self, state: RunState) -> None:
        self.state = state

    def run(self) -> int:
        self.state.steps.append("load")
        return len(self.state.staging.rows)


def run_workflow(provider: ServiceProvider, run_id: str, source: list[str]) -> RunState:
    with provider.create_scope("workflow", run_id) as run:
        with provider.create_scope() as step:
            step.get_service(ExtractStep).run(source)
        with provider.create_scope() as step:
            loaded = step.get_service(LoadStep).run()
        state = run.get_service(RunState)
        print(f"{run_id}: steps={state.steps} loaded={loaded}")
        assert not state.staging.removed
    return state


def main() -> None:
    workflows = ContextScopeManager(persistent=False)
    services = ServiceCollection()
    services.add_scope_manager("workflow", workflows)
    services.add(StagingArea, lifetime="workflow")
    services.add(RunState, lifetime="workflow")
    services.add_scoped(ExtractStep).add_scoped(LoadStep)

    with services.build_service_provider() as provider:
        first = run_workflow(provider, "run-1", ["a", "b", "c"])
        assert first.staging.removed, "the run's staging area is gone"
        # The same id again, on purpose: with persistent=False nothing of the
        # first "run-1" outlived it, so this run gets a new RunState (its
        # steps and loaded count start from zero), not the old one.
        print(
            "run-1 again, reusing the id on purpose: the first run's state was "
            "discarded when it ended, so this one starts fresh"
        )
        second = run_workflow(provider, "run-1", ["d"])
        assert second is not first
        assert second.steps == ["extract", "load"]
        assert workflows.active_scopes() == []
        print("stats:", dict(workflows.stats()))


if __name__ == "__main__":
    main()
