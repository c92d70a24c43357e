"""The live preflight on the emulator deployment: the checks moto answers (instance type
offerings, images, ACM, ECR), through ``vending plan`` of a changed copy of the demo's
configuration (plans only: no state is written)."""

from __future__ import annotations

import json
import shutil

import pytest
import yaml

from tests.conftest import run_vending

pytestmark = pytest.mark.e2e

MISSING_AMI = "ami-0123456789abcdef0"


@pytest.fixture(scope="module")
def broken(e2e_deployment, tmp_path_factory):
    """The demo's configuration with acme-prod pinned to an image that does not exist, its domain
    on a certificate for another name, and its pipeline on a test image that was never pushed."""
    deployed = e2e_deployment
    work = tmp_path_factory.mktemp("preflight")
    customers = work / "customers"
    shutil.copytree(deployed.customers_dir, customers)
    prod = yaml.safe_load((customers / "acme-prod.yaml").read_text())
    prod["image"]["ami_id"] = MISSING_AMI
    prod["domain"]["certificate_arn"] = deployed.certificate("other.example.org")
    prod["pipeline"]["test_image"] = prod["pipeline"]["test_image"].replace("acme-test", "never-pushed")
    (customers / "acme-prod.yaml").write_text(yaml.safe_dump(prod))
    return {"VENDING_CUSTOMERS_DIR": str(customers), "CDKTF_OUTDIR": str(work / "cdktf.out")}, work


def test_what_aws_would_refuse_fails_the_plan_and_is_listed_first(e2e_deployment, broken):
    knobs, work = broken
    done = run_vending(
        e2e_deployment,
        "plan",
        "--out",
        str(work / "plans"),
        "acme-prod",
        "acme-prod-pipeline",
        knobs=knobs,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    review = (work / "plans" / "review.md").read_text()
    source = f"{knobs['VENDING_CUSTOMERS_DIR']}/acme-prod.yaml"
    refusals = [
        f"`acme-prod`: {source}: image.ami_id: {MISSING_AMI} does not exist in eu-west-1 (DescribeImages)",
        f"`acme-prod`: {source}: domain.certificate_arn: the certificate covers other.example.org, not shop.acme.com"
        " (DescribeCertificate)",
        f"`acme-prod-pipeline`: {source}: pipeline.test_image: ",
    ]
    shown = review.split("⛔ Preflight: AWS would refuse these", 1)[1].split("\n\n", 1)[0]
    for refusal in refusals:
        assert f"> - {refusal}" in shown
    assert review.index("⛔ Preflight: AWS would refuse") < review.index("❌ Not planned")  # first of the warnings
    assert "⛔ Preflight refused 2 of 2 stack(s)" in review
    manifest = json.loads((work / "plans" / "plans.json").read_text())
    assert sorted(manifest["not_planned"]) == ["acme-prod", "acme-prod-pipeline"]


def test_no_preflight_plans_anyway_and_the_review_says_so(e2e_deployment, broken):
    knobs, work = broken
    out = work / "unchecked"
    done = run_vending(e2e_deployment, "plan", "--no-preflight", "--out", str(out), "acme-prod-pipeline", knobs=knobs)
    assert "Preflight skipped (--no-preflight)" in (out / "review.md").read_text()
    assert done.returncode in (0, 2)


def test_the_deployments_own_plans_pass_it(e2e_deployment):
    review = (e2e_deployment.workdir / "plans" / "second" / "review.md").read_text()
    assert "Preflight passed: 3 stack(s)" in review
    assert "not checked against the emulator: RDS orderable options, source connection status" in review
