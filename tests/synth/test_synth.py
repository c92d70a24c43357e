"""The synthesized stacks: key properties per stack kind, golden snapshots, determinism,
and `terraform validate` (real terraform, provider from the filesystem mirror)."""

from __future__ import annotations

import json

import pytest
from syrupy.extensions.json import JSONSnapshotExtension

from tests.conftest import synthesize
from vending.ops import validation

INFRA_STACKS = ["shared-alb", "acme-dev", "acme-prod", "globex-prod"]
PIPELINE_STACKS = ["acme-dev-pipeline", "acme-prod-pipeline", "globex-prod-pipeline"]


# --- state and provider ----------------------------------------------------------------------


def test_every_stack_has_its_own_encrypted_s3_state_with_lockfile(sample_synth):
    keys = {}
    for name in sample_synth.stack_names():
        s3 = sample_synth.stack(name)["terraform"]["backend"]["s3"]
        assert s3["bucket"] == "vend-tfstate-111111111111" and s3["region"] == "eu-west-1"
        assert s3["encrypt"] is True and s3["use_lockfile"] is True and "dynamodb_table" not in s3
        keys[name] = s3["key"]
    assert keys["shared-alb"] == "platform/shared-alb.tfstate"
    assert keys["acme-prod"] == "customers/acme/prod/infrastructure.tfstate"
    assert len(set(keys.values())) == len(keys)


def test_provider_is_fully_qualified_with_default_tags(sample_synth):
    for name in sample_synth.stack_names():
        stack = sample_synth.stack(name)
        assert stack["terraform"]["required_providers"]["aws"]["source"] == "hashicorp/aws"
        assert "required_version" not in stack["terraform"]
        tags = stack["provider"]["aws"][0]["default_tags"][0]["tags"]
        assert tags["platform"] == "vend" and tags["managed-by"] == "vending"
    tags = sample_synth.stack("acme-prod")["provider"]["aws"][0]["default_tags"][0]["tags"]
    assert (tags["customer"], tags["environment"], tags["owner"], tags["cost-center"]) == (
        "acme",
        "prod",
        "acme",
        "platform",
    )


def test_emulator_settings_stay_out_of_a_real_aws_synth(sample_synth):
    for name in sample_synth.stack_names():
        text = json.dumps(sample_synth.stack(name))
        assert "endpoints" not in text and "skip_credentials_validation" not in text


def listeners_by_port(synth, stack: str) -> dict[int, dict]:
    return {listener["port"]: listener for listener in synth.resources(stack, "aws_lb_listener").values()}


# --- shared-alb ------------------------------------------------------------------------------


def test_shared_alb(sample_synth):
    alb = sample_synth.one("shared-alb", "aws_lb")
    assert alb["name"] == "vend-shared" and alb["internal"] is False
    assert alb["drop_invalid_header_fields"] is True and alb["enable_deletion_protection"] is True
    listeners = listeners_by_port(sample_synth, "shared-alb")
    redirect = listeners[80]["default_action"][0]
    assert redirect["type"] == "redirect"
    assert redirect["redirect"] == {"port": "443", "protocol": "HTTPS", "status_code": "HTTP_301"}
    https = listeners[443]
    assert https["protocol"] == "HTTPS" and https["ssl_policy"].startswith("ELBSecurityPolicy-TLS13")
    assert https["certificate_arn"].endswith("certificate/0b6f3c6e-2d7a-4b59-9a55-3f1e8f2a1c01")
    assert https["default_action"][0]["fixed_response"] == {
        "content_type": "text/plain",
        "message_body": "host not found",
        "status_code": "503",
    }


def test_shared_alb_creates_the_network_when_asked(sample_synth):
    vpc = sample_synth.one("shared-alb", "aws_vpc")
    assert vpc["cidr_block"] == "10.20.0.0/16"
    subnets = sample_synth.resources("shared-alb", "aws_subnet").values()
    tiers = sorted(s["tags"]["tier"] for s in subnets)
    assert tiers == ["private", "private", "public", "public"]
    assert len(sample_synth.resources("shared-alb", "aws_nat_gateway")) == 1


