"""Image provenance in review: a production fleet on the unbaked source image, and a bake record
whose commit is not on the base branch (or was baked from a dirty tree), are cautions, and
``review --strict`` fails on them."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ConfigDir
from vending import cli
from vending.model import images
from vending.model.load import load_config
from vending.review import provenance, report
from vending.review.report import StackReview

STACKS = ["shared-alb", "acme-dev", "acme-dev-pipeline", "acme-prod", "acme-prod-pipeline"]


def git(repo: Path, *args: str) -> str:
    command = ["git", "-c", "user.name=Test", "-c", "user.email=test@example.com", *args]
    return subprocess.run(command, cwd=repo, check=True, capture_output=True, text=True).stdout.strip()


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
    return provenance.cautions(config, repo / "images", STACKS, repo=repo, base=base)


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


def test_the_report_cautions_first_and_its_data_too():
    lines = ["`acme-prod`: production's fleet would run the unbaked source image `ami-1`"]
    text = report.render([StackReview("acme-prod")], images=lines)
    assert f"> [!CAUTION]\n> **⚠️ Image provenance**\n> - {lines[0]}\n" in text
    assert report.as_data([StackReview("acme-prod")], images=lines)["image_cautions"] == lines


def test_review_strict_fails_on_a_caution(sample_synth, samples_dir, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("VENDING_CUSTOMERS_DIR", str(samples_dir))
    monkeypatch.setenv("VENDING_IMAGES_DIR", str(tmp_path / "no-records"))
    out = str(sample_synth.outdir)
    arguments = ["review", "--synth-diff", out, out, "--format", "json", "--out", str(tmp_path / "review.json")]
    assert cli.main(arguments) == 0
    found = json.loads((tmp_path / "review.json").read_text())["image_cautions"]
    assert [line.split("`")[1] for line in found] == ["acme-prod", "globex-prod"]  # the samples' production fleets
    assert cli.main([*arguments, "--strict"]) == 1
    assert "review --strict: 2 image caution(s)" in capsys.readouterr().err
