"""The plan review's model: what a stack's plan (or its absence, or its error) says, and how the
stacks are planned for it. report.py renders it: Markdown for a pull request's comment, and data.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vending.model.naming import (
    PIPELINE_SUFFIX,
    SHARED_ALB_STACK,
    platform_stack,
    production_stack,
    stack_environment,
)
from vending.ops import progress, terraform
from vending.review import plans
from vending.review.plans import ResourceChange
from vending.synth import output

ACTIONS = ("create", "update", "replace", "delete")
# Resources whose loss loses data (or the keys to it): destroying or replacing one is loud.
STATEFUL = (
    "aws_db_instance",
    "aws_rds_cluster",
    "aws_s3_bucket",  # and its settings (versioning, lifecycle, encryption …)
    "aws_kms_key",
    "aws_dynamodb_table",
    "aws_efs_file_system",
    "aws_ebs_volume",
    "aws_elasticache_",
    "aws_secretsmanager_secret",
    "aws_cloudwatch_log_group",
    "aws_ecr_repository",
)
# Terraform's error when a plan would destroy a resource with lifecycle.prevent_destroy.
PREVENTED = re.compile(r"Resource\s+(\S+)\s+has\s+lifecycle\.prevent_destroy\s+set")
NO_STATE = "new stack"
WAITING = "⏳ planned once"
PREFLIGHT = "preflight failed:"  # the first line of a stack's error when the live preflight refused it


def stateful(change: ResourceChange) -> bool:
    """Destroys or replaces data, or moves the stack's state (its backend changes)."""
    if change.type == "terraform":
        return any(path.startswith(("backend", "cloud")) for path in change.paths)
    return change.action in ("delete", "replace") and change.type.startswith(STATEFUL)


@dataclass(frozen=True)
class StackReview:
    stack: str
    changes: tuple[ResourceChange, ...] = ()
    drift: tuple[ResourceChange, ...] = ()  # changed outside Terraform, found while refreshing
    text: str = ""  # the plan as Terraform prints it
    error: str = ""
    note: str = ""  # why nothing was planned, e.g. no state yet

    @property
    def environment(self) -> str:
        return stack_environment(self.stack)

    @property
    def production(self) -> bool:
        return production_stack(self.stack)

    def count(self, action: str) -> int:
        return sum(change.action == action for change in self.changes)

    def counts(self) -> dict[str, int]:
        """Resources added, changed (replaced ones too) and destroyed, as a run's summary says them."""
        changed = self.count("update") + self.count("replace")
        return {"add": self.count("create"), "change": changed, "destroy": self.count("delete")}

    @property
    def needs_approval(self) -> bool:
        return self.production and bool(self.changes)


def from_plan(stack: str, plan: plans.Plan) -> StackReview:
    changes, drift = tuple(plans.resource_changes(plan.json)), tuple(plans.drift(plan.json))
    return StackReview(stack, changes, drift, plan.text, note="" if plans.has_state(plan.json) else NO_STATE)


def plan_stacks(
    outdir: Path,
    stacks: Iterable[str],
    env: dict[str, str],
    *,
    jobs: int = 2,
    refresh_only: bool = False,
    refused: Mapping[str, list[str]] | None = None,
    how: str = "quiet",
) -> list[StackReview]:
    """``terraform init`` and plan each stack of a synthesized output, ``jobs`` at a time; the
    stacks the preflight ``refused`` are not planned. ``how``: the progress's way (progress.MODES)."""
    stacks = list(stacks)
    manifest = output.stacks(outdir) if stacks else {}  # no stacks: maybe no outdir
    shown = progress.Progress(len(stacks), title="drift" if refresh_only else "review", how=how)

    def one(stack: str) -> StackReview:
        shown.phase(stack, "refresh" if refresh_only else "plan")
        found = reviewed(stack)
        counts = {"add": 0, "change": len(found.drift), "destroy": 0} if refresh_only else found.counts()
        shown.done(stack, not found.error, counts, found.note, failed="not planned")  # or waiting: see waiting()
        return found

    def reviewed(stack: str) -> StackReview:
        if refused and stack in refused:
            return preflight_refused(stack, refused[stack])
        if stack not in manifest:
            return StackReview(stack, error=f"{stack} is not in {outdir}: synthesize it first")
        directory = outdir / manifest[stack]["workingDirectory"]
        try:
            terraform.init(directory, env)
            return from_plan(stack, plans.run_plan(directory, env, refresh_only=refresh_only))
        except (RuntimeError, OSError, ValueError) as error:
            return StackReview(stack, error=str(error))

    with shown, ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        reviews = list(pool.map(one, stacks))
    return [waiting(r, reviews) for r in reviews]


def preflight_refused(stack: str, problems: list[str]) -> StackReview:
    """A stack the live preflight refused: not planned, its error each problem a line."""
    return StackReview(stack, error="\n".join([PREFLIGHT, *problems]))


def waiting(review: StackReview, reviews: list[StackReview]) -> StackReview:
    """A stack that cannot be planned before a stack it looks up exists, planned beside it: a new
    environment's pipeline (its data sources find the environment's autoscaling group and target
    group), every environment of a new shard of the shared load balancer, and every shard after
    the first of a new platform (they find the network and log bucket of shared-alb)."""
    if not review.error or review.stack == SHARED_ALB_STACK:
        return review
    new = {r.stack for r in reviews if r.note == NO_STATE}
    failed = {r.stack for r in reviews if r.error}
    new_shards = sorted(s for s in new if platform_stack(s))
    environment_stack = review.stack.removesuffix(PIPELINE_SUFFIX)
    if review.stack.endswith(PIPELINE_SUFFIX) and (
        environment_stack in new or (environment_stack in failed and new_shards)
    ):
        return StackReview(review.stack, note=f"{WAITING} {environment_stack} is applied")
    if platform_stack(review.stack) and SHARED_ALB_STACK in new:
        return StackReview(review.stack, note=f"{WAITING} {SHARED_ALB_STACK} is applied")
    if not review.stack.endswith(PIPELINE_SUFFIX) and new_shards:
        verb = "is" if len(new_shards) == 1 else "are"
        return StackReview(review.stack, note=f"{WAITING} {', '.join(new_shards)} {verb} applied")
    return review


def exit_status(reviews: list[StackReview], found: Callable[[StackReview], Any] = lambda r: r.changes) -> int:
    """1 if a stack could not be planned, else 2 if any shows what ``found`` looks for, else 0."""
    if any(review.error for review in reviews):
        return 1
    return 2 if any(found(review) for review in reviews) else 0
