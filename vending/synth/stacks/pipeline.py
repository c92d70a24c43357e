"""``<customer>-<env>-pipeline``: the environment's delivery pipeline, from commit to fleet.

Deployable on its own once ``<customer>-<env>`` exists: it finds that environment's
autoscaling group and target group by name.
"""

from __future__ import annotations

from cdktf import TerraformOutput
from constructs import Construct

from vending.model.config import Customer, Platform
from vending.synth import emulator
from vending.synth.components.approval import ApprovalTopic
from vending.synth.components.artifact_bucket import ArtifactBucket
from vending.synth.components.codebuild_tests import CodebuildTests
from vending.synth.components.customer_key import KEY_USE_ACTIONS, CustomerKey
from vending.synth.components.delivery_pipeline import DeliveryPipeline
from vending.synth.components.deployment import Deployment
from vending.synth.components.iam import Statement
from vending.synth.stacks.base import VendingStack
from vending.synth.stacks.environment import environment_tags


def state_key(customer: Customer) -> str:
    return f"customers/{customer.customer}/{customer.environment}/pipeline.tfstate"


class PipelineStack(VendingStack):
    def __init__(
        self, scope: Construct, *, platform: Platform, customer: Customer, endpoint_url: str | None = None
    ) -> None:
        names = customer.names(platform)
        super().__init__(
            scope,
            customer.pipeline_stack_name,
            platform=platform,
            state_key=state_key(customer),
            tags=environment_tags(customer),
            production=customer.production,
            endpoint_url=endpoint_url,
        )
        account_id, region = platform.account_id, platform.region
        # CloudWatch Logs encrypts the build log group itself, so it needs the key policy's grant;
        # everyone else (pipeline, build, instances) gets access through IAM.
        logs = Statement(
            sid="CloudWatchLogsEncryptsBuildLogs",
            principals={"Service": [f"logs.{region}.amazonaws.com"]},
            actions=KEY_USE_ACTIONS,
            resources=["*"],
            conditions=[
                (
                    "ArnEquals",
                    "kms:EncryptionContext:aws:logs:arn",
                    [f"arn:aws:logs:{region}:{account_id}:log-group:{names.test_log_group}"],
                )
            ],
        )
        # The instance role of <customer>-<env> reads revisions by this bucket name and key alias.
        key = CustomerKey(
            self,
            "key",
            description=f"Pipeline artifacts, logs and notifications ({names.base}-artifacts)",
            alias=names.artifact_key_alias,
            account_id=account_id,
            statements=(logs,),
        )
        key_arn = key.key_arn
        artifacts = ArtifactBucket(
            self,
            "artifacts",
            name=names.artifact_bucket(account_id),
            key_arn=key_arn,
            log_bucket=platform.names.log_bucket(account_id),  # created by shared-alb
        )
        artifact_bucket_name = artifacts.bucket.bucket
        tests = CodebuildTests(
            self,
            "tests",
            name=names.test_project,
            role_name=names.codebuild_role,
            log_group_name=names.test_log_group,
            image=customer.pipeline.test_image,
            key_arn=key_arn,
            artifact_bucket_arn=artifacts.bucket_arn,
        )
        if endpoint_url:
            emulator.codebuild_locations(tests.project)
        deployment = Deployment(
            self,
            "deployment",
            application_name=names.codedeploy_application,
            group_name=names.deployment_group,
            role_name=names.codedeploy_role,
            autoscaling_group_name=names.autoscaling_group,
            target_group_name=names.target_group,
            region=region,
            account_id=account_id,
        )
        approval = None
        if customer.production:
            approval = ApprovalTopic(
                self,
                "approval",
                name=names.approval_topic,
                key_arn=key_arn,
                emails=customer.pipeline.approval_emails,
            )
        pipeline = DeliveryPipeline(
            self,
            "pipeline",
            name=names.pipeline,
            role_name=names.pipeline_role,
            source=customer.pipeline,
            artifact_bucket_arn=artifacts.bucket_arn,
            artifact_bucket_name=artifact_bucket_name,
            key_arn=key_arn,
            test_project=tests.project,
            deployment=deployment,
            approval_topic_arn=approval.topic_arn if approval else None,
            approval_message=f"{customer.customer} deploy to {customer.environment}",
        )

        TerraformOutput(self, "pipeline_name", value=pipeline.pipeline.name)
        TerraformOutput(self, "artifact_bucket", value=artifact_bucket_name)
        TerraformOutput(self, "codedeploy_application", value=deployment.application_name)
        TerraformOutput(self, "deployment_group", value=deployment.group_name)
        if approval is not None:
            TerraformOutput(
                self, "approval_topic_arn", value=approval.topic_arn, description="Approvers confirm their subscription"
            )
