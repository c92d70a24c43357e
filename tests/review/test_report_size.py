"""The review at platform scale: 2,000 stacks, of which 1, 50 or 1,000 change. The report fits a
GitHub comment, says what changes first, names every stack that changes, and collapses the rest."""

from __future__ import annotations

import json
import re

import pytest

from vending.review import report
from vending.review.model import StackReview
from vending.review.plans import ResourceChange
from vending.review.report import COMMENT_LIMIT


def platform(changing: int, total: int = 2_000) -> list[StackReview]:
    """``total`` stacks of 1,000 environments (infrastructure and pipeline), the first
    ``changing`` of them with an in-place change and a long plan text."""
    reviews = []
    for index in range(total):
        environment = "prod" if index % 4 < 2 else "dev"
        stack = f"bench{index // 2:04d}-{environment}" + ("-pipeline" if index % 2 else "")
        if index < changing:
            change = ResourceChange(
                "aws_autoscaling_group.fleet",
                "aws_autoscaling_group",
                "update",
                ("max_size",),
                values=(("max_size", 6, 7),),
            )
            reviews.append(
                StackReview(stack, (change,), text="  ~ resource x {\n" + "      ~ max_size = 6 -> 7\n" * 500 + "  }")
            )
        else:
            reviews.append(StackReview(stack, text="No changes."))
    return reviews


@pytest.mark.parametrize("changing", [1, 50, 1_000])
def test_the_report_fits_a_comment_and_names_every_stack_that_changes(changing):
    reviews = platform(changing)
    text = report.render(reviews, full_report="the `plan-review` artifact")
    assert len(text) <= COMMENT_LIMIT
    mentioned = set(re.findall(r"`(bench\d{4}-(?:prod|dev)(?:-pipeline)?)`", text))
    assert {r.stack for r in reviews if r.changes} <= mentioned
    summary = text.split("\n|", 1)[0]  # before the table: the summary and the boxes
    assert f"## Plan review: {changing:,} of 2,000 stacks change" in summary and "**Blast radius**" in summary
    assert f"{2_000 - changing:,} stacks unchanged." in text


def test_one_change_among_many_makes_a_short_report():
    text = report.render(platform(1))
    assert len(text) < 20_000  # the one stack's detail and plan text, and a line for the other 1,999
    assert text.count("\n| `") == 1


def test_a_few_unchanged_stacks_are_named_in_a_folded_list():
    text = report.render(platform(1, total=10))
    assert "<details><summary>9 stack(s) unchanged</summary>" in text and "`bench0004-prod`" in text


def test_production_comes_first_in_the_table_and_the_blast_radius_counts_it():
    reviews = platform(8)
    text = report.render(reviews)
    rows = [line.split("`")[1] for line in text.splitlines() if line.startswith("| `")]
    assert rows == [r.stack for r in reviews if r.changes and r.production] + [
        r.stack for r in reviews if r.changes and not r.production
    ]
    assert "4 customer(s), 4 environment(s), 2 of them production" in text


def test_the_same_content_as_data():
    data = report.as_data(platform(3, total=6), removed=["gone-dev"])
    assert (data["stacks"], data["changing"], data["removed"]) == (6, 3, ["gone-dev"])
    first = data["results"][0]
    assert first["counts"]["update"] == 1 and first["changes"][0]["attributes"] == [
        {"path": "max_size", "before": 6, "after": 7}
    ]
    assert data["needs_approval"] == ["bench0000-prod", "bench0000-prod-pipeline"]
    json.dumps(data)  # serializable as it is


def test_the_report_names_the_commit_it_reviews_for_ci_to_read_back():
    sha = "0123456789abcdef0123456789abcdef01234567"
    text = report.render(platform(1, total=4), commit=sha, intro="Stacks touched.")
    lines = text.splitlines()
    assert lines[:2] == [report.MARKER, report.COMMIT.format(sha)]
    assert f"At commit `{sha}`. Stacks touched." in lines
    assert report.COMMIT.split("{")[0] not in report.render(platform(1, total=4))
    assert json.loads(report.document(platform(1, total=4), format="json", commit=sha))["commit"] == sha
