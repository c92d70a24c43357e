"""What a retired environment leaves once its stacks are destroyed: its ``priorities.lock``
entries, its bake record ``images/<env>.json``, and its AMIs with their snapshots. An environment
has retired when its file is gone and the backend holds no stack of it (retiring.py finds none):
while a retirement is pending or failed, everything stays.

``vending retired`` lists them; ``--apply`` removes the files' entries (for a pull request, as
new bake records go) and deregisters the AMIs. CI's apply workflow runs it after retirements.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vending.delivery import retiring
from vending.model import images as records
from vending.model import priorities
from vending.model.naming import PIPELINE_SUFFIX, platform_stack
from vending.ops import images as amis
from vending.settings import Settings
from vending.synth.app import all_stacks


@dataclass(frozen=True)
class Leftover:
    environment: str
    lock_entries: tuple[str, ...]  # its names in priorities.lock (``<env>``, ``<env>@<n>``)
    bake_record: Path | None
    images: list[amis.Image] = field(default_factory=list)

    def lines(self) -> list[str]:
        said = [f"priorities.lock: {entry}" for entry in self.lock_entries]
        said += [f"bake record {self.bake_record}"] if self.bake_record else []
        said += [
            f"AMI {image.ami_id} ({image.name}), snapshot(s) {', '.join(image.snapshots) or 'none'}"
            for image in self.images
        ]
        return said


def find(settings: Settings, config: Any, ec2: Any) -> tuple[list[Leftover], list[str]]:
    """The retired environments' leftovers, and the environments still retiring (left alone)."""
    defined = {customer.stack_name for customer in config.customers}
    lock = priorities.read_lock(settings.customers_dir)
    by_environment: dict[str, list[str]] = {}
    for entry in lock.priorities:
        by_environment.setdefault(entry.split("@", 1)[0], []).append(entry)
    recorded = {path.stem for path in settings.images_dir.glob("*.json")} if settings.images_dir.is_dir() else set()
    gone = sorted((set(by_environment) | recorded) - defined)
    pending = retiring.find(settings, config.platform, all_stacks(config), history=False)
    # (The load balancer's shards are the platform's, not an environment's: not asked about here.)
    still = sorted({r.stack.removesuffix(PIPELINE_SUFFIX) for r in pending if not platform_stack(r.stack)})
    found = []
    for environment in gone:
        if environment in still:
            continue
        record = records.record_path(settings.images_dir, environment)
        found.append(
            Leftover(
                environment,
                tuple(sorted(by_environment.get(environment, []))),
                record if record.exists() else None,
                amis.images(ec2, environment),
            )
        )
    return found, still


def remove(settings: Settings, leftovers: list[Leftover], ec2: Any, log) -> None:
    """Drop their lock entries and bake records from the working tree; deregister their AMIs."""
    entries = {entry for leftover in leftovers for entry in leftover.lock_entries}
    if entries:
        priorities.write_lock(settings.customers_dir, priorities.read_lock(settings.customers_dir).without(entries))
    for leftover in leftovers:
        if leftover.bake_record:
            leftover.bake_record.unlink()
        amis.prune(ec2, leftover.images, log)
        log(f"{leftover.environment}: retired; {len(leftover.lines())} leftover(s) removed")


def pull_request_body(leftovers: list[Leftover]) -> str:
    """The pull request that commits the removed lock entries and bake records."""
    rows = [f"- `{leftover.environment}`: " + "; ".join(leftover.lines()) for leftover in leftovers]
    return "\n".join(
        [
            "Environments retired by the apply workflow: their stacks are destroyed, and what they left",
            "in the repository goes with this pull request (their AMIs are deregistered already).",
            "",
            *rows,
            "",
        ]
    )
