"""Stable shared-listener rule priorities, recorded in a committed lock file.

Every environment on the shared 443 listener needs a unique rule priority that never changes
when other customers come and go. ``priorities.lock`` (next to the customer files) records
each environment's number; synth adds entries for new environments and never rewrites an
existing one. A ``priority:`` pin in a customer file wins and is recorded too. Entries of
removed environments are kept, so their numbers are not handed out again while the old rule
may still exist; ``vending priorities --prune`` drops them once the stack is gone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from vending.errors import ConfigError
from vending.files import write_atomically
from vending.model.config import Config
from vending.model.limits import RULE_PRIORITY_MAX

LOCK_FILE = "priorities.lock"
FIRST_PRIORITY = 100  # 1–99 stay free for platform-wide rules
HEADER = """\
# Shared-listener rule priorities (written by synth; commit this file).
# An entry never changes once written, so adding or removing a customer leaves every other
# rule alone. Pin a number with `priority:` in the customer file. Entries of removed
# environments stay until `python -m vending priorities --prune` (after `cdktf destroy`).
"""


@dataclass(frozen=True)
class Allocation:
    priorities: dict[str, int]  # stack name → priority, for environments on the shared listener
    lock: dict[str, int]  # the lock file's new content
    added: list[str] = field(default_factory=list)  # environments that got a number just now

    def changed(self, previous: dict[str, int]) -> bool:
        return self.lock != previous


def read_lock(directory: Path) -> dict[str, int]:
    path = directory / LOCK_FILE
    if not path.exists():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise ConfigError([f"{path}: cannot read the priority lock: {' '.join(str(error).split())}"]) from None
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= RULE_PRIORITY_MAX
        for k, v in data.items()
    ):
        raise ConfigError([f"{path}: must map environment names to priorities 1–{RULE_PRIORITY_MAX}"])
    numbers = list(data.values())
    if len(set(numbers)) != len(numbers):
        raise ConfigError([f"{path}: a priority appears twice"])
    return dict(data)


def write_lock(directory: Path, lock: dict[str, int]) -> None:
    path = directory / LOCK_FILE
    body = "".join(f"{name}: {number}\n" for name, number in sorted(lock.items()))
    write_atomically(path, HEADER + body)


def allocate(config: Config, lock: dict[str, int], lock_path: str = LOCK_FILE) -> Allocation:
    """Give every shared-listener environment its priority; raise ConfigError on a clash."""
    shared = [c for c in config.customers if not c.dedicated_alb]
    pins = {c.stack_name: c.priority for c in shared if c.priority is not None}
    problems = []
    owner_of = {number: name for name, number in lock.items()}
    for name, number in sorted(pins.items()):
        holder = owner_of.get(number)
        if holder is not None and holder != name:
            problems.append(
                f"{config.source_files[name]}: priority: {number} is already held by {holder} in {lock_path}"
            )
    if problems:
        raise ConfigError(problems)

    new_lock = {name: number for name, number in lock.items() if name not in pins}
    new_lock.update(pins)
    taken = set(new_lock.values())
    added = []
    next_free = FIRST_PRIORITY
    for customer in shared:  # sorted by stack name, so allocation is deterministic
        if customer.stack_name in new_lock:
            continue
        while next_free in taken:
            next_free += 1
        if next_free > RULE_PRIORITY_MAX:
            raise ConfigError([f"{lock_path}: no free listener priority left"])
        new_lock[customer.stack_name] = next_free
        taken.add(next_free)
        added.append(customer.stack_name)
    priorities = {c.stack_name: new_lock[c.stack_name] for c in shared}
    return Allocation(priorities=priorities, lock=dict(sorted(new_lock.items())), added=added)


def prune(config: Config, lock: dict[str, int]) -> dict[str, int]:
    """The lock without entries of environments that no longer use the shared listener."""
    live = {c.stack_name for c in config.customers if not c.dedicated_alb}
    return {name: number for name, number in lock.items() if name in live}


def prune_lock(directory: Path, config: Config, lock: dict[str, int]) -> list[str]:
    """Drop the lock's entries of environments that are gone, in the file; return their names."""
    pruned = prune(config, lock)
    removed = sorted(set(lock) - set(pruned))
    if removed:
        write_lock(directory, pruned)
    return removed


def table(allocation: Allocation) -> list[str]:
    """One line per number, lowest first: who holds it, and whether it is new, locked or retired."""
    lines = []
    for name, number in sorted(allocation.priorities.items(), key=lambda item: item[1]):
        lines.append(f"{number:>6}  {name}  ({'new' if name in allocation.added else 'locked'})")
    for name in sorted(set(allocation.lock) - set(allocation.priorities)):
        lines.append(f"{allocation.lock[name]:>6}  {name}  (retired: no longer on the shared listener; see --prune)")
    return lines
