"""Which stack is applied when: every environment finds its shard of the shared load balancer
(``shared-alb``, ``shared-alb-2``, …) by name, and every pipeline its environment, so the
shards go first, then the environments, then their pipelines; destroys go the other way round,
before anything is applied. A wave's stacks do not depend on each other, so a wave can be split
into even shards, one per CI runner."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace

from vending.model.naming import PIPELINE_SUFFIX, platform_stack, production_stack

KINDS = ("platform", "environments", "pipelines")  # in the order they are applied


def kind(stack: str) -> str:
    if platform_stack(stack):
        return "platform"
    return "pipelines" if stack.endswith(PIPELINE_SUFFIX) else "environments"


@dataclass(frozen=True)
class Wave:
    number: int  # 1, 2, …: the order they run in
    kind: str  # platform, environments or pipelines
    destroy: bool
    stacks: tuple[str, ...]

    @property
    def title(self) -> str:
        return f"wave {self.number}: {'destroy ' if self.destroy else ''}{self.kind}"


def waves(destroying: Mapping[str, bool]) -> list[Wave]:
    """The waves of these stacks (stack → whether its plan destroys it), numbered from 1: the
    destroys in reverse (pipelines, environments, platform), then the rest in order."""
    groups = [(k, True) for k in reversed(KINDS)] + [(k, False) for k in KINDS]
    found = []
    for group_kind, destroy in groups:
        stacks = tuple(s for s, d in destroying.items() if kind(s) == group_kind and d == destroy)
        if stacks:
            found.append(Wave(len(found) + 1, group_kind, destroy, stacks))
    return found


def shard(stacks: Sequence[str], index: int, count: int) -> tuple[str, ...]:
    """The ``index``-th (from 1) of ``count`` even, contiguous slices of ``stacks``."""
    if not 1 <= index <= count:
        raise ValueError(f"shard {index}/{count}: I must be between 1 and N")
    size, extra = divmod(len(stacks), count)
    start = (index - 1) * size + min(index - 1, extra)
    return tuple(stacks[start : start + size + (index <= extra)])


def only(stacks: Sequence[str], which: str | None, changing: Collection[str]) -> tuple[str, ...]:
    """Of ``stacks``: those whose plans change nothing (``unchanged``: applying them only records
    them), the production ones that change (``production``; ``shared-alb`` serves production),
    the other ones that change (``other``), or all of them (None)."""
    if which is None:
        return tuple(stacks)
    if which == "unchanged":
        return tuple(s for s in stacks if s not in changing)
    return tuple(s for s in stacks if s in changing and production_stack(s) == (which == "production"))


# The CI jobs that apply, in order: (name, the waves' kind (None: every kind), which of their
# stacks, destroys or not). First the plans that change nothing (no approval: they are only
# recorded); then the retirements, in their reverse waves (the stacks no longer defined: CI plans
# no other destroy); then the platform (production's: production runs behind it), every
# environment and pipeline outside production, and production's last.
JOBS = (
    ("unchanged", None, "unchanged", False),
    ("retire-other", None, "other", True),
    ("retire-production", None, "production", True),
    ("platform", "platform", "production", False),
    ("other-environments", "environments", "other", False),
    ("other-pipelines", "pipelines", "other", False),
    ("production-environments", "environments", "production", False),
    ("production-pipelines", "pipelines", "production", False),
)
JOB_SELECTIONS = {name: (wave_kind, which, destroy) for name, wave_kind, which, destroy in JOBS}


def shards(count: int, *, stacks_per_shard: int, max_shards: int) -> list[str]:
    """The shards (``I/N``) of ``count`` stacks: as few as keep ``stacks_per_shard`` stacks per
    runner, at most ``max_shards``; none for no stacks."""
    total = min(max_shards, -(-count // stacks_per_shard))
    return [f"{index}/{total}" for index in range(1, total + 1)]


def job(all_waves: list[Wave], name: str, changing: Collection[str]) -> list[Wave]:
    """The waves of CI job ``name`` (``JOBS``), each narrowed to the job's stacks."""
    wave_kind, which, destroy = JOB_SELECTIONS[name]
    return [
        # A retirement is applied, changing or not: it is forgotten once applied (records.forget).
        replace(w, stacks=only(w.stacks, which, w.stacks if destroy else changing))
        for w in all_waves
        if w.destroy == destroy and wave_kind in (None, w.kind)
    ]


def matrix(
    all_waves: list[Wave], changing: Collection[str], *, stacks_per_shard: int, max_shards: int
) -> dict[str, dict]:
    """The apply jobs of a CI run (``JOBS``), each with how many stacks it applies and its shards."""
    jobs = {}
    for name in JOB_SELECTIONS:
        count = sum(len(w.stacks) for w in job(all_waves, name, changing))
        jobs[name] = {"stacks": count, "shard": shards(count, stacks_per_shard=stacks_per_shard, max_shards=max_shards)}
    return jobs
