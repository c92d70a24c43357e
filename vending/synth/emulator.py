"""Emulator mode: what changes when AWS_ENDPOINT_URL points at a local AWS emulator (moto).

Everything here is an accommodation for the emulator only. It is applied when synth runs
with an endpoint URL, and never otherwise, so a real-AWS synth carries none of it.
"""

from __future__ import annotations

from typing import Any

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
