"""Credential-free review: two real synth outputs compared (the session's sample synth as the
base, a changed copy of the samples as the head)."""

from __future__ import annotations

import json
import shutil

import pytest
import yaml

from tests.conftest import synthesize
from vending import cli
from vending.review import synth_diff
from vending.review.model import NO_STATE


@pytest.fixture(scope="module")
def head(samples_dir, tmp_path_factory):
    """The samples with globex-prod's instances.max 4 → 5, initech-dev added, acme-dev removed."""
    customers = tmp_path_factory.mktemp("head") / "customers"
    shutil.copytree(samples_dir, customers)
    globex = yaml.safe_load((customers / "globex-prod.yaml").read_text())
    globex["instances"]["max"] = 5
    (customers / "globex-prod.yaml").write_text(yaml.safe_dump(globex))
    initech = yaml.safe_load((customers / "acme-dev.yaml").read_text())
    initech["customer"] = "initech"
    (customers / "initech-dev.yaml").write_text(yaml.safe_dump(initech))
    (customers / "acme-dev.yaml").unlink()
    return synthesize(customers, customers.parent / "cdktf.out")


def test_stacks_and_resources_added_removed_and_changed(sample_synth, head):
    reviews, removed = synth_diff.compare(sample_synth.outdir, head.outdir)
    by_stack = {r.stack: r for r in reviews}
    assert removed == ["acme-dev", "acme-dev-pipeline"]
    assert sorted(by_stack) == ["acme-prod", "acme-prod-pipeline", "globex-prod", "globex-prod-pipeline",
                                "initech-dev", "initech-dev-pipeline", "shared-alb"]  # fmt: skip
    new = by_stack["initech-dev"]
    assert new.note == NO_STATE and {c.action for c in new.changes} == {"create"}
    assert "aws_autoscaling_group.fleet_autoscaling-group_5D29F06E" in {c.address for c in new.changes}
    [changed] = by_stack["globex-prod"].changes
    assert changed.address == "aws_autoscaling_group.fleet_autoscaling-group_5D29F06E"
    assert (changed.action, changed.values) == ("update", (("max_size", 4, 5),))
    assert all(not by_stack[s].changes for s in ("acme-prod", "acme-prod-pipeline", "shared-alb"))


def test_cdktf_metadata_is_not_a_change(sample_synth, tmp_path):
    copy = tmp_path / "cdktf.out"
    shutil.copytree(sample_synth.outdir, copy)
    path = copy / "stacks" / "acme-prod" / "cdk.tf.json"
    stack = json.loads(path.read_text())
    stack["//"] = {"metadata": {"version": "another"}}
    next(iter(stack["resource"]["aws_autoscaling_group"].values()))["//"] = {"metadata": {"path": "moved"}}
    path.write_text(json.dumps(stack))
    reviews, removed = synth_diff.compare(sample_synth.outdir, copy)
    assert removed == [] and not any(r.changes for r in reviews)


def test_synth_diff_command_writes_the_report_and_exits_like_a_plan(sample_synth, head, tmp_path, capsys):
    report = tmp_path / "review.md"
    assert cli.main(["review", "--synth-diff", str(sample_synth.outdir), str(head.outdir), "--out", str(report)]) == 2
    text = report.read_text()
    assert "| `globex-prod` | prod | 0 | 1 | 0 | ⚠️ **needs approval** |" in text
    assert "`max_size`: `4` → `5`" in text
    assert "**🗑️ Retiring**: `acme-dev`, `acme-dev-pipeline`: no longer defined" in text
    assert cli.main(["review", "--synth-diff", str(sample_synth.outdir), str(sample_synth.outdir)]) == 0
    assert "0 of 7 stacks change" in capsys.readouterr().out
    assert cli.main(["review", "--synth-diff", str(tmp_path), str(head.outdir)]) == 1


def test_synth_diff_as_data_and_whole_beside_the_plans(sample_synth, head, tmp_path):
    data = tmp_path / "review.json"
    args = ["review", "--synth-diff", str(sample_synth.outdir), str(head.outdir)]
    assert cli.main([*args, "--format", "json", "--out", str(data)]) == 2
    found = json.loads(data.read_text())
    globex = next(r for r in found["results"] if r["stack"] == "globex-prod")
    assert (
        globex["counts"]["update"] == 1
        and globex["production"]
        and found["removed"] == ["acme-dev", "acme-dev-pipeline"]
    )
    plans = tmp_path / "plans"
    assert (
        cli.main(
            [
                *args,
                "--plans-dir",
                str(plans),
                "--plans-url",
                "https://ci.example/run/1",
                "--out",
                str(tmp_path / "c.md"),
            ]
        )
        == 2
    )
    assert (plans / "review.md").read_text().startswith("<!-- vending-plan-review -->")
    assert "in the artifacts of [this workflow run](https://ci.example/run/1)" in (tmp_path / "c.md").read_text()
