"""Where each reviewed fleet's image comes from, and what the review cautions about: a production
fleet that would run the unbaked source image (instance refresh would move production onto
it), and a bake record whose commit is not on the base branch (baked from a laptop's commit,
or from a branch that was squash-merged), or that was baked from a tree with uncommitted
changes. The review shows those of the stacks that change; ``vending review --strict`` fails
on them."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from pathlib import Path

from vending.model import images
from vending.model.config import Config
from vending.review import affected
from vending.review.report import code


def cautions(
    config: Config, images_dir: Path, stacks: Iterable[str], *, repo: Path, base: str | None
) -> dict[str, list[str]]:
    """The cautions about the fleets of ``stacks`` (the environment stacks among them), by stack;
    the record's commit is checked against ``base`` when it is given."""
    found: dict[str, list[str]] = {}
    environments = {customer.stack_name: customer for customer in config.customers}
    # Once per commit: a bake workflow records one commit for many fleets.
    on_base = functools.cache(lambda commit: affected.is_ancestor(repo, commit, base))
    for stack in stacks:
        customer = environments.get(stack)
        if customer is None:  # shared-alb, a pipeline, or a removed environment
            continue
        record = images.read_record(images_dir, stack)
        fleet = images.choose(customer, record)
        path = code(str(images.record_path(images_dir, stack)))
        lines = []
        if fleet.origin == images.UNBAKED and customer.production:
            lines.append(
                f"{code(stack)}: production's fleet would run the unbaked source image {code(fleet.ami_id)}"
                f" (no bake record {path}, no `image.ami_id` pin): bake it (`vending bake {stack}`) or pin an image"
            )
        if fleet.origin == images.BAKED:
            commit = str((record.get("commit") or {}).get("id") or "")
            if record.get("dirty"):
                lines.append(f"{path}: baked from a tree with uncommitted changes (commit {code(commit[:12])})")
            if base and not on_base(commit):
                lines.append(
                    f"{path}: baked from commit {code(commit[:12] or '(none)')}, which is not on {code(base)}"
                    " (a local commit, or a branch squash-merged since?): bake it again from the base branch"
                )
        if lines:
            found[stack] = lines
    return found
