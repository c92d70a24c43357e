"""The `<customer>-<env>-pipeline` stacks: stages, approval, deployment, test project, artifact
bucket, and least-privilege IAM, read from the session's sample synth."""

from __future__ import annotations

import re

import pytest

from tests.conftest import synthesize
from vending.model.naming import EnvironmentNames

ACCOUNT = "111111111111"
CONNECTION = f"arn:aws:codestar-connections:eu-west-1:{ACCOUNT}:connection/5f2d8c1a-9b7e-4e3f-a6d1-2c8b0e4f7a19"
PIPELINES = ["acme-dev-pipeline", "acme-prod-pipeline", "globex-prod-pipeline"]
PRODUCTION = ["acme-prod-pipeline", "globex-prod-pipeline"]
APPROVERS = {
    "acme-prod-pipeline": {"ops@acme.example", "release@acme.example"},
    "globex-prod-pipeline": {"it@globex.example"},
}
# The only actions allowed on resource "*": AWS authorises them on nothing narrower.
UNSCOPABLE = re.compile(r"(autoscaling|ec2|elasticloadbalancing):Describe\w+|ecr:GetAuthorizationToken")


def names(stack: str) -> EnvironmentNames:
    customer, environment, _ = stack.split("-")
    return EnvironmentNames("vend", customer, environment)


def ref(synth, stack: str, kind: str, attribute: str, section: str = "resource") -> str:
    """``${kind.<id>.attribute}`` of the stack's only ``kind``."""
    found = synth.stack(stack)[section][kind]
    assert len(found) == 1, f"{stack}: expected one {kind}, got {sorted(found)}"
    prefix = "data." if section == "data" else ""
    return f"${{{prefix}{kind}.{next(iter(found))}.{attribute}}}"


def document(synth, stack: str, reference: str) -> dict:
    """The policy document a ``${data.aws_iam_policy_document.<id>.json}`` reference names."""
    match = re.fullmatch(r"\$\{data\.aws_iam_policy_document\.([^.]+)\.json\}", reference)
    assert match, reference
    return synth.stack(stack)["data"]["aws_iam_policy_document"][match[1]]


def inline_policies(synth, stack: str) -> dict[str, tuple[str, list[dict]]]:
    """Role name → (address of the role's inline policy, its statements)."""
    roles = synth.resources(stack, "aws_iam_role")
    found = {}
    for policy_id, policy in synth.resources(stack, "aws_iam_role_policy").items():
        role_id = re.fullmatch(r"\$\{aws_iam_role\.([^.]+)\.id\}", policy["role"])[1]
        statements = document(synth, stack, policy["policy"])["statement"]
        found[roles[role_id]["name"]] = (f"aws_iam_role_policy.{policy_id}", statements)
    return found


def role_policies(synth, stack: str) -> dict[str, list[dict]]:
    """Role name → the statements of its inline policy."""
    return {role: statements for role, (_, statements) in inline_policies(synth, stack).items()}


def stages(synth, stack: str) -> list[dict]:
    return synth.one(stack, "aws_codepipeline")["stage"]


def action(synth, stack: str, stage: str) -> dict:
    (found,) = [s["action"] for s in stages(synth, stack) if s["name"] == stage]
    assert len(found) == 1
    return found[0]


# --- the stack ---------------------------------------------------------------------------------


@pytest.mark.parametrize("stack", PIPELINES)
def test_own_state_and_environment_tags(sample_synth, stack):
    customer, environment, _ = stack.split("-")
    terraform = sample_synth.stack(stack)["terraform"]
    assert terraform["backend"]["s3"]["key"] == f"customers/{customer}/{environment}/pipeline.tfstate"
    tags = sample_synth.stack(stack)["provider"]["aws"][0]["default_tags"][0]["tags"]
    assert (tags["customer"], tags["environment"]) == (customer, environment)