# --- customer environments ---------------------------------------------------------------------


def test_shared_listener_rule_found_by_data_sources(sample_synth):
    stack = sample_synth.stack("globex-prod")
    assert stack["data"]["aws_lb"]
    assert "aws_lb" not in stack["resource"]
    rule = sample_synth.one("globex-prod", "aws_lb_listener_rule")
    assert rule["priority"] == 120  # pinned in the customer file
    assert rule["condition"][0]["host_header"]["values"] == ["globex-prod.apps.example.com"]
    assert rule["listener_arn"].startswith("${data.aws_lb_listener.")
    assert sample_synth.one("acme-dev", "aws_lb_listener_rule")["priority"] == 100  # from priorities.lock


def test_production_with_custom_domain_gets_a_dedicated_alb(sample_synth):
    alb = sample_synth.one("acme-prod", "aws_lb")
    assert alb["name"] == "vend-acme-prod"
    listeners = listeners_by_port(sample_synth, "acme-prod")
    assert listeners[80]["default_action"][0]["type"] == "redirect"
    assert listeners[443]["certificate_arn"].endswith("7d1e5a90-4c3b-4f8e-8a2d-6b9c0e1f2a03")
    assert listeners[443]["default_action"][0]["fixed_response"]["status_code"] == "503"
    rule = sample_synth.one("acme-prod", "aws_lb_listener_rule")
    assert rule["condition"][0]["host_header"]["values"] == ["shop.acme.com"]


def test_target_group_health_check_from_config(sample_synth):
    group = sample_synth.one("globex-prod", "aws_lb_target_group")
    assert group["port"] == 8080 and group["name"] == "vend-globex-prod"
    check = group["health_check"]
    assert (check["path"], check["matcher"], check["interval"], check["timeout"]) == ("/status", "200", 30, 5)
    assert (check["healthy_threshold"], check["unhealthy_threshold"]) == (3, 3)


def test_launch_template_is_hardened(sample_synth):
    template = sample_synth.one("acme-prod", "aws_launch_template")
    assert template["image_id"] == "ami-0a1b2c3d4e5f60718"
    assert template["metadata_options"]["http_tokens"] == "required"
    ebs = template["block_device_mappings"][0]["ebs"]
    assert ebs["encrypted"] == "true" and ebs["volume_type"] == "gp3"
    assert template["block_device_mappings"][0]["device_name"].startswith("${data.aws_ami.")
    assert template["iam_instance_profile"]["arn"].startswith("${aws_iam_instance_profile.")
    import base64

    script = base64.b64decode(template["user_data"]).decode()
    assert "codedeploy-agent" in script and "REGION=eu-west-1" in script


def test_instance_role_has_ssm_codedeploy_and_cloudwatch(sample_synth):
    attachments = sample_synth.resources("acme-prod", "aws_iam_role_policy_attachment").values()
    attached = {
        a["policy_arn"] for a in attachments if a["//"]["metadata"]["path"].startswith("acme-prod/instance-role/")
    }
    assert attached == {
        "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
        "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy",
    }
    documents = sample_synth.stack("acme-prod")["data"]["aws_iam_policy_document"]
    statements = [s for d in documents.values() for s in d["statement"]]
    read = next(s for s in statements if s.get("sid") == "ReadRevisions")
    assert read["resources"] == ["arn:aws:s3:::vend-acme-prod-artifacts-111111111111/*"]
    assert all("*" not in a for s in statements for a in s["actions"])


