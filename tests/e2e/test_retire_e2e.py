"""Retiring environments on the emulator deployment, through ``vending plan --since-applied`` and
``vending apply``: a non-production environment with a database is added, then its file removed;
production's file removed alone destroys nothing. The deployment is left as it was found.

The retirement fails halfway once (its database's final snapshot name is taken) and is retried;
its pipeline is retired as a stack applied before configurations were kept: from git history."""

from __future__ import annotations

import json
import shutil

import pytest

from tests.conftest import git, run_vending, state_versions
from vending.delivery import plan

pytestmark = pytest.mark.e2e

RETIRED = ["initech-dev-pipeline", "initech-dev"]


@pytest.fixture(scope="module")
def retired(e2e_deployment):
    """initech-dev (the sample acme-dev under another name) added, committed and applied; its
    pipeline's kept configuration deleted (as if applied before they were kept); its file removed.
    Its retirement planned and applied, failing at the database (its final snapshot's name taken),
    then planned and applied again; and --since-applied asked once more."""
    demo = e2e_deployment
    demo.add_environment("acme-dev", customer_name="initech")
    git(demo.workdir, "init", "-q")
    git(demo.workdir, "add", "customers")
    git(demo.workdir, "commit", "-q", "-m", "initech-dev")
    demo.deploy(RETIRED[::-1])
    applied_keys = [key for key in demo.state_objects() if "/customers/initech/dev/" in key]
    bucket = demo.state_objects()[0].split("/")[2]
    s3, rds = demo.client("s3"), demo.client("rds")
    s3.delete_object(Bucket=bucket, Key="customers/initech/dev/pipeline.tfstate.applied.tf.json")
    (demo.customers_dir / "initech-dev.yaml").unlink()
    rds.create_db_snapshot(DBInstanceIdentifier="vend-initech-dev", DBSnapshotIdentifier="vend-initech-dev-final")
    plans = demo.workdir / "plans"
    for directory in ("retire", "retire-failed", "retry", "after-retire"):
        shutil.rmtree(plans / directory, ignore_errors=True)
    planned = demo.vending("retire-plan", "plan", "--since-applied", "--out", str(plans / "retire-failed"))
    failed = demo.vending("retire-apply-failed", "apply", str(plans / "retire-failed"))
    halfway = {"keys": [key for key in demo.state_objects() if "/customers/initech/dev/" in key]}
    halfway["databases"] = [db["DBInstanceIdentifier"] for db in rds.describe_db_instances()["DBInstances"]]
    rds.delete_db_snapshot(DBSnapshotIdentifier="vend-initech-dev-final")
    retried = demo.vending("retire-retry", "plan", "--since-applied", "--out", str(plans / "retire"))
    applied = demo.vending("retire-apply", "apply", str(plans / "retire"))
    after = demo.vending("retire-again", "plan", "--since-applied", "--out", str(plans / "after-retire"))
    return {
        "keys": applied_keys,
        "planned": planned.returncode,
        "document": plan.read(plans / "retire-failed"),
        "review": (plans / "retire-failed" / "review.md").read_text(),
        "failed": (failed.returncode, (demo.workdir / "logs" / "retire-apply-failed.log").read_text(), halfway),
        "retried": (retried.returncode, plan.read(plans / "retire")),
        "applied": (applied.returncode, (demo.workdir / "logs" / "retire-apply.log").read_text()),
        "again": (after.returncode, plan.read(plans / "after-retire")),
    }


def test_the_removed_files_stacks_are_found_from_the_backend_and_planned_for_destruction(retired):
    assert retired["planned"] == 2
    assert sorted(retired["document"]["stacks"]) == sorted(RETIRED)
    assert all(saved["destroy"] and saved["retiring"] for saved in retired["document"]["stacks"].values())
    # Applied first, in reverse: the pipeline, then the environment.
    assert [w["stacks"] for w in retired["document"]["waves"]] == [["initech-dev-pipeline"], ["initech-dev"]]