@pytest.mark.parametrize("stack", PIPELINES)
def test_stage_order(sample_synth, stack):
    expected = ["Source", "Test", "Approve", "Deploy"] if stack in PRODUCTION else ["Source", "Test", "Deploy"]
    assert [s["name"] for s in stages(sample_synth, stack)] == expected
    assert sample_synth.one(stack, "aws_codepipeline")["pipeline_type"] == "V2"


def test_source_is_the_configured_branch_through_the_connection(sample_synth):
    source = action(sample_synth, "acme-dev-pipeline", "Source")
    assert (source["owner"], source["provider"]) == ("AWS", "CodeStarSourceConnection")
    assert source["configuration"] == {
        "ConnectionArn": CONNECTION,
        "FullRepositoryId": "acme/shop",
        "BranchName": "develop",
        "OutputArtifactFormat": "CODE_ZIP",
    }
    assert action(sample_synth, "globex-prod-pipeline", "Source")["configuration"]["BranchName"] == "main"  # default


def test_artifacts_flow_from_source_through_tests_to_deploy(sample_synth):
    stack = "acme-prod-pipeline"
    source, test, deploy = (action(sample_synth, stack, s) for s in ("Source", "Test", "Deploy"))
    assert test["input_artifacts"] == source["output_artifacts"]
    assert deploy["input_artifacts"] == test["output_artifacts"]  # the revision the buildspec packs
    assert test["configuration"] == {"ProjectName": ref(sample_synth, stack, "aws_codebuild_project", "name")}


@pytest.mark.parametrize("stack", PRODUCTION)
def test_production_waits_for_approval_by_email(sample_synth, stack):
    customer = stack.split("-")[0]
    approve = action(sample_synth, stack, "Approve")
    assert (approve["category"], approve["provider"]) == ("Approval", "Manual")
    assert approve["configuration"] == {
        "NotificationArn": ref(sample_synth, stack, "aws_sns_topic", "arn"),
        "CustomData": f"{customer} deploy to prod",
    }
    topic = sample_synth.one(stack, "aws_sns_topic")
    assert topic["name"] == names(stack).approval_topic
    assert topic["kms_master_key_id"] == ref(sample_synth, stack, "aws_kms_key", "arn")
    subscriptions = sample_synth.resources(stack, "aws_sns_topic_subscription").values()
    assert {s["endpoint"] for s in subscriptions} == APPROVERS[stack]
    assert {(s["protocol"], s["topic_arn"]) for s in subscriptions} == {
        ("email", approve["configuration"]["NotificationArn"])
    }
    assert (
        sample_synth.stack(stack)["output"]["approval_topic_arn"]["value"]
        == approve["configuration"]["NotificationArn"]
    )


def test_development_deploys_without_approval(sample_synth):
    stack = "acme-dev-pipeline"
    assert sample_synth.resources(stack, "aws_sns_topic") == {}
    assert sample_synth.resources(stack, "aws_sns_topic_subscription") == {}
    assert "approval_topic_arn" not in sample_synth.stack(stack)["output"]
    actions = {
        a for statements in role_policies(sample_synth, stack).values() for s in statements for a in s["actions"]
    }
    assert "sns:Publish" not in actions


# --- deployment ----------------------------------------------------------------------------------