def test_autoscaling_group_and_cpu_scaling(sample_synth):
    group = sample_synth.one("acme-prod", "aws_autoscaling_group")
    assert (group["min_size"], group["max_size"], group["desired_capacity"]) == (2, 6, 2)
    assert group["health_check_type"] == "ELB"
    assert group["instance_refresh"]["strategy"] == "Rolling"
    assert group["launch_template"]["version"].endswith(".latest_version}")
    alarms = {a["alarm_name"]: a for a in sample_synth.resources("acme-prod", "aws_cloudwatch_metric_alarm").values()}
    assert alarms["vend-acme-prod-scale-out"]["threshold"] == 70
    assert alarms["vend-acme-prod-scale-in"]["threshold"] == 30
    policies = {p["name"]: p for p in sample_synth.resources("acme-prod", "aws_autoscaling_policy").values()}
    assert policies["vend-acme-prod-scale-out"]["scaling_adjustment"] == 1
    assert policies["vend-acme-prod-scale-in"]["scaling_adjustment"] == -1


def test_security_groups_chain_load_balancer_instances_database(sample_synth):
    ingress = list(sample_synth.resources("acme-prod", "aws_vpc_security_group_ingress_rule").values())
    from_sg = [r for r in ingress if "referenced_security_group_id" in r]
    ports = sorted(r["from_port"] for r in from_sg)
    assert ports == [3306, 8080]  # instances from the ALB, database from the instances
    assert all("description" in r for r in ingress)
    world = [r for r in ingress if r.get("cidr_ipv4") == "0.0.0.0/0"]
    assert sorted(r["from_port"] for r in world) == [80, 443]  # only on the load balancer


def test_database_production_defaults_and_managed_password(sample_synth):
    database = sample_synth.one("acme-prod", "aws_db_instance")
    assert database["identifier"] == "vend-acme-prod" and database["engine"] == "mysql"
    assert database["multi_az"] is True and database["backup_retention_period"] == 7
    assert database["deletion_protection"] is True and database["skip_final_snapshot"] is False
    assert database["final_snapshot_identifier"] == "vend-acme-prod-final"
    assert database["storage_encrypted"] is True and database["manage_master_user_password"] is True
    assert database["publicly_accessible"] is False
    assert "password" not in database
    dev = sample_synth.one("acme-dev", "aws_db_instance")
    assert (dev["multi_az"], dev["backup_retention_period"], dev["deletion_protection"]) == (False, 1, False)
    assert sample_synth.resources("globex-prod", "aws_db_instance") == {}


def test_outputs_for_humans(sample_synth):
    outputs = sample_synth.stack("acme-prod")["output"]
    assert outputs["url"]["value"] == "https://shop.acme.com"
    assert {"autoscaling_group_name", "target_group_arn", "database_endpoint", "ami_id"} <= set(outputs)
    assert "alb_dns_name" in sample_synth.stack("shared-alb")["output"]


def test_stack_directories_are_self_contained(sample_synth):
    for name in sample_synth.stack_names():
        text = (sample_synth.outdir / "stacks" / name / "cdk.tf.json").read_text()
        assert "../" not in text and str(sample_synth.outdir.parent) not in text


# --- snapshots, determinism, validate -----------------------------------------------------------


@pytest.fixture
def json_snapshot(snapshot):
    return snapshot.use_extension(JSONSnapshotExtension)


@pytest.mark.parametrize("stack", INFRA_STACKS + PIPELINE_STACKS)
def test_golden_snapshot(sample_synth, json_snapshot, stack):
    assert sample_synth.stack(stack) == json_snapshot


def test_two_synths_are_byte_identical(sample_synth, samples_dir, tmp_path):
    again = synthesize(samples_dir, tmp_path / "cdktf.out")
    for name in sample_synth.stack_names():
        first = (sample_synth.outdir / "stacks" / name / "cdk.tf.json").read_bytes()
        assert (again.outdir / "stacks" / name / "cdk.tf.json").read_bytes() == first, name
    assert (again.outdir / "manifest.json").read_bytes() == (sample_synth.outdir / "manifest.json").read_bytes()


def test_terraform_validate_every_stack(sample_synth, tmp_path):
    results = validation.validate(sample_synth.outdir).checked
    assert [r.stack for r in results] == sample_synth.stack_names()
    assert all(r.valid for r in results), "\n".join(r.summary() for r in results)
