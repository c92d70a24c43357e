"""What vending apply reads from Terraform's -json stream: the resource at work, what was done
(counted as it goes, so that a failed apply says it too), and why it failed."""

from __future__ import annotations

import io
import json
import subprocess

from vending.delivery import apply
from vending.ops import progress


def event(kind: str, **fields) -> str:
    return json.dumps({"type": kind, "@level": fields.pop("level", "info"), **fields}) + "\n"


def test_a_failed_apply_counts_what_it_did_and_says_terraforms_error(tmp_path):
    stream = io.StringIO()
    shown = progress.Progress(1, title="apply", how="lines", stream=stream)
    events = apply._Events("initech-dev", shown)
    group = {"resource": {"addr": "aws_autoscaling_group.fleet"}, "action": "delete"}
    for line in (
        "not json: Terraform's own line\n",
        event("apply_start", hook=group),
        event("apply_complete", hook=group | {"elapsed_seconds": 3}),
        event("apply_start", hook={"resource": {"addr": "aws_db_instance.db"}, "action": "delete"}),
        event(
            "diagnostic",
            level="error",
            diagnostic={
                "severity": "error",
                "summary": "deleting RDS DB Instance",
                "detail": "DBSnapshotAlreadyExists",
            },
        ),
    ):
        events.line(line)
    assert events.counts == {"add": 0, "change": 0, "destroy": 1}
    done = subprocess.CompletedProcess([], 1, "", "")
    said = apply.failure(done, events.errors, tmp_path / "apply.log")
    log = tmp_path / "apply.log"
    assert said == f"Error: deleting RDS DB Instance\n\nDBSnapshotAlreadyExists\n(Terraform's whole output: {log})"
    events.line(event("change_summary", changes={"add": 2, "change": 1, "remove": 0}))
    assert events.counts == {"add": 2, "change": 1, "destroy": 0}  # Terraform's own summary, when it gives one


def test_a_terraform_that_wrote_no_error_is_said_to_have_ended_so(tmp_path):
    killed = subprocess.CompletedProcess([], -9, "", "")
    assert apply.failure(killed, [], tmp_path / "apply.log").startswith("Terraform wrote no error (killed by signal 9)")
    quiet = subprocess.CompletedProcess([], 1, "", "Error: from stderr\n")
    assert apply.failure(quiet, [], tmp_path / "apply.log").startswith("Error: from stderr")
