"""``vending images``: an environment's AMIs (those ``vending bake`` tagged ``vending:stack``),
pruning all but the newest (deregistered, and their snapshots deleted with them), and the
text of the pull request that commits new bake records.

The AMI that the bake record or the ``image.ami_id`` pin names is never pruned, however old:
a fleet (or the next plan) runs it.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# The AMI's tags that vending bake writes and this module reads (bake.ami_tags writes more).
STACK_TAG = "vending:stack"
BUILD_TAG = "vending:build"
COMMIT_TAG = "vending:commit-id"
DIRTY_TAG = "vending:dirty"


@dataclass(frozen=True)
class Image:
    ami_id: str
    name: str
    created: datetime
    build: str
    commit: str
    dirty: bool
    snapshots: tuple[str, ...]

    def age(self, now: datetime) -> str:
        days = (now - self.created).days
        return f"{days} day(s)" if days else f"{int((now - self.created).total_seconds() // 3600)} hour(s)"


def _image(found: dict[str, Any]) -> Image:
    tags = {tag["Key"]: tag["Value"] for tag in found.get("Tags") or []}
    snapshots = tuple(
        mapping["Ebs"]["SnapshotId"]
        for mapping in found.get("BlockDeviceMappings") or []
        if mapping.get("Ebs", {}).get("SnapshotId")
    )
    created = datetime.fromisoformat(found["CreationDate"].replace("Z", "+00:00"))
    return Image(
        ami_id=found["ImageId"],
        name=found.get("Name", ""),
        created=created if created.tzinfo else created.replace(tzinfo=UTC),
        build=tags.get(BUILD_TAG, ""),
        commit=tags.get(COMMIT_TAG, ""),
        dirty=tags.get(DIRTY_TAG) == "true",
        snapshots=snapshots,
    )


def images(ec2: Any, stack: str) -> list[Image]:
    """The environment's AMIs in this account and region, newest first."""
    pages = ec2.get_paginator("describe_images").paginate(
        Owners=["self"], Filters=[{"Name": f"tag:{STACK_TAG}", "Values": [stack]}]
    )
    return newest_first([_image(image) for page in pages for image in page["Images"]])


def newest_first(found: list[Image]) -> list[Image]:
    """By creation time, then by build number: two bakes within one second (an emulator's
    clock, or a fast CI) still list the later build first."""
    return sorted(
        found,
        key=lambda image: (image.created, int(image.build) if image.build.isdigit() else -1, image.ami_id),
        reverse=True,
    )


def prunable(found: list[Image], keep: int, in_use: set[str]) -> list[Image]:
    """The AMIs beyond the newest ``keep``, except those in use (``in_use``: record and pin)."""
    return [image for image in found[keep:] if image.ami_id not in in_use]


def prune(ec2: Any, doomed: list[Image], log: Callable[[str], None]) -> None:
    """Deregister each AMI, then delete its snapshots (AWS keeps them otherwise, and bills them)."""
    for image in doomed:
        ec2.deregister_image(ImageId=image.ami_id)
        for snapshot in image.snapshots:
            ec2.delete_snapshot(SnapshotId=snapshot)
        log(f"{image.ami_id} ({image.name}): deregistered; snapshot(s) deleted: {', '.join(image.snapshots) or 'none'}")


def table(found: list[Image], in_use: dict[str, str], now: datetime) -> list[str]:
    """One line per AMI: id, name, build, commit, age, and why it is in use."""
    lines = [f"{'ami':<22} {'name':<32} {'build':<15} {'commit':<12} {'age':<11} in use"]
    for image in found:
        commit = image.commit[:12] + (" (dirty)" if image.dirty else "")
        lines.append(
            f"{image.ami_id:<22} {image.name:<32} {image.build:<15} {commit:<12} {image.age(now):<11}"
            f" {in_use.get(image.ami_id, '')}".rstrip()
        )
    return lines


def pull_request_body(images_dir: Path) -> str:
    """The pull request that commits the bake records in ``images_dir`` that differ from the
    repository's HEAD: per environment the AMI it moves from and to, and what it was baked from."""
    rows = []
    for path in sorted(images_dir.glob("*.json")):
        # As committed ("" when it is new, or the directory is not in a repository).
        committed = subprocess.run(
            ["git", "-C", str(images_dir), "show", f"HEAD:./{path.name}"], capture_output=True, text=True
        ).stdout
        text = path.read_text(encoding="utf-8")
        if committed == text:
            continue
        record = json.loads(text)
        before = json.loads(committed).get("ami_id", "") if committed.strip() else ""
        moves = f"`{before}` → `{record['ami_id']}`" if before else f"new: `{record['ami_id']}`"
        commit = str((record.get("commit") or {}).get("id", ""))[:12] + (" (dirty)" if record.get("dirty") else "")
        name, source = record.get("ami_name", ""), record.get("source_ami", "")
        rows.append(f"| `{path.stem}` | {moves} | `{name}` | `{commit}` | `{source}` |")
    if not rows:
        return "No bake record changed.\n"
    return "\n".join(
        [
            "New AMIs, baked from main by the bake workflow, each recorded in `images/<env>.json`.",
            "",
            "Merging this pull request applies them like any other change: the plan review shows each fleet's",
            "launch template moving to its new image, and the instance refresh that replaces the instances.",
            "",
            "| environment | AMI | name | baked from | source image |",
            "|---|---|---|---|---|",
            *rows,
            "",
            "Older AMIs stay until `vending images prune ENV --keep N --apply`.",
            "",
        ]
    )