@pytest.mark.parametrize("stack", PIPELINES)
def test_deployment_group_one_at_a_time_behind_the_environments_target_group(sample_synth, stack):
    group = sample_synth.one(stack, "aws_codedeploy_deployment_group")
    assert group["deployment_config_name"] == "CodeDeployDefault.OneAtATime"
    assert group["auto_rollback_configuration"] == {
        "enabled": True,
        "events": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_REQUEST"],
    }
    assert group["deployment_style"] == {"deployment_option": "WITH_TRAFFIC_CONTROL", "deployment_type": "IN_PLACE"}
    # Found by name with data sources: the environment stack is never referenced through cdktf.
    data = sample_synth.stack(stack)["data"]
    assert sample_synth.one(stack, "aws_codedeploy_app")["compute_platform"] == "Server"
    (target_group,) = data["aws_lb_target_group"].values()
    (autoscaling_group,) = data["aws_autoscaling_group"].values()
    assert target_group["name"] == autoscaling_group["name"] == names(stack).base  # e.g. vend-acme-prod
    assert group["load_balancer_info"]["target_group_info"] == [
        {"name": ref(sample_synth, stack, "aws_lb_target_group", "name", "data")}
    ]
    assert group["autoscaling_groups"] == [ref(sample_synth, stack, "aws_autoscaling_group", "name", "data")]
    deploy = action(sample_synth, stack, "Deploy")
    assert (deploy["category"], deploy["provider"]) == ("Deploy", "CodeDeploy")
    assert deploy["configuration"] == {
        "ApplicationName": ref(sample_synth, stack, "aws_codedeploy_app", "name"),
        "DeploymentGroupName": ref(sample_synth, stack, "aws_codedeploy_deployment_group", "deployment_group_name"),
    }


# --- tests ---------------------------------------------------------------------------------------


def test_codebuild_runs_the_repository_buildspec_in_the_test_image(sample_synth):
    stack = "globex-prod-pipeline"
    project = sample_synth.one(stack, "aws_codebuild_project")
    assert project["name"] == names(stack).test_project
    assert project["source"] == {"type": "CODEPIPELINE", "buildspec": "buildspec.yaml"}
    assert project["artifacts"] == {"type": "CODEPIPELINE"}
    environment = project["environment"]
    assert environment["image"] == f"{ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/globex-test:1.4"
    assert (environment["type"], environment["image_pull_credentials_type"]) == ("LINUX_CONTAINER", "SERVICE_ROLE")
    assert project["encryption_key"] == ref(sample_synth, stack, "aws_kms_key", "arn")
    logs = project["logs_config"]["cloudwatch_logs"]
    assert logs == {"status": "ENABLED", "group_name": ref(sample_synth, stack, "aws_cloudwatch_log_group", "name")}
    group = sample_synth.one(stack, "aws_cloudwatch_log_group")
    assert group["name"] == "/aws/codebuild/vend-globex-prod-test"
    assert group["retention_in_days"] >= 90 and group["kms_key_id"] == project["encryption_key"]
    pull = next(
        s for s in role_policies(sample_synth, stack)[names(stack).codebuild_role] if s["sid"] == "PullTestImage"
    )
    assert pull["resources"] == [f"arn:aws:ecr:eu-west-1:{ACCOUNT}:repository/globex-test"]


# --- artifacts and encryption ----------------------------------------------------------------------


@pytest.mark.parametrize("stack", PIPELINES)
def test_artifact_bucket_is_hardened(sample_synth, stack):
    bucket = sample_synth.one(stack, "aws_s3_bucket")
    assert bucket["bucket"] == names(stack).artifact_bucket(ACCOUNT)
    bucket_id, key_arn = ref(sample_synth, stack, "aws_s3_bucket", "id"), ref(sample_synth, stack, "aws_kms_key", "arn")

    encryption = sample_synth.one(stack, "aws_s3_bucket_server_side_encryption_configuration")
    assert encryption["bucket"] == bucket_id
    assert encryption["rule"] == [
        {
            "apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms", "kms_master_key_id": key_arn},
            "bucket_key_enabled": True,
        }
    ]
    assert sample_synth.one(stack, "aws_s3_bucket_versioning")["versioning_configuration"] == {"status": "Enabled"}
    public_access = sample_synth.one(stack, "aws_s3_bucket_public_access_block")
    flags = ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")
    assert all(public_access[flag] is True for flag in flags)
    ownership = sample_synth.one(stack, "aws_s3_bucket_ownership_controls")
    assert ownership["rule"] == {"object_ownership": "BucketOwnerEnforced"}

    (rule,) = sample_synth.one(stack, "aws_s3_bucket_lifecycle_configuration")["rule"]
    assert rule["status"] == "Enabled" and rule["filter"] == [{}]
    assert rule["expiration"][0]["days"] > 0 and rule["noncurrent_version_expiration"][0]["noncurrent_days"] > 0
    assert rule["abort_incomplete_multipart_upload"][0]["days_after_initiation"] > 0

    policy = sample_synth.one(stack, "aws_s3_bucket_policy")
    (deny,) = document(sample_synth, stack, policy["policy"])["statement"]
    bucket_arn = ref(sample_synth, stack, "aws_s3_bucket", "arn")
    assert deny["effect"] == "Deny" and deny["actions"] == ["s3:*"]
    assert deny["resources"] == [bucket_arn, f"{bucket_arn}/*"]
    assert deny["principals"] == [{"type": "AWS", "identifiers": ["*"]}]  # a list: the emulator needs it
    assert deny["condition"] == [{"test": "Bool", "variable": "aws:SecureTransport", "values": ["false"]}]

    (store,) = sample_synth.one(stack, "aws_codepipeline")["artifact_store"]
    assert store["location"] == ref(sample_synth, stack, "aws_s3_bucket", "bucket")
    assert store["encryption_key"] == {"type": "KMS", "id": key_arn}


