"""Stable shared-listener rule priorities and shared load balancer shards, recorded in a
committed lock file.

Every environment on a shared 443 listener needs a unique rule priority that never changes
when other customers come and go, and a shard: which of the shared load balancers
(``shared-alb``, ``shared-alb-2``, …) it runs behind. ``priorities.lock`` (next to the customer
files) records both; synth adds entries for new environments and never rewrites an existing
one. A new environment goes to the first shard with room (``platform.yaml: shared_alb``);
without ``dns.zone_id`` there is one shard, and an environment past its capacity is refused.
Moving an environment to another shard is an edit of its entry, reviewed like any change.

A ``priority:`` pin in a customer file wins and is recorded too. Numbers that an old rule may
still hold stay reserved, so they are not handed out again: the entries of removed
environments, and an environment's previous number when a pin moves it (``acme-dev@100: 100``).
``vending priorities --prune`` drops them once those rules are gone.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from vending.errors import ConfigError
from vending.files import write_atomically
from vending.model.config import Config, Customer
from vending.model.limits import ALB_CERTIFICATES_QUOTA, ALB_TARGET_GROUPS_QUOTA, RULE_PRIORITY_MAX
from vending.model.naming import shared_alb_stack
from vending.model.yaml_reader import read_yaml

LOCK_FILE = "priorities.lock"
# Every rule priority (up to 50,000) held by a long stack name fits: unlike a customer file, the
# lock grows with the platform.
LOCK_MAX_BYTES = 8 * 1024 * 1024
FIRST_PRIORITY = 100  # 1–99 stay free for platform-wide rules
HEADER = """\
# Shared-listener rule priorities and load balancer shards (written by synth; commit this file).
# An entry never changes once written, so adding or removing a customer leaves every other
# rule alone: `acme-dev: 100` is priority 100 on shared-alb, `acme-dev: {priority: 180, shard: 2}`
# on shared-alb-2. Pin a number with `priority:` in the customer file; move an environment to
# another shard by editing its entry. Entries of removed environments stay until
# `vending priorities --prune` (once their rules are gone).
"""
# An entry's key: an environment (acme-dev), or the number it held before a pin (acme-dev@100).
_KEY = re.compile(r"(?P<stack>[a-z][a-z0-9]*(?:-[a-z0-9]+)*-[a-z][a-z0-9]*)(?:@(?P<previous>[0-9]+))?")
_ENTRY_KEYS = {"priority", "shard"}


@dataclass(frozen=True)
class Lock:
    priorities: dict[str, int] = field(default_factory=dict)  # entry → rule priority
    shards: dict[str, int] = field(default_factory=dict)  # environment → its shard, where not the first

    def shard(self, stack: str) -> int:
        return self.shards.get(stack, 1)

    def without(self, names: set[str]) -> Lock:
        """The lock with none of ``names``' entries."""
        return Lock(
            {name: number for name, number in self.priorities.items() if name not in names},
            {name: shard for name, shard in self.shards.items() if name not in names},
        )


@dataclass(frozen=True)
class Allocation:
    priorities: dict[str, int]  # stack name → priority, for environments on a shared listener
    shards: dict[str, int]  # stack name → shard, likewise
    lock: Lock  # the lock file's new content
    added: list[str] = field(default_factory=list)  # environments that got a number just now

    def changed(self, previous: Lock) -> bool:
        return self.lock != previous

    @property
    def shard_count(self) -> int:
        """How many shared load balancers there are: up to the highest shard that holds an entry."""
        return max(self.lock.shards.values(), default=1)


def _entry(value: object) -> tuple[object, object]:
    """(priority, shard) of a lock entry's value: a number, or {priority: …, shard: …}."""
    if isinstance(value, dict) and set(value) == _ENTRY_KEYS:
        return value["priority"], value["shard"]
    return value, 1


