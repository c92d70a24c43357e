"""Drift: refresh-only plans that compare each stack's state with what AWS holds now.

Every resource changed or deleted outside Terraform is reported with the attributes that
differ (state → now), sensitive values hidden. Stacks that were never deployed are skipped
with a note. Exit status: 2 drift found, 0 none, 1 error.
"""

from __future__ import annotations

from pathlib import Path

from vending.review import model
from vending.review import report as review
from vending.review.model import NO_STATE, StackReview
from vending.review.report import code, drift_lines

SKIPPED = "not deployed: skipped"


def check(
    outdir: Path, stacks: list[str], env: dict[str, str], *, jobs: int = 2, how: str = "quiet"
) -> list[StackReview]:
    return model.plan_stacks(outdir, stacks, env, jobs=jobs, refresh_only=True, how=how)


def exit_status(reviews: list[StackReview]) -> int:
    return model.exit_status(reviews, found=lambda r: r.drift)


def _status(r: StackReview) -> str:
    if r.error:
        return "❌ error"
    if r.note == NO_STATE:
        return SKIPPED
    return f"⚠️ {len(r.drift)} resource(s) changed outside Terraform" if r.drift else "in sync"


def markdown(reviews: list[StackReview]) -> str:
    drifted = [r for r in reviews if r.drift]
    lines = [f"## Drift: {len(drifted)} of {len(reviews)} stacks changed outside Terraform", ""]
    lines += ["| stack | environment | |", "|---|---|---|"]
    lines += [f"| {code(r.stack)} | {r.environment} | {_status(r)} |" for r in reviews]
    for r in reviews:
        if r.drift or r.error:
            lines += ["", f"### {code(r.stack)} · {r.environment}", ""]
            lines += [review.fenced(r.error)] if r.error else ["in state → in AWS now:", "", *drift_lines(r.drift)]
    return "\n".join(lines) + "\n"


def text(reviews: list[StackReview]) -> str:
    lines = []
    for r in reviews:
        lines.append(f"{r.stack}: {_status(r)}")
        if r.error:
            lines += [f"  {line}" for line in r.error.splitlines()]
        for change in r.drift:
            gone = " (deleted)" if change.action == "delete" else ""
            lines.append(f"  {change.address}{gone}")
            lines += [f"    {path}: {review.plain(old)} → {review.plain(new)}" for path, old, new in change.values]
    return "\n".join(lines) + "\n"
