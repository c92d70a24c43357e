"""What is not applied at this commit: the stacks whose synthesized output now is not what was
last applied to them (records.py): never applied by the flow, changed since, or whose last
apply failed or was rejected; and the stacks that are retiring (retiring.py): applied once, and
no longer defined. On main, CI plans these on every push, so nothing stays behind."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from vending.delivery import records, retiring
from vending.settings import Settings
from vending.synth import output
from vending.synth.app import all_stacks, synthesize

READERS = records.READERS


@dataclass(frozen=True)
class Pending:
    stacks: list[str]  # defined, and not applied as they are now
    retiring: list[retiring.Retiring]  # applied once, no longer defined

    @property
    def names(self) -> list[str]:
        """Every stack to plan: the retiring ones first, as they are applied first."""
        return [r.stack for r in self.retiring] + self.stacks


def pending(settings: Settings) -> Pending:
    """Synthesize every stack (the synth cache makes it cheap) and compare with each record;
    list the backend for the stacks that are retiring."""
    prepared = synthesize(settings).prepared
    stacks = prepared.stacks
    sources = output.sources(settings.outdir, stacks)

    def applied(stack: str) -> bool:
        record = records.read(json.loads(sources[stack]))
        return record is not None and record.stack_digest == records.digest(sources[stack])

    with ThreadPoolExecutor(max_workers=READERS) as pool:
        found = [stack for stack, is_applied in zip(stacks, pool.map(applied, stacks), strict=True) if not is_applied]
    known = all_stacks(prepared.config, prepared.allocation.shard_count)  # not only VENDING_STACKS
    return Pending(found, retiring.find(settings, prepared.config.platform, known))
