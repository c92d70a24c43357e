"""The pipeline's Test stage: a CodeBuild project running the repository's buildspec.yaml in
the customer's own test image, with its logs, and a role that can do only that."""

from __future__ import annotations

import re

from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.codebuild_project import (
    CodebuildProject,
    CodebuildProjectArtifacts,
    CodebuildProjectEnvironment,
    CodebuildProjectLogsConfig,
    CodebuildProjectLogsConfigCloudwatchLogs,
    CodebuildProjectSource,
)
from constructs import Construct

from vending.synth.components.iam import ServiceRole, Statement

BUILDSPEC = "buildspec.yaml"
COMPUTE_TYPE = "BUILD_GENERAL1_SMALL"
BUILD_TIMEOUT_MINUTES = 30
LOG_RETENTION_DAYS = 365
_ECR_IMAGE = re.compile(
    r"(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/(?P<repo>[^:@]+)"
)


def ecr_repository_arn(image: str) -> str:
    """``111111111111.dkr.ecr.eu-west-1.amazonaws.com/team/test:1`` → its repository's ARN."""
    match = _ECR_IMAGE.match(image)
    if match is None:
        raise ValueError(f"not an ECR image URI: {image!r}")
    return f"arn:aws:ecr:{match['region']}:{match['account']}:repository/{match['repo']}"


class CodebuildTests(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name: str,
        role_name: str,
        log_group_name: str,
        image: str,
        key_arn: str,
        artifact_bucket_arn: str,
    ) -> None:
        super().__init__(scope, construct_id)
        self.log_group = CloudwatchLogGroup(
            self, "logs", name=log_group_name, retention_in_days=LOG_RETENTION_DAYS, kms_key_id=key_arn
        )
        self.role = ServiceRole(
            self,
            "role",
            name=role_name,
            service="codebuild.amazonaws.com",
            statements=[
                Statement(
                    sid="WriteBuildLogs",
                    actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                    resources=[f"{self.log_group.arn}:*"],
                ),
                Statement(
                    sid="ReadSourceWriteOutput",
                    actions=["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"],
                    resources=[f"{artifact_bucket_arn}/*"],
                ),
                Statement(
                    sid="LocateArtifactBucket",
                    actions=["s3:GetBucketAcl", "s3:GetBucketLocation"],
                    resources=[artifact_bucket_arn],
                ),
                Statement(
                    sid="UseArtifactKey",
                    actions=["kms:Decrypt", "kms:GenerateDataKey"],
                    resources=[key_arn],
                ),
                Statement(
                    sid="PullTestImage",
                    actions=["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
                    resources=[ecr_repository_arn(image)],
                ),
                # GetAuthorizationToken is account-wide: AWS authorises it only on "*".
                Statement(sid="LogInToEcr", actions=["ecr:GetAuthorizationToken"], resources=["*"]),
            ],
        )
        self.project = CodebuildProject(
            self,
            "project",
            name=name,
            description=f"Tests of {name} (the repository's {BUILDSPEC})",
            service_role=self.role.role.arn,
            source=CodebuildProjectSource(type="CODEPIPELINE", buildspec=BUILDSPEC),
            artifacts=CodebuildProjectArtifacts(type="CODEPIPELINE"),
            environment=CodebuildProjectEnvironment(
                type="LINUX_CONTAINER",
                compute_type=COMPUTE_TYPE,
                image=image,
                image_pull_credentials_type="SERVICE_ROLE",  # a private ECR image, pulled with the role
            ),
            encryption_key=key_arn,
            build_timeout=BUILD_TIMEOUT_MINUTES,
            logs_config=CodebuildProjectLogsConfig(
                cloudwatch_logs=CodebuildProjectLogsConfigCloudwatchLogs(
                    status="ENABLED", group_name=self.log_group.name
                )
            ),
        )
