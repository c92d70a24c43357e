"""The plan review report, from a real plan of the emulator (tests/review/fixtures, trimmed to what
the report reads) and from small hand-made changes: actions, warnings, sensitive values,
the size cut and the exit status."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode

from vending.review import model, plans
from vending.review import report as review
from vending.review.model import StackReview
from vending.review.plans import ResourceChange
from vending.review.report import COMMENT_LIMIT, MARKER, render

FIXTURES = Path(__file__).parent / "fixtures"


class MarkdownSnapshot(SingleFileSnapshotExtension):
    _write_mode = WriteMode.TEXT
    file_extension = "md"


@pytest.fixture
def acme_prod() -> StackReview:
    """acme-prod planned on the emulator after instances.max 6 → 8 and a mysql → postgres switch."""
    plan = plans.Plan(
        json.loads((FIXTURES / "acme-prod-plan.json").read_text()),
        plans.strip_noise((FIXTURES / "acme-prod-plan.txt").read_text()),
    )
    return model.from_plan("acme-prod", plan)


def test_golden_report(acme_prod, snapshot):
    report = render([acme_prod, StackReview("shared-alb", text="No changes.")])
    assert report == snapshot.use_extension(MarkdownSnapshot)


def test_real_plan_reads_as_update_and_replace_with_attributes(acme_prod):
    by_address = {c.address: c for c in acme_prod.changes}
    group = by_address["aws_autoscaling_group.fleet_autoscaling-group_5D29F06E"]
    assert group.action == "update" and ("max_size", 6, 8) in group.values
    database = by_address["aws_db_instance.database_instance_D7FC2283"]
    assert database.action == "replace" and database.replaced_because == ("engine",)
    assert (acme_prod.count("update"), acme_prod.count("replace"), acme_prod.count("create")) == (8, 1, 0)
    assert acme_prod.needs_approval


def test_drift_keeps_only_attributes_the_configuration_sets(acme_prod):
    """The first refresh after create fills in computed attributes (a group's rules, a
    database's latest restorable time): not drift. What remains is moto's known gap."""
    assert len(json.loads((FIXTURES / "acme-prod-plan.json").read_text())["resource_drift"]) == 20
    assert {c.address.split(".")[0] for c in acme_prod.drift} == {
        "aws_vpc_security_group_egress_rule",
        "aws_vpc_security_group_ingress_rule",
    }
    assert all(c.paths == ("description",) for c in acme_prod.drift)


def test_warnings_come_first_and_are_loud(acme_prod):
    report = render([acme_prod])
    caution, approval, table = (report.index(s) for s in ("[!CAUTION]", "**⚠️ Needs approval**", "| stack |"))
    assert report.startswith(MARKER) and caution < approval < table
    assert "**replace** `aws_db_instance.database_instance_D7FC2283` (`engine` forces replacement)" in report
    assert "**Changed outside Terraform** (4)" in report


def change(address: str, action: str, **fields) -> ResourceChange:
    return ResourceChange(address, address.split(".")[0], action, (), **fields)


@pytest.mark.parametrize(
    ("address", "action", "loud"),
    [
        ("aws_db_instance.db", "delete", True),
        ("aws_s3_bucket.artifacts", "replace", True),
        ("aws_s3_bucket_versioning.artifacts", "delete", True),
        ("aws_kms_key.pipeline", "delete", True),
        ("aws_db_instance.db", "update", False),
        ("aws_lb_target_group.web", "replace", False),
        ("aws_instance.web", "delete", False),
    ],
)
def test_stateful_destroy_or_replace_is_loud(address, action, loud):
    assert model.stateful(change(address, action)) is loud
    assert ("[!CAUTION]" in render([StackReview("acme-dev", (change(address, action),))])) is loud


def test_production_and_shared_alb_need_approval_others_do_not():
    update = (change("aws_autoscaling_group.fleet", "update"),)
    assert StackReview("shared-alb", update).needs_approval
    assert StackReview("acme-corp-prod-pipeline", update).needs_approval
    assert StackReview("acme-corp-prod-pipeline", update).environment == "prod"
    assert not StackReview("acme-dev", update).needs_approval
    assert not StackReview("acme-prod").needs_approval  # nothing changes
    report = render([StackReview("acme-dev", update), StackReview("acme-prod")])
    assert "Needs approval" not in report and "1 stack(s) unchanged</summary>\n\n`acme-prod`" in report


def test_sensitive_values_are_never_shown():
    entry = {
        "address": "aws_db_instance.db",
        "type": "aws_db_instance",
        "change": {
            "actions": ["update"],
            "before": {"password": "hunter2", "tags": {"a": "1"}, "auth": [{"token": "t0ken-old"}]},
            "after": {"password": "hunter3", "tags": {"a": "2"}, "auth": [{"token": "t0ken-new"}]},
            "after_unknown": {},
            "before_sensitive": {"password": True, "auth": [{"token": True}]},
            "after_sensitive": {"password": True, "auth": [{"token": True}]},
        },
    }
    [found] = plans.resource_changes({"resource_changes": [entry]})
    assert found.values == (
        ("auth[0].token", plans.SENSITIVE, plans.SENSITIVE),
        ("password", plans.SENSITIVE, plans.SENSITIVE),
        ("tags.a", "1", "2"),
    )
    report = render([StackReview("acme-dev", (found,))])
    assert "hunter" not in report and "t0ken" not in report
    assert "`password`: _(sensitive)_ → _(sensitive)_" in report


def test_a_huge_plan_text_is_cut_to_fit_a_comment_with_a_note():
    update = (change("aws_autoscaling_group.fleet", "update"),)
    huge = "\n".join(f'  ~ resource "aws_thing" "t{i}" {{ value = {i} }}' for i in range(20_000))
    small = "Plan: 0 to add, 1 to change, 0 to destroy."
    reviews = [StackReview("acme-dev", update, text=huge), StackReview("globex-dev", update, text=small)]
    report = render(reviews, full_plan=lambda stack: f"`plans/{stack}.txt`")
    assert len(report) <= COMMENT_LIMIT
    assert small in report  # a small plan is shown whole
    assert f"of {len(review.diff_view(huge)):,} characters shown. Full plan: `plans/acme-dev.txt`." in report
    assert report.count("<details>") == report.count("</details>") == 2
    assert report.count("```") % 2 == 0


def test_when_even_the_lists_are_too_long_the_report_is_cut_visibly():
    many = tuple(change(f"aws_instance.web_{i:05}", "create") for i in range(5_000))
    report = render([StackReview("acme-dev", many, text="+ lots")], full_report="the artifact")
    assert len(report) <= COMMENT_LIMIT
    assert re.search(r"✂️ \*\*Cut\*\*: [\d,]+ of 5,000 resources shown. Full report: the artifact.", report)


def test_exit_status_is_like_detailed_exitcode():
    update = (change("aws_autoscaling_group.fleet", "update"),)
    assert model.exit_status([StackReview("acme-dev"), StackReview("shared-alb")]) == 0
    assert model.exit_status([StackReview("acme-dev", update), StackReview("shared-alb")]) == 2
    assert model.exit_status([StackReview("acme-dev", update), StackReview("shared-alb", error="boom")]) == 1
    # Drift alone is reported, but it is not a planned change.
    assert model.exit_status([StackReview("acme-dev", drift=update)]) == 0


def test_a_new_environments_pipeline_waits_for_the_environment():
    reviews = [
        StackReview("acme-dev", (change("aws_lb_target_group.web", "create"),), note=model.NO_STATE),
        StackReview("acme-dev-pipeline", error="reading Auto Scaling Group (vend-acme-dev): empty result"),
        StackReview("globex-dev-pipeline", error="reading Auto Scaling Group (vend-globex-dev): empty result"),
    ]
    waited = [model.waiting(r, reviews) for r in reviews]
    assert waited[1] == StackReview("acme-dev-pipeline", note="⏳ planned once acme-dev is applied")
    assert waited[2].error  # its environment exists: a real error
    assert model.exit_status(waited[:2]) == 2


def test_markdown_survives_backticks_in_values():
    assert review.code("a`b") == "``a`b``"
    assert review.fenced("```\nx") == "````\n```\nx\n````"
    assert review.diff_view("    ~ resource {\n      + a = 1\n\n  -/+ resource") == (
        "~     resource {\n+       a = 1\n\n-/+   resource"
    )


def test_a_plan_stopped_by_prevent_destroy_is_loud():
    """Production's stateful resources refuse destruction: the plan fails, and says which."""
    error = (
        "terraform plan failed in cdktf.out/stacks/acme-prod:\n"
        "Error: Instance cannot be destroyed\n\n"
        "Resource aws_db_instance.database_instance_D7FC2283 has\n"
        "lifecycle.prevent_destroy set, but the plan calls for this resource to be\n"
        "destroyed."
    )
    report = render([StackReview("acme-prod", error=error)])
    assert "> - `acme-prod`: **destroy refused** `aws_db_instance.database_instance_D7FC2283`" in report
    assert report.index("[!CAUTION]") < report.index("**❌ Not planned**: `acme-prod`")
    assert model.exit_status([StackReview("acme-prod", error=error)]) == 1
