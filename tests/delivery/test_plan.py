"""The plan directory's manifest and review, and plans made in shards merged into one (the plans
themselves are made by Terraform on the emulator: tests/e2e/test_flow_e2e.py)."""

from __future__ import annotations

import json

import pytest

from vending.delivery import plan
from vending.errors import ConfigError
from vending.review import plans
from vending.review.model import NO_STATE, StackReview

SECRET_CHANGE = plans.ResourceChange(
    "aws_db_instance.database",
    "aws_db_instance",
    "update",
    ("password", "instance_class"),
    values=(("password", plans.SENSITIVE, plans.SENSITIVE), ("instance_class", "db.t3.micro", "db.t3.small")),
)


def planned(part, stack, *, commit="c0ffee", changes=(), note=""):
    """A stack planned into the plan directory ``part``, as plan_stack leaves it."""
    into = part / "stacks" / stack
    into.mkdir(parents=True)
    (into / "tfplan").write_bytes(stack.encode())
    saved = plan.Saved(commit, "s3", None if note else 3, None if note else "l1", "p", "s", bool(changes))
    found = StackReview(stack, tuple(changes), text=f"plan of {stack}", note=note)
    plan.keep(into, saved, found)
    return found


def part_of(tmp_path, shard, reviews, commit="c0ffee"):
    """Shard ``shard`` (I/N) of a run's plans."""
    part = tmp_path / shard.replace("/", "-of-")
    for review in reviews:
        if not review.error:
            planned(part, review.stack, commit=commit, changes=review.changes, note=review.note)
    plan.write(part, reviews, commit=commit, intro="Stacks not applied at this commit yet.", removed=[], shard=shard)
    return part


def test_shards_merge_into_one_manifest_with_its_waves_and_one_review(tmp_path):
    first = part_of(
        tmp_path, "1/2", [StackReview("acme-dev", note=NO_STATE), StackReview("acme-prod", (SECRET_CHANGE,))]
    )
    # The pipeline of a new environment planned in another shard: an error there, waiting once merged.
    second = part_of(
        tmp_path, "2/2", [StackReview("acme-dev-pipeline", error="no autoscaling group"), StackReview("shared-alb")]
    )
    assert plan.read(second)["not_planned"] == {"acme-dev-pipeline": {"error": "no autoscaling group", "note": ""}}

    reviews = plan.merge([first, second], tmp_path / "all")

    document = plan.read(tmp_path / "all")
    assert sorted(document["stacks"]) == ["acme-dev", "acme-prod", "shared-alb"]
    assert [(w["kind"], w["stacks"]) for w in document["waves"]] == [
        ("platform", ["shared-alb"]),
        ("environments", ["acme-dev", "acme-prod"]),
    ]
    assert document["not_planned"] == {
        "acme-dev-pipeline": {"error": "", "note": "⏳ planned once acme-dev is applied"}
    }
    assert document["intro"] == "Stacks not applied at this commit yet."
    assert (tmp_path / "all" / "stacks" / "acme-prod" / "tfplan").read_bytes() == b"acme-prod"
    # The review keeps what it is shown in place of (a sensitive value), not a quoted string.
    (prod,) = [r for r in reviews if r.stack == "acme-prod"]
    assert prod.changes == (SECRET_CHANGE,) and isinstance(prod.changes[0].values[0][1], plans.Shown)
    text = (tmp_path / "all" / "review.md").read_text()
    assert "_(sensitive)_" in text and '"(sensitive)"' not in text
    assert '`"db.t3.micro"` → `"db.t3.small"`' in text


def test_only_each_shard_of_one_run_once_is_merged(tmp_path):
    one = part_of(tmp_path, "1/2", [StackReview("acme-dev")])
    again = part_of(tmp_path, "2/2", [StackReview("acme-dev")])
    with pytest.raises(ConfigError, match="acme-dev: planned in both"):
        plan.merge([one, again], tmp_path / "all")
    with pytest.raises(ConfigError, match=r"these: 1/2; expected: 1/2, 2/2"):
        plan.merge([one], tmp_path / "all")  # a shard missing (its runner failed, say)
    with pytest.raises(ConfigError, match=r"these: 1/2, 1/2"):
        plan.merge([one, one], tmp_path / "all")
    other = part_of(tmp_path, "2/2", [StackReview("acme-prod")], commit="beef")
    with pytest.raises(ConfigError, match="plans of different commits"):
        plan.merge([one, other], tmp_path / "all")


def test_plans_never_go_into_a_directory_that_holds_plans(tmp_path):
    one = part_of(tmp_path, "1/1", [StackReview("acme-dev")])
    with pytest.raises(ConfigError, match="holds plans already"):
        plan.merge([one], one)
    with pytest.raises(ConfigError, match="holds plans already"):
        plan.plan(tmp_path, ["acme-dev"], one, {}, commit="c0ffee")


def test_a_directory_without_plans_or_of_another_format_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="no plans to apply"):
        plan.read(tmp_path)
    (tmp_path / "plans.json").write_text(json.dumps({"format": 99}))
    with pytest.raises(ConfigError, match="format 99"):
        plan.read(tmp_path)


def test_a_retiring_stacks_error_stands_beside_a_new_shard(tmp_path):
    """A new shard makes the other environments' errors a wait; not a retiring one's refusal."""
    out = tmp_path / "plans"
    planned(out, "shared-alb-2", commit="c0ffee", changes=(), note=NO_STATE)
    refused = StackReview("acme-prod", error="Error: Instance cannot be destroyed\n\nacme-prod is production")
    waiting = StackReview("globex-dev", error="no shard 2 yet")
    reviews = plan.write(
        out,
        [StackReview("shared-alb-2", note=NO_STATE), refused, waiting],
        commit="c0ffee",
        intro="",
        removed=[],
        retiring={"acme-prod": []},
    )
    by_stack = {r.stack: r for r in reviews}
    assert by_stack["acme-prod"].error == refused.error
    assert by_stack["globex-dev"].note == "⏳ planned once shared-alb-2 is applied"
