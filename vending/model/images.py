"""Which AMI a fleet runs: the ``image.ami_id`` pin, else the latest bake record, else the
source AMI (unbaked, with a warning). Bake records are written by ``vending bake``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from vending.errors import ConfigError
from vending.files import write_atomically
from vending.model.config import Customer
from vending.model.values import AMI_ID

PINNED, BAKED, UNBAKED = "pinned", "baked", "unbaked"


@dataclass(frozen=True)
class FleetImage:
    ami_id: str
    origin: str  # PINNED | BAKED | UNBAKED
    record: dict | None = None  # the bake record, when BAKED

    def warning(self, stack: str) -> str | None:
        if self.origin == UNBAKED:
            return (
                f"warning: {stack} runs the unbaked source image {self.ami_id}: "
                f"bake one with `vending bake {stack}` or pin image.ami_id"
            )
        return None


def record_path(images_dir: Path, stack: str) -> Path:
    return images_dir / f"{stack}.json"


def read_record(images_dir: Path, stack: str) -> dict | None:
    path = record_path(images_dir, stack)
    if not path.exists():
        return None
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ConfigError([f"{path}: unreadable bake record ({error}); bake again or delete it"]) from None
    ami_id = record.get("ami_id") if isinstance(record, dict) else None
    if not (isinstance(ami_id, str) and re.fullmatch(AMI_ID, ami_id)):
        raise ConfigError([f"{path}: ami_id: must be an AMI id like ami-0123456789abcdef0 (got {ami_id!r})"])
    return record


def write_record(images_dir: Path, stack: str, record: dict) -> Path:
    """Write atomically: a reader (or an interrupted bake) sees the old record or the new one."""
    path = record_path(images_dir, stack)
    write_atomically(path, json.dumps(record, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    return path


def choose(customer: Customer, record: dict | None) -> FleetImage:
    if customer.image.ami_id is not None:
        return FleetImage(customer.image.ami_id, PINNED)
    if record is not None:
        return FleetImage(record["ami_id"], BAKED, record)
    return FleetImage(customer.image.source_ami, UNBAKED)