def test_the_review_opens_with_what_retires_and_keeps_the_databases_final_snapshot(retired):
    review = retired["review"]
    section = review.split("**🗑️ Retiring**", 1)[1].split("\n\n", 1)[0]
    assert "database vend-initech-dev: its final snapshot vend-initech-dev-final is kept" in section
    assert "`initech-dev-pipeline`: " in section and "its objects are deleted with it" in section
    assert review.index("🗑️ Retiring") < review.index("| stack |")


def test_a_stack_without_a_kept_configuration_is_retired_from_its_files_last_commit(retired):
    section = retired["review"].split("**🗑️ Retiring**", 1)[1].split("\n\n", 1)[0]
    [line] = [line for line in section.splitlines() if "`initech-dev-pipeline`" in line]
    assert "synthesized from customers/initech-dev.yaml at commit " in line


def test_a_retirement_that_fails_halfway_keeps_what_remains_and_is_retried(retired):
    code, log, halfway = retired["failed"]
    assert code == 1, log
    assert "DBSnapshotAlreadyExists" in log
    assert "initech-dev-pipeline: retired" in log
    # The environment's state and records stay, and its database: the next plan finds it again.
    assert halfway["keys"] and all("/customers/initech/dev/infrastructure" in key for key in halfway["keys"])
    assert "vend-initech-dev" in halfway["databases"]
    code, document = retired["retried"]
    assert code == 2 and sorted(document["stacks"]) == ["initech-dev"]


def test_the_apply_leaves_nothing_of_it_but_its_final_snapshot(e2e_deployment, retired):
    code, log = retired["applied"]
    assert code == 0, log
    assert "initech-dev: retired (its state, record and configuration removed)" in log
    assert "database vend-initech-dev: its final snapshot vend-initech-dev-final is kept" in log
    demo = e2e_deployment
    groups = demo.client("autoscaling").describe_auto_scaling_groups(AutoScalingGroupNames=["vend-initech-dev"])
    assert groups["AutoScalingGroups"] == []
    rds = demo.client("rds")
    assert [db["DBInstanceIdentifier"] for db in rds.describe_db_instances()["DBInstances"]] == ["vend-acme-prod"]
    snapshots = rds.describe_db_snapshots(DBSnapshotIdentifier="vend-initech-dev-final")["DBSnapshots"]
    assert [s["DBInstanceIdentifier"] for s in snapshots] == ["vend-initech-dev"]
    elb = demo.client("elbv2")
    [shared] = elb.describe_load_balancers(Names=["vend-shared"])["LoadBalancers"]
    for listener in elb.describe_listeners(LoadBalancerArn=shared["LoadBalancerArn"])["Listeners"]:
        rules = elb.describe_rules(ListenerArn=listener["ListenerArn"])["Rules"]
        assert "initech-dev.apps.example.com" not in json.dumps(rules)
    assert retired["keys"], "initech-dev was applied with state and records"
    assert [key for key in demo.state_objects() if "/customers/initech/dev/" in key] == []


def test_a_second_since_applied_finds_nothing_to_retire(retired):
    code, document = retired["again"]
    assert code == 0 and document["stacks"] == {} and document["not_planned"] == {}


def test_removing_a_production_file_alone_destroys_nothing_and_names_the_missing_step(e2e_deployment, tmp_path):
    demo = e2e_deployment
    customers = tmp_path / "customers"
    shutil.copytree(demo.customers_dir, customers)
    (customers / "acme-prod.yaml").unlink()
    before = state_versions(demo)
    knobs = {"VENDING_CUSTOMERS_DIR": str(customers), "CDKTF_OUTDIR": str(tmp_path / "cdktf.out")}
    done = run_vending(demo, "plan", "--since-applied", "--out", str(tmp_path / "plans"), knobs=knobs, check=False)
    assert done.returncode == 1, done.stderr
    assert state_versions(demo) == before
    document = plan.read(tmp_path / "plans")
    assert document["stacks"] == {}
    for stack in ("acme-prod", "acme-prod-pipeline"):
        error = document["not_planned"][stack]["error"]
        assert "prevent_destroy" in error
        assert f"{stack} is production: removing its file destroys nothing." in error
        assert "put the file back with `retire: true` and apply it" in error
