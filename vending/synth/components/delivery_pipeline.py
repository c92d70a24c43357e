"""The CodePipeline (V2): Source → Test → Approve (production only) → Deploy."""

from __future__ import annotations

from cdktf_cdktf_provider_aws.codebuild_project import CodebuildProject
from cdktf_cdktf_provider_aws.codepipeline import (
    Codepipeline,
    CodepipelineArtifactStore,
    CodepipelineArtifactStoreEncryptionKey,
    CodepipelineStage,
    CodepipelineStageAction,
)
from constructs import Construct

from vending.model.config import Pipeline as PipelineConfig
from vending.synth.components.deployment import Deployment
from vending.synth.components.iam import ServiceRole, Statement

SOURCE_ARTIFACT = "SourceArtifact"
BUILD_ARTIFACT = "BuildArtifact"  # what the buildspec's artifacts section packs: the revision


def _action(category: str, provider: str, **settings) -> CodepipelineStageAction:
    return CodepipelineStageAction(
        name=category, category=category, owner="AWS", provider=provider, version="1", **settings
    )


class DeliveryPipeline(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name: str,
        role_name: str,
        source: PipelineConfig,
        artifact_bucket_arn: str,
        artifact_bucket_name: str,
        key_arn: str,
        test_project: CodebuildProject,
        deployment: Deployment,
        approval_topic_arn: str | None,
        approval_message: str,
    ) -> None:
        super().__init__(scope, construct_id)
        # The connection's own service prefix: codestar-connections or codeconnections.
        connection_service = source.connection_arn.split(":")[2]
        statements = [
            Statement(
                sid="UseRepositoryConnection",
                actions=[f"{connection_service}:UseConnection"],
                resources=[source.connection_arn],
            ),
            Statement(
                sid="ReadWriteArtifacts",
                actions=["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:PutObjectAcl"],
                resources=[f"{artifact_bucket_arn}/*"],
            ),
            Statement(
                sid="CheckArtifactBucket",
                actions=["s3:GetBucketAcl", "s3:GetBucketLocation", "s3:GetBucketVersioning"],
                resources=[artifact_bucket_arn],
            ),
            # Artifacts and the approval topic are encrypted with the pipeline's key.
            Statement(
                sid="UsePipelineKey",
                actions=["kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey"],
                resources=[key_arn],
            ),
            Statement(
                sid="RunTests",
                actions=["codebuild:BatchGetBuilds", "codebuild:StartBuild"],
                resources=[test_project.arn],
            ),
            Statement(
                sid="RegisterRevisions",
                actions=[
                    "codedeploy:GetApplication",
                    "codedeploy:GetApplicationRevision",
                    "codedeploy:RegisterApplicationRevision",
                ],
                resources=[deployment.application.arn],
            ),
            Statement(
                sid="Deploy",
                actions=["codedeploy:CreateDeployment", "codedeploy:GetDeployment"],
                resources=[deployment.group.arn],
            ),
            Statement(
                sid="ReadDeploymentConfig",
                actions=["codedeploy:GetDeploymentConfig"],
                resources=[deployment.config_arn],
            ),
        ]
        if approval_topic_arn is not None:
            statements.append(Statement(sid="AskForApproval", actions=["sns:Publish"], resources=[approval_topic_arn]))
        self.role = ServiceRole(
            self, "role", name=role_name, service="codepipeline.amazonaws.com", statements=statements
        )

        stages = [
            CodepipelineStage(
                name="Source",
                action=[
                    _action(
                        "Source",
                        "CodeStarSourceConnection",
                        output_artifacts=[SOURCE_ARTIFACT],
                        configuration={
                            "ConnectionArn": source.connection_arn,
                            "FullRepositoryId": source.repository,
                            "BranchName": source.branch,
                            "OutputArtifactFormat": "CODE_ZIP",
                        },
                    )
                ],
            ),
            CodepipelineStage(
                name="Test",
                action=[
                    _action(
                        "Build",
                        "CodeBuild",
                        input_artifacts=[SOURCE_ARTIFACT],
                        output_artifacts=[BUILD_ARTIFACT],
                        configuration={"ProjectName": test_project.name},
                    )
                ],
            ),
        ]
        if approval_topic_arn is not None:
            stages.append(
                CodepipelineStage(
                    name="Approve",
                    action=[
                        _action(
                            "Approval",
                            "Manual",
                            configuration={"NotificationArn": approval_topic_arn, "CustomData": approval_message},
                        )
                    ],
                )
            )
        stages.append(
            CodepipelineStage(
                name="Deploy",
                action=[
                    _action(
                        "Deploy",
                        "CodeDeploy",
                        input_artifacts=[BUILD_ARTIFACT],
                        configuration={
                            "ApplicationName": deployment.application_name,
                            "DeploymentGroupName": deployment.group_name,
                        },
                    )
                ],
            )
        )
        self.pipeline = Codepipeline(
            self,
            "pipeline",
            name=name,
            pipeline_type="V2",
            role_arn=self.role.role.arn,
            artifact_store=[
                CodepipelineArtifactStore(
                    type="S3",
                    location=artifact_bucket_name,
                    encryption_key=CodepipelineArtifactStoreEncryptionKey(type="KMS", id=key_arn),
                )
            ],
            stage=stages,
            # A new pipeline runs at once: its permissions must be in place first.
            depends_on=[self.role.policy],
        )
