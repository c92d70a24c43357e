"""Inputs the configuration accepts are honoured as written: a custom domain outside production,
a database too large to double, and config text that holds ``${`` or ``%{``, which Terraform
must read literally."""

from __future__ import annotations

from tests.conftest import ConfigDir, live_expressions, synthesize
from vending.ops import validation

CERT = "arn:aws:acm:eu-west-1:111111111111:certificate/7d1e5a90-4c3b-4f8e-8a2d-6b9c0e1f2a03"
EMAILS = ["ops+${path.cwd}@example.com", "release%{x}@example.com"]


def test_a_custom_domain_outside_production_rides_the_shared_listener(tmp_path):
    config = ConfigDir(tmp_path / "customers").customer(
        "acme", "dev", domain={"name": "dev.acme.com", "certificate_arn": CERT}
    )
    synth = synthesize(config.path, tmp_path / "cdktf.out")
    rule = synth.one("acme-dev", "aws_lb_listener_rule")
    assert rule["condition"][0]["host_header"]["values"] == ["acme-dev.apps.example.com", "dev.acme.com"]
    certificate = synth.one("acme-dev", "aws_lb_listener_certificate")
    assert certificate["certificate_arn"] == CERT
    assert certificate["listener_arn"] == rule["listener_arn"]  # the shared HTTPS listener
    assert "aws_lb" not in synth.stack("acme-dev").get("resource", {})  # no dedicated load balancer
    assert synth.stack("acme-dev")["output"]["url"]["value"] == "https://dev.acme.com"
    assert all(result.valid for result in validation.validate(synth.outdir, ["acme-dev"]).checked)


def test_storage_grows_to_what_rds_allows(tmp_path):
    config = ConfigDir(tmp_path / "customers")
    for name, storage in (("small", 20), ("large", 40000), ("full", 65536)):
        config.customer(name, "dev", database={"engine": "postgres", "version": "16", "storage_gb": storage})
    synth = synthesize(config.path, tmp_path / "cdktf.out")
    grows = {
        name: synth.one(f"{name}-dev", "aws_db_instance").get("max_allocated_storage")
        for name in ("small", "large", "full")
    }
    assert grows == {"small": 40, "large": 65536, "full": None}


def test_config_text_reaches_terraform_as_text(tmp_path):
    config = ConfigDir(tmp_path / "customers").customer("acme", "prod", pipeline={"approval_emails": EMAILS})
    synth = synthesize(config.path, tmp_path / "cdktf.out")
    endpoints = sorted(
        s["endpoint"] for s in synth.resources("acme-prod-pipeline", "aws_sns_topic_subscription").values()
    )
    assert endpoints == ["ops+$${path.cwd}@example.com", "release%%{x}@example.com"]
    assert live_expressions(synth.stack("acme-prod-pipeline")) == []


def test_what_a_type_or_a_version_pin_cannot_take_is_not_asked_of_it(tmp_path):
    """EBS optimization only where the type has it; AWS's minor upgrades only for a major-version
    pin, so that an exact pin is not fought by the next plan."""
    config = ConfigDir(tmp_path / "customers")
    config.customer("old", "dev", instances={"type": "t2.micro"}, database={"engine": "mysql", "version": "8.0.39"})
    config.customer("new", "dev", instances={"type": "t3.small"}, database={"engine": "mysql", "version": "8.0"})
    synth = synthesize(config.path, tmp_path / "cdktf.out")
    assert "ebs_optimized" not in synth.one("old-dev", "aws_launch_template")  # t2 types cannot
    assert synth.one("new-dev", "aws_launch_template")["ebs_optimized"] == "true"
    assert synth.one("old-dev", "aws_db_instance")["auto_minor_version_upgrade"] is False
    assert synth.one("new-dev", "aws_db_instance")["auto_minor_version_upgrade"] is True
