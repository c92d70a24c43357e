"""Emulator mode: what changes when AWS_ENDPOINT_URL points at a local AWS emulator (moto).

Everything here is an accommodation for the emulator only. It is applied when synth runs
with an endpoint URL, and never otherwise, so a real-AWS synth carries none of it.
"""

from __future__ import annotations

from typing import Any

from vending.review import plans

# Every service the stacks (and their data sources) talk to.
SERVICES = (
    "acm",
    "autoscaling",
    "cloudwatch",
    "codebuild",
    "codedeploy",
    "codepipeline",
    "codestarconnections",
    "codeconnections",
    "dynamodb",
    "ec2",
    "elbv2",
    "iam",
    "kms",
    "logs",
    "rds",
    "s3",
    "secretsmanager",
    "sns",
    "ssm",
    "sts",
    "wafv2",
)


def provider_options(endpoint: str) -> dict[str, Any]:
    """AwsProvider keyword arguments that point every service at the emulator."""
    from cdktf_cdktf_provider_aws.provider import AwsProviderEndpoints

    return {
        "endpoints": [AwsProviderEndpoints(**{service: endpoint for service in SERVICES})],
        "s3_use_path_style": True,
        "skip_credentials_validation": True,
        "skip_metadata_api_check": "true",
        "skip_region_validation": True,
    }


def backend_options(endpoint: str) -> dict[str, Any]:
    """S3Backend keyword arguments for a state bucket in the emulator."""
    return {
        "endpoints": {"s3": endpoint, "dynamodb": endpoint, "sts": endpoint, "iam": endpoint},
        "use_path_style": True,
        "skip_credentials_validation": True,
        "skip_requesting_account_id": True,
        "skip_metadata_api_check": True,
        "skip_region_validation": True,
    }


def codebuild_locations(project: Any) -> None:
    """moto's CreateProject demands source and artifact locations even for CODEPIPELINE
    projects, where AWS takes both from the pipeline; give it placeholders."""
    project.add_override("source.location", "codepipeline")
    project.add_override("artifacts.location", "codepipeline")


# --- known differences between moto and AWS, as seen in a re-plan after apply --------------
# A re-plan on the emulator may show in-place updates of exactly these attributes and nothing
# else; `unexplained()` reports everything outside them.
MOTO_VERSION = "5.2.5"

# (resource type, top-level attribute): moto reads the value back differently from AWS.
KNOWN_GAPS: dict[tuple[str, str], str] = {
    ("aws_autoscaling_policy", "enabled"): "moto reads `enabled` back as false",
    ("aws_launch_template", "tag_specifications"): (
        "moto returns the template's own tags as an extra `launch-template` tag specification"
    ),
    ("aws_codedeploy_deployment_group", "autoscaling_groups"): "moto reads the group's autoscaling groups back empty",
    ("aws_codebuild_project", "encryption_key"): "moto reads the project's KMS key back as alias/aws/s3",
    ("aws_vpc_security_group_ingress_rule", "description"): "moto drops descriptions of rules between groups",
    ("aws_vpc_security_group_egress_rule", "description"): "moto drops descriptions of rules between groups",
    ("aws_s3_bucket_logging", "target_object_key_format"): "moto does not keep the log object key format",
}

# Values that only become "known after apply" because of a gap above (a new launch template
# version, a policy document read again at apply). A known, different value is still reported.
FOLLOW_ONS: dict[tuple[str, str], str] = {
    ("aws_launch_template", "default_version"): "a new template version, from tag_specifications",
    ("aws_launch_template", "latest_version"): "a new template version, from tag_specifications",
    ("aws_autoscaling_group", "launch_template"): "the group follows the new template version",
    ("aws_iam_role_policy", "policy"): "its policy document is read again at apply, after the updates above",
}


def explained(change: Any) -> dict[str, str]:
    """Why each changed attribute of an update is expected on the emulator (empty if not all are)."""
    reasons = {}
    for path in change.paths:
        attribute = plans.attribute(path)
        key = (change.type, attribute)
        if key in KNOWN_GAPS:
            reasons[attribute] = KNOWN_GAPS[key]
        elif key in FOLLOW_ONS and path in change.unknown:
            reasons[attribute] = FOLLOW_ONS[key]
        else:
            return {}
    return reasons


def unexplained(changes: list[Any]) -> list[str]:
    """The planned changes (vending.review.plans.ResourceChange) that the known gaps do not cover."""
    problems = []
    for change in changes:
        if change.action != "update":
            problems.append(f"{change.address}: {change.action}")
        elif not explained(change):
            problems.append(f"{change.address}: update of {', '.join(change.paths)}")
    return problems
