"""The delivery flow on the emulator deployment: a stale plan refused, a failed stack reported
and applied by the next run, an interrupted apply recovered, each leaving the deployment as it
found it (its last step applies the deployment's own configuration again)."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT, lock_held, run_vending, state_versions
from vending.delivery import plan

pytestmark = pytest.mark.e2e

PROD_KEY = "customers/acme/prod/infrastructure.tfstate"
PIPELINE_KEY = "customers/acme/prod/pipeline.tfstate"


def with_max(deployed, tmp_path: Path, size: int) -> dict[str, str]:
    """The deployment's configuration with acme-prod's instances.max set to ``size``, in a copy."""
    customers = tmp_path / f"customers-{size}"
    shutil.copytree(deployed.customers_dir, customers)
    prod = yaml.safe_load((customers / "acme-prod.yaml").read_text())
    prod["instances"]["max"] = size
    (customers / "acme-prod.yaml").write_text(yaml.safe_dump(prod))
    return {"VENDING_CUSTOMERS_DIR": str(customers), "CDKTF_OUTDIR": str(tmp_path / f"out-{size}")}


def fleet_status(deployed, knobs: dict[str, str] | None = None) -> dict:
    """``vending status --format json``, read."""
    return json.loads(run_vending(deployed, "status", "--format", "json", knobs=knobs).stdout)


def put_back(deployed, tmp_path: Path) -> None:
    """Plan and apply the deployment's own configuration: what the other tests expect."""
    out = tmp_path / "put-back"
    assert run_vending(deployed, "plan", "--out", str(out), "acme-prod").returncode in (0, 2)
    assert run_vending(deployed, "apply", str(out)).returncode == 0
    assert run_vending(deployed, "plan", "--out", str(tmp_path / "clean"), "acme-prod").returncode == 0


def test_a_plan_made_before_another_apply_is_refused_as_stale(e2e_deployment, tmp_path):
    deployed = e2e_deployment
    first, second = tmp_path / "first", tmp_path / "second"
    try:
        for out, size in ((first, 7), (second, 8)):
            knobs = with_max(deployed, tmp_path, size)
            assert run_vending(deployed, "plan", "--out", str(out), "acme-prod", knobs=knobs).returncode == 2
        planned_at = plan.read(first)["stacks"]["acme-prod"]["serial"]
        assert run_vending(deployed, "apply", str(second)).returncode == 0
        stale = run_vending(deployed, "apply", str(first), check=False)
        assert stale.returncode == 1
        assert (
            f"stale plan for acme-prod: planned at serial {planned_at}, state is at {planned_at + 1}; plan again"
            in (stale.stderr)
        )
    finally:
        put_back(deployed, tmp_path)


def test_a_failed_stack_is_reported_stops_the_later_waves_and_the_next_run_applies_it(e2e_deployment, tmp_path):
    deployed = e2e_deployment
    knobs = with_max(deployed, tmp_path, 9)
    # The edit, not applied yet, shows as pending.
    [prod] = [e for e in fleet_status(deployed, knobs)["environments"] if e["name"] == "acme-prod"]
    assert prod["state"] == "pending" and prod["stacks"][0]["pending"] and not prod["stacks"][1]["pending"]
    out = tmp_path / "held"
    planned = run_vending(deployed, "plan", "--out", str(out), "acme-prod", "acme-prod-pipeline", knobs=knobs)
    assert planned.returncode == 2
    pipeline_record = state_versions(deployed)[f"{PIPELINE_KEY}.applied.json"]
    # Another run holds acme-prod's state lock while this one applies: acme-prod fails.
    with lock_held(deployed, out / "stacks" / "acme-prod", {**deployed.env(), **knobs}, PROD_KEY):
        failed = run_vending(deployed, "apply", str(out), check=False)
    assert failed.returncode == 1 and "not applied: acme-prod" in failed.stderr
    assert "its state is locked by another run" in failed.stderr
    # vending status shows it failed, and why, from the attempt kept beside its state.
    [prod] = [e for e in fleet_status(deployed, knobs)["environments"] if e["name"] == "acme-prod"]
    assert prod["state"] == "failed"
    assert "its state is locked by another run" in prod["stacks"][0]["last_apply"]["message"]
    # The pipelines' wave, after it, never ran: its stack was not even recorded.
    assert "wave 2" not in failed.stderr
    assert state_versions(deployed)[f"{PIPELINE_KEY}.applied.json"] == pipeline_record
    # Not applied at this commit: the next run finds it and applies it.
    assert "acme-prod" in run_vending(deployed, "affected", "--since-applied", knobs=knobs).stdout.split()
    again = tmp_path / "again"
    assert run_vending(deployed, "plan", "--out", str(again), "--since-applied", knobs=knobs).returncode == 2
    assert "acme-prod" in plan.read(again)["stacks"]
    try:
        assert run_vending(deployed, "apply", str(again)).returncode == 0
    finally:
        put_back(deployed, tmp_path)