def read_lock(directory: Path) -> Lock:
    """The lock's entries, checked: keys are stack names (or ``<stack>@<number>``), numbers
    1–50000, each number once, shards from 1. A missing lock is empty."""
    path = directory / LOCK_FILE
    if not path.exists():
        return Lock()
    data, problems = read_yaml(path, str(path), max_bytes=LOCK_MAX_BYTES, empty={})
    if problems:
        raise ConfigError(problems)
    numbers, shards = {}, {}
    for key, value in data.items():
        found = _KEY.fullmatch(key) if isinstance(key, str) else None
        number, shard = _entry(value)
        if found is None:
            problems.append(f"{path}: {key!r}: not an environment's stack name like acme-dev")
        elif type(number) is not int or not 1 <= number <= RULE_PRIORITY_MAX:
            problems.append(
                f"{path}: {key}: must be a priority 1–{RULE_PRIORITY_MAX}, or {{priority: …, shard: …}} (got {value!r})"
            )
        elif type(shard) is not int or shard < 1 or (shard > 1 and found["previous"] is not None):
            problems.append(f"{path}: {key}: shard must be a whole number from 1 (got {shard!r})")
        elif found["previous"] is not None and int(found["previous"]) != number:
            problems.append(f"{path}: {key}: a previous number must be the number itself (got {number})")
        else:
            numbers[key] = number
            if shard > 1:
                shards[key] = shard
    holders: dict[int, str] = {}
    for key, number in numbers.items():
        if number in holders:
            problems.append(f"{path}: {key}: priority {number} is also held by {holders[number]}")
        holders.setdefault(number, key)
    if problems:
        raise ConfigError(problems)
    return Lock(numbers, shards)


def write_lock(directory: Path, lock: Lock) -> None:
    path = directory / LOCK_FILE
    lines = []
    for name, number in sorted(lock.priorities.items()):
        shard = lock.shard(name)
        lines.append(f"{name}: {number}\n" if shard == 1 else f"{name}: {{priority: {number}, shard: {shard}}}\n")
    write_atomically(path, HEADER + "".join(lines))


def _shared(config: Config) -> list[Customer]:
    return [c for c in config.customers if not c.dedicated_alb]


def _certificate(customer: Customer) -> bool:
    """Whether the environment adds a certificate to its shard's listener (a custom domain)."""
    return customer.domain is not None


class _Shards:
    """Room on each shard: environments (a listener rule and a target group each) and certificates."""

    def __init__(self, config: Config, lock: Lock):
        self.platform = config.platform
        self.sources = config.source_files
        self.environments = Counter(lock.shard(name) for name in lock.priorities if "@" not in name)
        self.certificates = Counter(
            lock.shard(c.stack_name) for c in _shared(config) if _certificate(c) and c.stack_name in lock.priorities
        )

    def choose(self, customer: Customer) -> int:
        """The first shard with room for ``customer``, counted in."""
        capacity = self.platform.shared_alb
        shard = 1
        while self.environments[shard] >= capacity.capacity or (
            _certificate(customer) and self.certificates[shard] >= capacity.certificates
        ):
            if self.platform.dns is None:
                raise ConfigError([self._full(customer)])
            shard += 1
        self.environments[shard] += 1
        self.certificates[shard] += _certificate(customer)
        return shard

    def _full(self, customer: Customer) -> str:
        capacity = self.platform.shared_alb
        name = self.platform.names.shared_alb()
        if self.environments[1] >= capacity.capacity:
            held = (
                f"it holds {self.environments[1]} environments, platform.yaml: shared_alb.capacity is"
                f" {capacity.capacity} (AWS allows {ALB_TARGET_GROUPS_QUOTA} target groups per load balancer,"
                " not adjustable)"
            )
        else:
            held = (
                f"it holds {self.certificates[1]} custom domains' certificates, platform.yaml:"
                f" shared_alb.certificates is {capacity.certificates} (AWS allows {ALB_CERTIFICATES_QUOTA}"
                " per load balancer)"
            )
        return (
            f"{self.sources.get(customer.stack_name, customer.stack_name)}: no room on the shared load balancer"
            f" {name}: {held}; set platform.yaml: dns.zone_id (the platform domain's Route 53 zone) so that"
            " environments spread over more load balancers"
        )


