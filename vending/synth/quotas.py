"""AWS's quotas, counted on the synthesized stacks: what every load balancer and security group
holds, across the stacks that add to it, and what the whole platform adds to one account.

A load balancer is known by its name wherever a stack holds or looks it up; a listener rule, a
listener certificate or a security group rule is counted against the load balancer or group its
reference resolves to (``${aws_lb_listener.x.arn}`` in its own stack, or
``${data.aws_lb_listener.x.arn}`` found by name). Per load balancer and per security group, a
count past the quota is refused at synth (``over``); per account, the quotas can be raised, so
the counts are reported with their headroom.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from vending.model.limits import (
    ACCOUNT_QUOTAS,
    ALB_CERTIFICATES_QUOTA,
    ALB_LISTENERS_QUOTA,
    ALB_RULES_QUOTA,
    ALB_TARGET_GROUPS_QUOTA,
    SECURITY_GROUP_RULES_QUOTA,
)

_REFERENCE = re.compile(r"\$\{((?:data\.)?aws_[a-z0-9_]+)\.([^.}]+)\.(?:arn|id)\}")

LOAD_BALANCER_QUOTAS = {
    "listener rules": ALB_RULES_QUOTA,
    "target groups": ALB_TARGET_GROUPS_QUOTA,
    "certificates": ALB_CERTIFICATES_QUOTA,
    "listeners": ALB_LISTENERS_QUOTA,
}
ACCOUNT_RESOURCES = {
    "application load balancers": "aws_lb",
    "Auto Scaling groups": "aws_autoscaling_group",
    "RDS DB instances": "aws_db_instance",
    "IAM roles": "aws_iam_role",
    "security groups per VPC": "aws_security_group",
}


@dataclass(frozen=True)
class Count:
    holder: str  # a load balancer's or security group's name, or "account"
    what: str  # "target groups", "egress rules", …
    count: int
    quota: int
    shared: bool = True  # False for a security group only its own stack uses (one per environment)

    @property
    def over(self) -> bool:
        return self.count > self.quota

    @property
    def line(self) -> str:
        return f"{self.holder}: {self.count:,} of {self.quota:,} {self.what} ({self.quota - self.count:,} to spare)"


class _Stack:
    """One stack's resources and data sources, and the names its references resolve to."""

    def __init__(self, config: Mapping[str, Any]):
        self.resources = config.get("resource", {})
        self.data = config.get("data", {})

    def blocks(self, kind: str) -> Iterable[dict]:
        return self.resources.get(kind, {}).values()

    def target(self, reference: str) -> tuple[str, dict] | None:
        """The block a ``${type.name.arn}`` reference points at, with its type."""
        found = _REFERENCE.fullmatch(reference) if isinstance(reference, str) else None
        if found is None:
            return None
        kind, name = found[1], found[2]
        blocks = (
            self.data.get(kind.removeprefix("data."), {}) if kind.startswith("data.") else self.resources.get(kind, {})
        )
        return (kind, blocks[name]) if name in blocks else None

    def load_balancer(self, reference: str) -> str | None:
        """The name of the load balancer that a listener or load balancer reference ends at."""
        found = self.target(reference)
        if found is None:
            return None
        kind, block = found
        if kind.endswith("aws_lb"):
            return block.get("name")
        if kind.endswith("aws_lb_listener"):
            return self.load_balancer(block.get("load_balancer_arn"))
        return None

    def security_group(self, reference: str) -> str | None:
        found = self.target(reference)
        return found[1].get("name") if found and found[0].endswith("aws_security_group") else None