@pytest.mark.parametrize("stack", PIPELINES)
def test_key_rotates_and_has_the_alias_the_instances_trust(sample_synth, stack):
    key = sample_synth.one(stack, "aws_kms_key")
    assert key["enable_key_rotation"] is True
    alias = sample_synth.one(stack, "aws_kms_alias")
    assert alias["name"] == names(stack).artifact_key_alias
    assert alias["target_key_id"] == ref(sample_synth, stack, "aws_kms_key", "key_id")
    statements = {s["sid"]: s for s in document(sample_synth, stack, key["policy"])["statement"]}
    assert statements["AccountUsesIamPolicies"]["principals"] == [
        {"type": "AWS", "identifiers": [f"arn:aws:iam::{ACCOUNT}:root"]}
    ]
    logs = statements["CloudWatchLogsEncryptsBuildLogs"]
    assert logs["condition"][0]["values"] == [
        f"arn:aws:logs:eu-west-1:{ACCOUNT}:log-group:{names(stack).test_log_group}"
    ]


def test_instances_can_read_what_the_pipeline_writes(sample_synth):
    """The environment stack's instance role names this stack's bucket and key alias."""
    documents = sample_synth.stack("acme-prod")["data"]["aws_iam_policy_document"].values()
    statements = {s.get("sid"): s for d in documents for s in d["statement"]}
    bucket = sample_synth.one("acme-prod-pipeline", "aws_s3_bucket")["bucket"]
    alias = sample_synth.one("acme-prod-pipeline", "aws_kms_alias")["name"]
    assert statements["ReadRevisions"]["resources"] == [f"arn:aws:s3:::{bucket}/*"]
    assert statements["DecryptRevisions"]["condition"][0]["values"] == [alias]


# --- IAM -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("stack", PIPELINES)
def test_roles_are_assumed_by_their_service_only(sample_synth, stack):
    trusted = {}
    for role in sample_synth.resources(stack, "aws_iam_role").values():
        (statement,) = document(sample_synth, stack, role["assume_role_policy"])["statement"]
        assert statement["actions"] == ["sts:AssumeRole"]
        trusted[role["name"]] = statement["principals"]
    n = names(stack)
    assert trusted == {
        n.pipeline_role: [{"type": "Service", "identifiers": ["codepipeline.amazonaws.com"]}],
        n.codebuild_role: [{"type": "Service", "identifiers": ["codebuild.amazonaws.com"]}],
        n.codedeploy_role: [{"type": "Service", "identifiers": ["codedeploy.amazonaws.com"]}],
    }


