"""What is not applied at this commit: the stacks whose synthesized output now is not what was
last applied to them (records.py): never applied by the flow, changed since, or whose last
apply failed or was rejected. On main, CI plans these on every push, so nothing stays behind."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

from vending.delivery import records
from vending.settings import Settings
from vending.synth import output
from vending.synth.app import synthesize

READERS = 16  # records read at once: each is one small S3 request


def pending(settings: Settings) -> list[str]:
    """Synthesize every stack (the synth cache makes it cheap) and compare with each record."""
    stacks = synthesize(settings).prepared.stacks
    sources = output.sources(settings.outdir, stacks)

    def applied(stack: str) -> bool:
        record = records.read(json.loads(sources[stack]))
        return record is not None and record.stack_digest == records.digest(sources[stack])

    with ThreadPoolExecutor(max_workers=READERS) as pool:
        return [stack for stack, is_applied in zip(stacks, pool.map(applied, stacks), strict=True) if not is_applied]
