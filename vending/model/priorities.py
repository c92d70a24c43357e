"""Stable shared-listener rule priorities, recorded in a committed lock file.

Every environment on the shared 443 listener needs a unique rule priority that never changes
when other customers come and go. ``priorities.lock`` (next to the customer files) records
each environment's number; synth adds entries for new environments and never rewrites an
existing one. A ``priority:`` pin in a customer file wins and is recorded too. Numbers that an
old rule may still hold stay reserved, so they are not handed out again: the entries of
removed environments, and an environment's previous number when a pin moves it
(``acme-dev@100: 100``). ``vending priorities --prune`` drops them once those rules are gone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from vending.errors import ConfigError
from vending.files import write_atomically
from vending.model.config import Config
from vending.model.limits import RULE_PRIORITY_MAX
from vending.model.yaml_reader import read_yaml

LOCK_FILE = "priorities.lock"
# Every rule priority (up to 50,000) held by a long stack name fits: unlike a customer file, the
# lock grows with the platform.
LOCK_MAX_BYTES = 8 * 1024 * 1024
FIRST_PRIORITY = 100  # 1–99 stay free for platform-wide rules
HEADER = """\
# Shared-listener rule priorities (written by synth; commit this file).
# An entry never changes once written, so adding or removing a customer leaves every other
# rule alone. Pin a number with `priority:` in the customer file. Entries of removed
# environments stay until `python -m vending priorities --prune` (after `cdktf destroy`).
"""
# An entry's key: an environment (acme-dev), or the number it held before a pin (acme-dev@100).
_KEY = re.compile(r"(?P<stack>[a-z][a-z0-9]*(?:-[a-z0-9]+)*-[a-z][a-z0-9]*)(?:@(?P<previous>[0-9]+))?")


@dataclass(frozen=True)
class Allocation:
    priorities: dict[str, int]  # stack name → priority, for environments on the shared listener
    lock: dict[str, int]  # the lock file's new content
    added: list[str] = field(default_factory=list)  # environments that got a number just now

    def changed(self, previous: dict[str, int]) -> bool:
        return self.lock != previous


def read_lock(directory: Path) -> dict[str, int]:
    """The lock's entries, checked: keys are stack names (or ``<stack>@<number>``), numbers
    1–50000, each number once. A missing lock is empty."""
    path = directory / LOCK_FILE
    if not path.exists():
        return {}
    data, problems = read_yaml(path, str(path), max_bytes=LOCK_MAX_BYTES, empty={})
    if problems:
        raise ConfigError(problems)
    for key, number in data.items():
        found = _KEY.fullmatch(key) if isinstance(key, str) else None
        if found is None:
            problems.append(f"{path}: {key!r}: not an environment's stack name like acme-dev")
        elif type(number) is not int or not 1 <= number <= RULE_PRIORITY_MAX:
            problems.append(f"{path}: {key}: must be a priority 1–{RULE_PRIORITY_MAX} (got {number!r})")
        elif found["previous"] is not None and int(found["previous"]) != number:
            problems.append(f"{path}: {key}: a previous number must be the number itself (got {number})")
    holders: dict[int, str] = {}
    for key, number in data.items():
        if type(number) is int and number in holders:
            problems.append(f"{path}: {key}: priority {number} is also held by {holders[number]}")
        holders.setdefault(number, key)
    if problems:
        raise ConfigError(problems)
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
        if holder is not None and holder.split("@")[0] != name:  # its own previous number is free to it
            problems.append(
                f"{config.source_files[name]}: priority: {number} is already held by {holder} in {lock_path}"
            )
    if problems:
        raise ConfigError(problems)

    new_lock = {name: number for name, number in lock.items() if name not in pins and number not in pins.values()}
    for name, number in pins.items():
        if lock.get(name, number) != number:  # the old rule may still be deployed: keep its number
            new_lock[f"{name}@{lock[name]}"] = lock[name]
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
    """The lock without the numbers held for old rules: entries of environments that no longer
    use the shared listener, and previous numbers. Run it once those rules are gone."""
    live = {c.stack_name for c in config.customers if not c.dedicated_alb}
    return {name: number for name, number in lock.items() if name in live}


def prune_lock(directory: Path, config: Config, lock: dict[str, int]) -> list[str]:
    """Drop the lock's entries of environments that are gone, in the file; return their names."""
    pruned = prune(config, lock)
    removed = sorted(set(lock) - set(pruned))
    if removed:
        write_lock(directory, pruned)
    return removed


def added(allocation: Allocation, shown: int = 10) -> str:
    """The new numbers, for the line that says the lock was updated: the first ``shown`` of them,
    and how many more (500 new environments make one line, not 500)."""
    named = [f"{name} → {allocation.lock[name]}" for name in allocation.added[:shown]]
    more = len(allocation.added) - len(named)
    return ", ".join(named) + (f", … and {more:,} more" if more > 0 else "") or "pins recorded"


def table(allocation: Allocation) -> list[str]:
    """One line per number, lowest first: who holds it, and whether it is new, locked or retired."""
    lines = []
    for name, number in sorted(allocation.priorities.items(), key=lambda item: item[1]):
        lines.append(f"{number:>6}  {name}  ({'new' if name in allocation.added else 'locked'})")
    for name in sorted(set(allocation.lock) - set(allocation.priorities)):
        why = "previous number, until the environment is applied" if "@" in name else "no longer on the shared listener"
        lines.append(f"{allocation.lock[name]:>6}  {name}  (retired: {why}; see --prune)")
    return lines
