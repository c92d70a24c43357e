"""Affected stacks by synthesized output, on a clone of this repository: a code change that
changes no stack touches none; one that changes the environment stacks touches exactly those."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ROOT, git
from vending.model.load import load_config
from vending.review import affected
from vending.synth.app import all_stacks


@pytest.fixture(scope="module")
def clone(tmp_path_factory) -> Path:
    """This checkout's files as one commit on main, then a branch ``change``."""
    repo = tmp_path_factory.mktemp("clone") / "repo"
    files = git(ROOT, "ls-files", "-z", "--cached", "--others", "--exclude-standard").split("\0")
    for name in filter(None, files):
        source = ROOT / name
        if source.is_file():
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            (repo / name).write_bytes(source.read_bytes())
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "base")
    return repo


def changed(repo: Path, path: str, old: str, new: str) -> affected.Affected:
    git(repo, "checkout", "-q", "-B", "change", "main")
    target = repo / path
    target.write_text(target.read_text().replace(old, new, 1))
    git(repo, "commit", "-qam", "change")
    known = all_stacks(load_config(repo / "customers"))
    dirs = {"customers_dir": Path("customers"), "images_dir": Path("images")}
    found = affected.from_git(repo, "main", known=known, **dirs)
    assert found.stacks == known  # by its path, the change touches every stack
    kept, _ = affected.by_output(repo, "main", found, cache=repo / ".cache" / "synth", **dirs)
    return kept


def test_a_code_change_that_changes_no_stack_touches_none(clone):
    found = changed(clone, "vending/synth/components/fleet.py", '"""The EC2 fleet', '"""The fleet of EC2 instances')
    assert found.stacks == []


def test_a_code_change_touches_exactly_the_stacks_whose_output_changes(clone):
    found = changed(
        clone,
        "vending/synth/components/fleet.py",
        "HEALTH_CHECK_GRACE_SECONDS = 300",
        "HEALTH_CHECK_GRACE_SECONDS = 360",
    )
    assert found.stacks == ["acme-dev", "acme-prod", "globex-prod"]
    assert set(found.reasons.values()) == {"vending/synth/components/fleet.py"}
