"""Which stacks a git range touches, on a temporary repository: one branch per kind of change."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.conftest import ConfigDir, git
from vending import cli
from vending.review import affected
from vending.review.affected import Change

KNOWN = ["shared-alb", "acme-dev", "acme-dev-pipeline", "acme-prod", "acme-prod-pipeline"]


@pytest.fixture
def repo(tmp_path) -> Path:
    """main: a valid configuration, a bake record, code and docs; then a branch ``change``."""
    root = tmp_path / "repo"
    ConfigDir(root / "customers").customer("acme", "dev").customer("acme", "prod")
    (root / "customers" / "priorities.lock").write_text("acme-dev: 100\n")
    for path, text in {
        "images/acme-prod.json": "{}",
        "vending/synth/app.py": "",
        "vending/model/naming.py": "",
        "vending/speedups/kernel.py": "",
        "vending/review/report.py": "",
        "vending/cli/review.py": "",
        "vending/local/demo.py": "",
        "vending/ops/bake.py": "",
        "main.py": "",
        "Pipfile.lock": "",
        "README.md": "",
        "packer/x.hcl": "",
        "vending/assets/codedeploy-agent.sh": "",
    }.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "commit", "-qm", "base")
    git(root, "checkout", "-qb", "change")
    return root


def commit(repo: Path, edits: dict[str, str | None]) -> None:
    for path, text in edits.items():
        if text is None:
            git(repo, "rm", "-q", path)
        else:
            (repo / path).write_text(text)
            git(repo, "add", path)
    git(repo, "commit", "-qm", "change")


def touched(repo: Path, known: list[str] = KNOWN) -> affected.Affected:
    return affected.from_git(repo, "main", known=known, customers_dir=Path("customers"), images_dir=Path("images"))


@pytest.mark.parametrize(
    ("path", "stacks"),
    [
        ("customers/acme-dev.yaml", ["acme-dev", "acme-dev-pipeline"]),
        ("customers/platform.yaml", KNOWN),
        ("vending/synth/app.py", KNOWN),  # code that shapes the output
        ("vending/model/naming.py", KNOWN),
        ("vending/speedups/kernel.py", KNOWN),
        ("main.py", KNOWN),
        ("Pipfile.lock", KNOWN),
        ("vending/review/report.py", []),  # code that does not
        ("vending/cli/review.py", []),
        ("vending/local/demo.py", []),
        ("vending/ops/bake.py", []),
        ("images/acme-prod.json", ["acme-prod"]),  # a new bake: the fleet's AMI
        ("README.md", []),
        ("packer/x.hcl", []),  # the next bake, not the stacks
    ],
)
def test_a_change_touches_its_stacks(repo, path, stacks):
    commit(repo, {path: (repo / path).read_text() + "\n# changed\n"})
    found = touched(repo)
    assert found.stacks == stacks
    assert set(found.reasons.values()) <= {path}
    assert found.removed == []


def test_a_changed_lock_entry_touches_only_that_environment(repo):
    commit(repo, {"customers/priorities.lock": "acme-dev: 101\nretired-dev: 102\n"})
    assert touched(repo).stacks == ["acme-dev"]


def test_a_removed_customer_is_reported_not_planned(repo):
    commit(repo, {"customers/acme-dev.yaml": None})
    found = touched(repo, [s for s in KNOWN if not s.startswith("acme-dev")])
    assert found.stacks == [] and found.removed == ["acme-dev"]


def test_only_the_branch_counts_not_what_main_did_since(repo):
    commit(repo, {"customers/acme-dev.yaml": (repo / "customers/acme-dev.yaml").read_text() + "\n"})
    git(repo, "checkout", "-q", "main")
    commit(repo, {"customers/platform.yaml": (repo / "customers/platform.yaml").read_text() + "\n"})
    git(repo, "checkout", "-q", "change")
    assert touched(repo).stacks == ["acme-dev", "acme-dev-pipeline"]


def test_a_renamed_customer_file_touches_the_new_and_removes_the_old():
    found = affected.affected(
        [Change("R", "customers/acme-stage.yaml", "customers/acme-dev.yaml")], known=["shared-alb", "acme-stage"]
    )
    assert found.stacks == ["acme-stage"] and found.removed == ["acme-dev"]


def test_affected_command_splits_production_from_the_rest(repo, monkeypatch, capsys):
    commit(repo, {"customers/platform.yaml": (repo / "customers/platform.yaml").read_text() + "\n"})
    monkeypatch.chdir(repo)
    monkeypatch.delenv("VENDING_CUSTOMERS_DIR", raising=False)
    assert cli.main(["affected", "--base", "main", "--paths-only", "--only", "production"]) == 0
    assert capsys.readouterr().out.split() == ["shared-alb", "acme-prod", "acme-prod-pipeline"]
    assert cli.main(["affected", "--base", "main", "--paths-only", "--only", "other"]) == 0
    assert capsys.readouterr().out.split() == ["acme-dev", "acme-dev-pipeline"]


def test_an_unknown_base_is_one_clear_error(repo, monkeypatch, capsys):
    monkeypatch.chdir(repo)
    monkeypatch.delenv("VENDING_CUSTOMERS_DIR", raising=False)
    assert cli.main(["affected", "--base", "no-such-ref"]) == 1
    assert "no-such-ref" in capsys.readouterr().err


def to_bake(repo: Path, monkeypatch, capsys, *args: str) -> tuple[int, list[str], str]:
    monkeypatch.chdir(repo)
    monkeypatch.delenv("VENDING_CUSTOMERS_DIR", raising=False)
    status = cli.main(["affected", "--bake", *args])
    captured = capsys.readouterr()
    return status, captured.out.split(), captured.err


@pytest.mark.parametrize("path", ["packer/x.hcl", "vending/assets/codedeploy-agent.sh"])
def test_a_change_to_what_every_image_is_baked_from_bakes_every_environment(repo, monkeypatch, capsys, path):
    commit(repo, {path: "# changed\n"})
    status, found, err = to_bake(repo, monkeypatch, capsys, "--base", "main")
    assert (status, found) == (0, ["acme-dev", "acme-prod"])
    assert f"acme-dev: its image inputs changed ({path})" in err


def test_a_changed_image_section_bakes_that_environment_and_nothing_else_does(repo, monkeypatch, capsys):
    dev = yaml.safe_load((repo / "customers/acme-dev.yaml").read_text())
    dev["image"]["instance_type"] = "t3.large"
    commit(repo, {"customers/acme-dev.yaml": yaml.safe_dump(dev)})
    prod = yaml.safe_load((repo / "customers/acme-prod.yaml").read_text())
    prod["instances"] = {"max": 7}  # not an image input
    commit(repo, {"customers/acme-prod.yaml": yaml.safe_dump(prod)})
    assert to_bake(repo, monkeypatch, capsys, "--base", "main")[:2] == (0, ["acme-dev"])
    assert to_bake(repo, monkeypatch, capsys, "--base", "main", "--format", "json")[1] == ['["acme-dev"]']


def test_every_environment_bakes_but_those_that_pin_an_image(repo, monkeypatch, capsys):
    prod = yaml.safe_load((repo / "customers/acme-prod.yaml").read_text())
    prod["image"]["ami_id"] = "ami-0123456789abcdef0"
    (repo / "customers/acme-prod.yaml").write_text(yaml.safe_dump(prod))
    assert to_bake(repo, monkeypatch, capsys)[:2] == (0, ["acme-dev"])
    status, found, err = to_bake(repo, monkeypatch, capsys, "acme-prod", "nope-dev")
    assert status == 1 and found == []
    assert "acme-prod: image.ami_id pins its image: nothing to bake" in err and "nope-dev: no such environment" in err
