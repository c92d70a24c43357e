"""Plan review and drift on the emulator deployment: real plans of a changed copy of the demo's
configuration (plans only: the state is read, never written) and a change made behind
Terraform's back, put back afterwards."""

from __future__ import annotations

import json
import shutil

import pytest
import yaml

from tests.conftest import E2E_STACKS, run_vending, state_versions, synthesize
from vending.ops import terraform
from vending.review import drift, model, plans
from vending.review import report as review

pytestmark = pytest.mark.e2e

GROUP = "aws_autoscaling_group.fleet_autoscaling-group_5D29F06E"


@pytest.fixture(scope="module")
def changed(e2e_deployment, tmp_path_factory):
    """The demo's configuration with acme-prod changed (instances.max 6 → 8, the application
    port 8080 → 9090, the database removed) and acme-dev added, synthesized on its own."""
    deployed = e2e_deployment
    customers = tmp_path_factory.mktemp("review") / "customers"
    shutil.copytree(deployed.customers_dir, customers)
    prod = yaml.safe_load((customers / "acme-prod.yaml").read_text())
    prod["instances"].update(max=8, port=9090)
    del prod["database"]
    (customers / "acme-prod.yaml").write_text(yaml.safe_dump(prod))
    deployed.add_environment("acme-dev", customers)
    stacks = ("acme-prod", "acme-dev", "acme-dev-pipeline")
    outdir = customers.parent / "cdktf.out"
    synthesize(customers, outdir, images_dir=deployed.images_dir, endpoint_url=deployed.emulator.url, stacks=stacks)
    return outdir, stacks


@pytest.fixture(scope="module")
def deployed_out(e2e_deployment, tmp_path_factory):
    """The deployed configuration, synthesized afresh: other e2e tests deploy other stacks
    through the deployment's own output directory."""
    deployed = e2e_deployment
    outdir = tmp_path_factory.mktemp("deployed") / "cdktf.out"
    synthesize(
        deployed.customers_dir,
        outdir,
        images_dir=deployed.images_dir,
        endpoint_url=deployed.emulator.url,
        stacks=tuple(E2E_STACKS),
    )
    return outdir


def test_review_shows_create_update_replace_destroy_with_its_warnings(e2e_deployment, changed):
    outdir, stacks = changed
    before = state_versions(e2e_deployment)
    reviews = model.plan_stacks(outdir, stacks, e2e_deployment.env(), jobs=2)
    assert state_versions(e2e_deployment) == before  # planning wrote no state
    prod, dev, pipeline = reviews
    assert not any(r.error for r in reviews), [r.error for r in reviews]

    by_address = {c.address: c for c in prod.changes}
    assert ("max_size", 6, 8) in by_address[GROUP].values
    [target_group] = [c for c in prod.changes if c.type == "aws_lb_target_group"]
    assert target_group.action == "replace" and "port" in target_group.replaced_because
    [database] = [c for c in prod.changes if c.type == "aws_db_instance"]
    assert database.action == "delete"
    assert dev.note == model.NO_STATE and {c.action for c in dev.changes} == {"create"}
    assert pipeline.note == f"{model.WAITING} acme-dev is applied"

    report = review.render(reviews)
    assert f"> - `acme-prod`: **destroy** `{database.address}`" in report
    assert "**⚠️ Needs approval**: changes to production in `acme-prod`\n" in report
    assert f"| `acme-dev` | dev | {dev.count('create')} | 0 | 0 | 0 | changes · new stack |" in report
    assert "`max_size`: `6` → `8`" in report and "`port` forces replacement" in report
    assert "<details><summary>Plan text: acme-prod</summary>" in report
    assert model.exit_status(reviews) == 2


def test_review_command_exits_0_without_changes(e2e_deployment, deployed_out, tmp_path):
    report = tmp_path / "review.md"
    result = run_vending(e2e_deployment, "review", "shared-alb", "--outdir", str(deployed_out), "--out", str(report))
    assert result.returncode == 0, result.stderr
    assert "| `shared-alb` | platform | – | – | – | – | no changes |" in report.read_text()


def test_drift_reports_a_change_behind_terraforms_back_then_nothing_once_put_back(e2e_deployment, deployed_out):
    autoscaling = e2e_deployment.client("autoscaling")
    autoscaling.update_auto_scaling_group(AutoScalingGroupName="vend-acme-prod", MaxSize=9)
    try:
        result = run_vending(e2e_deployment, "drift", "acme-prod", "--outdir", str(deployed_out), check=False)
        assert result.returncode == 2, result.stderr
        assert f"  {GROUP}\n    max_size: 6 → 9\n" in result.stdout
        found = drift.check(deployed_out, ["acme-prod"], e2e_deployment.env())[0].drift
        assert [(c.address, c.paths) for c in found] == [(GROUP, ("max_size",))]  # exactly that change
        # The check is kept beside the state: vending status shows it, starting no Terraform.
        assert status_of(e2e_deployment, "acme-prod")["drift"]["resources"] == [GROUP]
        assert fleet(e2e_deployment)["summary"]["drifted"] == 1
    finally:
        autoscaling.update_auto_scaling_group(AutoScalingGroupName="vend-acme-prod", MaxSize=6)
    [again] = drift.check(deployed_out, ["acme-prod"], e2e_deployment.env())
    assert not again.error and again.drift == ()
    result = run_vending(e2e_deployment, "drift", "acme-prod", "--outdir", str(deployed_out), check=False)
    assert result.returncode == 0, result.stderr
    assert status_of(e2e_deployment, "acme-prod")["drift"]["result"] == "in sync"
    assert fleet(e2e_deployment)["summary"]["drifted"] == 0


def fleet(deployed) -> dict:
    return json.loads(run_vending(deployed, "status", "--format", "json").stdout)


def status_of(deployed, stack: str) -> dict:
    """The stack's status in ``vending status --format json``."""
    return [s for e in fleet(deployed)["environments"] for s in e["stacks"] if s["stack"] == stack][0]


def test_config_text_that_looks_like_an_expression_reaches_the_plan_literally(e2e_deployment, tmp_path):
    # Unescaped, Terraform would put its working directory into the first address and refuse
    # the second (an unknown template directive).
    deployed = e2e_deployment
    customers = tmp_path / "customers"
    shutil.copytree(deployed.customers_dir, customers)
    prod = yaml.safe_load((customers / "acme-prod.yaml").read_text())
    emails = ["ops+${path.cwd}@example.com", "release%{x}@example.com"]
    prod["pipeline"]["approval_emails"] = emails
    (customers / "acme-prod.yaml").write_text(yaml.safe_dump(prod))
    outdir = tmp_path / "cdktf.out"
    stack = "acme-prod-pipeline"
    synthesize(customers, outdir, images_dir=deployed.images_dir, endpoint_url=deployed.emulator.url, stacks=(stack,))
    directory = outdir / "stacks" / stack
    terraform.init(directory, deployed.env())
    planned = plans.run_plan(directory, deployed.env(), text=False).json
    endpoints = [
        change["change"]["after"]["endpoint"]
        for change in planned["resource_changes"]
        if change["type"] == "aws_sns_topic_subscription" and change["change"]["after"]
    ]
    assert sorted(endpoints) == emails