def test_an_interrupted_apply_leaves_no_record_and_its_lock_is_named_then_released(e2e_deployment, tmp_path):
    deployed = e2e_deployment
    knobs = with_max(deployed, tmp_path, 10)
    out = tmp_path / "interrupted"
    assert run_vending(deployed, "plan", "--out", str(out), "acme-prod", knobs=knobs).returncode == 2
    record_before = state_versions(deployed)[f"{PROD_KEY}.applied.json"]
    applying = subprocess.Popen(
        [sys.executable, "-m", "vending", "apply", str(out)],
        cwd=ROOT,
        env=deployed.env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while f"{PROD_KEY}.tflock" not in state_versions(deployed):
            assert time.monotonic() < deadline and applying.poll() is None, "the apply never took the lock"
            time.sleep(0.1)
        # The runner is lost: its Terraform dies at once, and vending is told to stop.
        for line in subprocess.run(["pgrep", "-f", "terraform apply"], capture_output=True, text=True).stdout.split():
            subprocess.run(["kill", "-KILL", line])
        applying.send_signal(signal.SIGTERM)
        applying.communicate(timeout=300)
        assert applying.returncode != 0
        assert state_versions(deployed)[f"{PROD_KEY}.applied.json"] == record_before  # no record
        assert f"{PROD_KEY}.tflock" in state_versions(deployed)  # the lock is held still

        locked = run_vending(deployed, "plan", "--out", str(tmp_path / "locked"), "acme-prod", check=False)
        assert locked.returncode == 1
        lock_id = locked.stderr.split("vending unlock acme-prod ", 1)[1].split()[0]
        assert run_vending(deployed, "unlock", "acme-prod", lock_id).returncode == 0
        assert f"{PROD_KEY}.tflock" not in state_versions(deployed)
    finally:
        put_back(deployed, tmp_path)
    assert state_versions(deployed)[f"{PROD_KEY}.applied.json"] != record_before  # what was left got applied


def test_plans_made_in_shards_are_merged_and_applied_from_a_copy_as_ci_does(e2e_deployment, tmp_path):
    """CI plans on several runners, merges the shards, and applies the plans on other runners,
    from an artifact: the plan directories without the providers Terraform installed."""
    deployed = e2e_deployment
    stacks = ("shared-alb", "acme-prod-pipeline")
    parts = [tmp_path / f"part-{index}" for index in (1, 2)]
    for index, part in enumerate(parts, 1):
        done = run_vending(deployed, "plan", "--out", str(part), "--shard", f"{index}/2", *stacks)
        assert plan.read(part)["shard"] == f"{index}/2", done.stderr
    merged = tmp_path / "merged"
    assert run_vending(deployed, "plan", "--merge", *map(str, parts), "--out", str(merged)).returncode == 0
    document = plan.read(merged)
    assert sorted(document["stacks"]) == sorted(stacks)
    assert [w["kind"] for w in document["waves"]] == ["platform", "pipelines"]
    assert "## Plan review: 0 of 2 stacks change" in (merged / "review.md").read_text()

    artifact = tmp_path / "artifact"
    shutil.copytree(merged, artifact, ignore=shutil.ignore_patterns(".terraform"))
    assert not list(artifact.rglob(".terraform")) and list(artifact.rglob(".terraform.lock.hcl"))
    matrix = json.loads(run_vending(deployed, "apply", str(artifact), "--matrix").stdout)
    assert matrix["jobs"]["unchanged"] == {"stacks": 2, "shard": ["1/1"]}
    applied = run_vending(deployed, "apply", str(artifact), "--job", "unchanged", "--shard", "1/1")
    assert applied.returncode == 0 and "shared-alb: no changes" in applied.stderr