@pytest.mark.parametrize("stack", PIPELINES)
def test_role_policies_are_least_privilege(sample_synth, stack):
    policies = role_policies(sample_synth, stack)
    assert len(policies) == 3
    for role, statements in policies.items():
        for statement in statements:
            where = f"{role} {statement.get('sid')}"
            assert statement.get("effect", "Allow") == "Allow", where
            assert all("*" not in action for action in statement["actions"]), where
            for resource in statement["resources"]:
                if resource == "*":
                    assert all(UNSCOPABLE.fullmatch(a) for a in statement["actions"]), where
                else:
                    # A reference or an exact ARN; "/*" and ":*" only for a bucket's objects or a log group's streams.
                    assert re.fullmatch(r"(\$\{[^*]+\}|arn:aws:[^*]+)(/\*|:\*)?", resource), f"{where}: {resource}"


@pytest.mark.parametrize("stack", PIPELINES)
def test_no_allow_statement_uses_a_wildcard_action(sample_synth, stack):
    """Key policy included: only the bucket's TLS deny says "s3:*" (a deny grants nothing)."""
    for name, policy in sample_synth.stack(stack)["data"]["aws_iam_policy_document"].items():
        for statement in policy["statement"]:
            if statement.get("effect", "Allow") == "Allow":
                assert all("*" not in action for action in statement["actions"]), name


def test_pipeline_role_is_scoped_to_its_own_resources(sample_synth):
    stack = "acme-prod-pipeline"
    statements = {s["sid"]: s for s in role_policies(sample_synth, stack)[names(stack).pipeline_role]}
    assert statements["UseRepositoryConnection"] == {
        "sid": "UseRepositoryConnection",
        "effect": "Allow",
        "actions": ["codestar-connections:UseConnection"],
        "resources": [CONNECTION],
    }
    assert statements["RunTests"]["resources"] == [ref(sample_synth, stack, "aws_codebuild_project", "arn")]
    assert statements["Deploy"]["resources"] == [ref(sample_synth, stack, "aws_codedeploy_deployment_group", "arn")]
    assert statements["AskForApproval"]["resources"] == [ref(sample_synth, stack, "aws_sns_topic", "arn")]
    assert statements["ReadDeploymentConfig"]["resources"] == [
        f"arn:aws:codedeploy:eu-west-1:{ACCOUNT}:deploymentconfig:CodeDeployDefault.OneAtATime"
    ]


def test_permissions_exist_before_the_pipeline_and_deployment_group(sample_synth):
    """A new pipeline runs at once, and a new deployment group hooks into the ASG at once."""
    stack = "acme-dev-pipeline"
    policies = {role: address for role, (address, _) in inline_policies(sample_synth, stack).items()}
    n = names(stack)
    assert sample_synth.one(stack, "aws_codepipeline")["depends_on"] == [policies[n.pipeline_role]]
    assert sample_synth.one(stack, "aws_codedeploy_deployment_group")["depends_on"] == [policies[n.codedeploy_role]]


@pytest.mark.parametrize("stack", PIPELINES)
def test_outputs(sample_synth, stack):
    outputs = sample_synth.stack(stack)["output"]
    assert outputs["pipeline_name"]["value"] == ref(sample_synth, stack, "aws_codepipeline", "name")
    assert outputs["artifact_bucket"]["value"] == ref(sample_synth, stack, "aws_s3_bucket", "bucket")
    assert {"codedeploy_application", "deployment_group"} <= set(outputs)


# --- emulator ------------------------------------------------------------------------------------


def test_codebuild_locations_only_for_the_emulator(sample_synth, samples_dir, tmp_path):
    assert "location" not in sample_synth.one("acme-dev-pipeline", "aws_codebuild_project")["source"]
    emulated = synthesize(
        samples_dir, tmp_path / "cdktf.out", stacks=("acme-dev-pipeline",), endpoint_url="http://127.0.0.1:5000"
    )
    project = emulated.one("acme-dev-pipeline", "aws_codebuild_project")
    assert project["source"]["location"] and project["artifacts"]["location"]
