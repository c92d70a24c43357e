"""The GitHub workflows, scanned independently: zizmor (pinned, in its own virtualenv, offline)
finds nothing of medium or high severity, and every action is pinned by its full commit SHA."""

from __future__ import annotations

import json
import re
import subprocess

from tests.conftest import ROOT

ZIZMOR = ROOT / ".zizmor" / "bin" / "zizmor"
GITHUB = ROOT / ".github"


def test_zizmor_finds_nothing_of_medium_or_high_severity():
    assert ZIZMOR.is_file(), "zizmor is not installed (make setup)"
    done = subprocess.run(
        [str(ZIZMOR), "--offline", "--min-severity", "medium", "--format", "json", str(GITHUB)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    findings = json.loads(done.stdout)
    assert [(f["ident"], f["determinations"]["severity"]) for f in findings] == []
    assert done.returncode == 0, done.stderr


def test_every_action_is_pinned_by_commit_with_its_version_beside_it():
    uses = [
        line.split("uses:", 1)[1].strip()
        for path in sorted(GITHUB.rglob("*.yml"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if re.match(r"\s*(-\s*)?uses:", line)
    ]
    remote = [use for use in uses if not use.startswith("./")]
    assert remote, "no action found"
    assert [use for use in remote if not re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+)*", use)] == []