def footprint(config: Mapping[str, Any]) -> dict[str, Any]:
    """What one stack adds to each load balancer, security group and the account: small and
    JSON, so that the synth cache keeps it beside the stack and a synth reads no stack twice."""
    stack = _Stack(config)
    balancers: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(LOAD_BALANCER_QUOTAS, 0))
    target_groups: dict[str, set[str]] = defaultdict(set)
    groups: dict[str, dict[str, int]] = defaultdict(lambda: {"ingress": 0, "egress": 0})
    for listener in stack.blocks("aws_lb_listener"):
        if balancer := stack.load_balancer(listener.get("load_balancer_arn")):
            balancers[balancer]["listeners"] += 1
    for rule in stack.blocks("aws_lb_listener_rule"):
        if balancer := stack.load_balancer(rule.get("listener_arn")):
            balancers[balancer]["listener rules"] += 1
            forwards = rule.get("action", [])
            target_groups[balancer].update(a["target_group_arn"] for a in forwards if "target_group_arn" in a)
    for certificate in stack.blocks("aws_lb_listener_certificate"):
        if balancer := stack.load_balancer(certificate.get("listener_arn")):
            balancers[balancer]["certificates"] += 1
    for balancer in balancers:
        balancers[balancer]["target groups"] = len(target_groups[balancer])
    for direction in ("ingress", "egress"):
        for rule in stack.blocks(f"aws_vpc_security_group_{direction}_rule"):
            if group := stack.security_group(rule.get("security_group_id")):
                groups[group][direction] += 1
    return {
        "balancers": dict(balancers),
        "groups": dict(groups),
        "looked_up": sorted({block.get("name") for block in stack.data.get("aws_security_group", {}).values()}),
        "account": {what: len(stack.resources.get(kind, {})) for what, kind in ACCOUNT_RESOURCES.items()},
    }


def total(footprints: Iterable[Mapping[str, Any]]) -> list[Count]:
    """Every load balancer's and security group's counts, then the account's, in a stable order.
    A group that other stacks look up (a load balancer's, which fleets admit) is ``shared``."""
    balancers: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(LOAD_BALANCER_QUOTAS, 0))
    rules: dict[tuple[str, str], int] = defaultdict(int)
    looked_up: set[str] = set()
    account = dict.fromkeys(ACCOUNT_RESOURCES, 0)
    for found in footprints:
        for balancer, held in found["balancers"].items():
            for what, n in held.items():
                balancers[balancer][what] += n
        for group, directions in found["groups"].items():
            for direction, n in directions.items():
                rules[(group, direction)] += n
        looked_up.update(found["looked_up"])
        for what, n in found["account"].items():
            account[what] += n
    counts = []
    for balancer in sorted(balancers):
        counts += [Count(balancer, what, n, LOAD_BALANCER_QUOTAS[what]) for what, n in balancers[balancer].items()]
    for (group, direction), n in sorted(rules.items()):
        if n:
            counts.append(Count(group, f"{direction} rules", n, SECURITY_GROUP_RULES_QUOTA, shared=group in looked_up))
    counts += [Count("account", what, account[what], ACCOUNT_QUOTAS[what]) for what in ACCOUNT_RESOURCES]
    return counts


def count(stacks: Mapping[str, Mapping[str, Any]]) -> list[Count]:
    """The counts of these stacks (their synthesized configurations, by name)."""
    return total(footprint(config) for config in stacks.values())


def over(counts: Iterable[Count]) -> list[str]:
    """What AWS would refuse: a load balancer or security group past its quota."""
    return [
        f"{c.holder}: {c.count:,} {c.what}, past AWS's quota of {c.quota:,}"
        f" per {'security group and direction' if c.what in ('ingress rules', 'egress rules') else 'load balancer'}"
        for c in counts
        if c.over and c.holder != "account"
    ]


def account_warnings(counts: Iterable[Count]) -> list[str]:
    """The account's quotas the platform passes: AWS raises them on request, before the apply."""
    return [
        f"warning: the platform holds {c.count:,} {c.what}, past AWS's default quota of {c.quota:,}:"
        " ask for an increase before applying (Service Quotas)"
        for c in counts
        if c.over and c.holder == "account"
    ]
