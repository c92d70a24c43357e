"""Image provenance in review: a production fleet on the unbaked source image, and a bake record
whose commit is not on the base branch (or was baked from a dirty tree), are cautions, and
``review --strict`` fails on them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import ConfigDir, git
from vending import cli
from vending.model import images
from vending.model.load import load_config
from vending.review import plans, provenance, report
from vending.review.model import StackReview

STACKS = ["shared-alb", "acme-dev", "acme-dev-pipeline", "acme-prod", "acme-prod-pipeline"]


@pytest.fixture
def repo(tmp_path) -> Path:
    """main with acme-dev and acme-prod, then a branch with a commit of its own."""
    root = tmp_path / "repo"
    ConfigDir(root / "customers").customer("acme", "dev").customer("acme", "prod")
    git(root.parent, "init", "-q", "-b", "main", str(root))
    git(root, "add", ".")
    git(root, "commit", "-qm", "base")
    git(root, "checkout", "-qb", "feature")
    git(root, "commit", "-q", "--allow-empty", "-m", "on the branch only")
    return root


def cautions(repo: Path, base: str | None = "main") -> list[str]:
    config = load_config(repo / "customers")
    found = provenance.cautions(config, repo / "images", STACKS, repo=repo, base=base)
    return [line for lines in found.values() for line in lines]


def record(repo: Path, stack: str, commit: str, **extra) -> None:
    images.write_record(repo / "images", stack, {"ami_id": "ami-0123456789abcdef0", "commit": {"id": commit}, **extra})


def test_a_production_fleet_on_the_unbaked_source_image_is_a_caution(repo):
    [found] = cautions(repo)  # acme-dev runs its source image too: not production
    assert found.startswith("`acme-prod`: production's fleet would run the unbaked source image `ami-")
    assert "`vending bake acme-prod`" in found


def test_a_record_baked_from_a_commit_not_on_the_base_branch_is_a_caution(repo):
    record(repo, "acme-prod", git(repo, "rev-parse", "main"))
    assert cautions(repo) == []
    branch_only = git(repo, "rev-parse", "HEAD")
    record(repo, "acme-prod", branch_only)
    [found] = cautions(repo)
    assert f"baked from commit `{branch_only[:12]}`, which is not on `main`" in found
    assert cautions(repo, base=None) == []  # no base branch to check against
    record(repo, "acme-dev", "0" * 40)  # a commit this repository does not know
    assert len(cautions(repo)) == 2


def test_a_record_baked_from_a_dirty_tree_is_a_caution(repo):
    record(repo, "acme-prod", git(repo, "rev-parse", "main"), dirty=True)
    [found] = cautions(repo)
    assert "baked from a tree with uncommitted changes" in found


def test_the_report_cautions_first_for_the_stacks_that_change_and_its_data_too():
    lines = ["`acme-prod`: production's fleet would run the unbaked source image `ami-1`"]
    change = plans.ResourceChange("aws_launch_template.fleet", "aws_launch_template", "update", ("image_id",))
    changing = [StackReview("acme-prod", (change,)), StackReview("globex-prod")]
    images = {"acme-prod": lines, "globex-prod": ["`globex-prod`: unbaked"]}
    text = report.render(changing, images=images)
    assert f"> [!CAUTION]\n> **⚠️ Image provenance**\n> - {lines[0]}\n\n" in text
    assert "globex-prod`: unbaked" not in text  # its plan applies nothing
    assert report.as_data(changing, images=images)["image_cautions"] == lines
    assert "Image provenance" not in report.render([StackReview("acme-prod")], images=images)


def test_review_strict_fails_on_a_caution(sample_synth, samples_dir, tmp_path, monkeypatch, capsys):
    """The samples' production fleets run their source images (no records here): a synth diff
    that changes acme-prod's stack cautions about it alone, and --strict fails on that."""
    head = tmp_path / "head.out"
    shutil.copytree(sample_synth.outdir, head)
    stack = head / "stacks" / "acme-prod" / "cdk.tf.json"
    data = json.loads(stack.read_text())
    next(iter(data["resource"]["aws_autoscaling_group"].values()))["max_size"] = 9
    stack.write_text(json.dumps(data))
    monkeypatch.setenv("VENDING_CUSTOMERS_DIR", str(samples_dir))
    monkeypatch.setenv("VENDING_IMAGES_DIR", str(tmp_path / "no-records"))
    arguments = ["review", "--synth-diff", str(sample_synth.outdir), str(head), "--format", "json"]
    arguments += ["--out", str(tmp_path / "review.json")]
    assert cli.main(arguments) == 2
    found = json.loads((tmp_path / "review.json").read_text())["image_cautions"]
    assert [line.split("`")[1] for line in found] == ["acme-prod"]  # not globex-prod: unchanged
    assert cli.main([*arguments, "--strict"]) == 1
    assert "review --strict: 1 image caution(s)" in capsys.readouterr().err