def allocate(config: Config, lock: Lock, lock_path: str = LOCK_FILE) -> Allocation:
    """Give every shared-listener environment its priority and shard; raise ConfigError on a clash,
    or when an environment does not fit."""
    shared = _shared(config)
    pins = {c.stack_name: c.priority for c in shared if c.priority is not None}
    problems = []
    owner_of = {number: name for name, number in lock.priorities.items()}
    for name, number in sorted(pins.items()):
        holder = owner_of.get(number)
        if holder is not None and holder.split("@")[0] != name:  # its own previous number is free to it
            problems.append(
                f"{config.source_files[name]}: priority: {number} is already held by {holder} in {lock_path}"
            )
    if config.platform.dns is None:
        for name, shard in sorted(lock.shards.items()):
            problems.append(
                f"{lock_path}: {name}: shard {shard} needs platform.yaml: dns.zone_id (without a Route 53 zone"
                " there is one shared load balancer: several cannot share one wildcard record)"
            )
    if problems:
        raise ConfigError(problems)

    old = lock.priorities
    new_lock = {name: number for name, number in old.items() if name not in pins and number not in pins.values()}
    for name, number in pins.items():
        if old.get(name, number) != number:  # the old rule may still be deployed: keep its number
            new_lock[f"{name}@{old[name]}"] = old[name]
    new_lock.update(pins)
    taken = set(new_lock.values())
    room = _Shards(config, lock)
    new_shards = {name: shard for name, shard in lock.shards.items() if name in new_lock}
    added = []
    next_free = FIRST_PRIORITY
    for customer in shared:  # sorted by stack name, so allocation is deterministic
        name = customer.stack_name
        if name not in old:
            new_shards[name] = room.choose(customer)
        if name in new_lock:
            continue
        while next_free in taken:
            next_free += 1
        if next_free > RULE_PRIORITY_MAX:
            raise ConfigError([f"{lock_path}: no free listener priority left"])
        new_lock[name] = next_free
        taken.add(next_free)
        added.append(name)
    new = Lock(dict(sorted(new_lock.items())), {n: s for n, s in sorted(new_shards.items()) if s > 1})
    priorities = {c.stack_name: new_lock[c.stack_name] for c in shared}
    shards = {c.stack_name: new.shard(c.stack_name) for c in shared}
    return Allocation(priorities=priorities, shards=shards, lock=new, added=added)


def prune(config: Config, lock: Lock) -> Lock:
    """The lock without the numbers held for old rules: entries of environments that no longer
    use a shared listener, and previous numbers. Run it once those rules are gone."""
    live = {c.stack_name for c in _shared(config)}
    return lock.without(set(lock.priorities) - live)


def prune_lock(directory: Path, config: Config, lock: Lock) -> list[str]:
    """Drop the lock's entries of environments that are gone, in the file; return their names."""
    pruned = prune(config, lock)
    removed = sorted(set(lock.priorities) - set(pruned.priorities))
    if removed:
        write_lock(directory, pruned)
    return removed


def added(allocation: Allocation, shown: int = 10) -> str:
    """The new numbers, for the line that says the lock was updated: the first ``shown`` of them,
    and how many more (500 new environments make one line, not 500)."""
    named = [f"{name} → {allocation.lock.priorities[name]}" for name in allocation.added[:shown]]
    more = len(allocation.added) - len(named)
    return ", ".join(named) + (f", … and {more:,} more" if more > 0 else "") or "pins recorded"


def table(allocation: Allocation) -> list[str]:
    """One line per number, lowest first: who holds it, on which shard, and whether it is new,
    locked or retired."""
    lines = []
    for name, number in sorted(allocation.priorities.items(), key=lambda item: item[1]):
        shard = shared_alb_stack(allocation.shards[name])
        lines.append(f"{number:>6}  {name}  {shard}  ({'new' if name in allocation.added else 'locked'})")
    lock = allocation.lock
    for name in sorted(set(lock.priorities) - set(allocation.priorities)):
        why = "previous number, until the environment is applied" if "@" in name else "no longer on the shared listener"
        lines.append(f"{lock.priorities[name]:>6}  {name}  (retired: {why}; see --prune)")
    return lines
