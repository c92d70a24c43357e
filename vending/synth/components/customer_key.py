"""The pipeline's customer managed KMS key: artifacts, build output, build logs, approval topic."""

from __future__ import annotations

from cdktf_cdktf_provider_aws.kms_alias import KmsAlias
from cdktf_cdktf_provider_aws.kms_key import KmsKey
from constructs import Construct

from vending.synth.components.iam import Statement, policy_document

# The account administers the key through IAM with these actions (listed, not "kms:*").
KEY_ADMINISTRATION_ACTIONS = [
    "kms:CancelKeyDeletion",
    "kms:CreateAlias",
    "kms:CreateGrant",
    "kms:DeleteAlias",
    "kms:DescribeKey",
    "kms:DisableKey",
    "kms:DisableKeyRotation",
    "kms:EnableKey",
    "kms:EnableKeyRotation",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListGrants",
    "kms:ListKeyPolicies",
    "kms:ListKeyRotations",
    "kms:ListResourceTags",
    "kms:PutKeyPolicy",
    "kms:RetireGrant",
    "kms:RevokeGrant",
    "kms:RotateKeyOnDemand",
    "kms:ScheduleKeyDeletion",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:UpdateAlias",
    "kms:UpdateKeyDescription",
]
KEY_USE_ACTIONS = [
    "kms:Decrypt",
    "kms:DescribeKey",
    "kms:Encrypt",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
]


class PipelineKey(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, alias: str, account_id: str, region: str, log_group_name: str
    ) -> None:
        super().__init__(scope, construct_id)
        # In a key policy, resource "*" means "this key".
        key_policy = policy_document(
            self,
            "key-policy",
            Statement(
                sid="AccountUsesIamPolicies",
                principals={"AWS": [f"arn:aws:iam::{account_id}:root"]},
                actions=sorted(set(KEY_ADMINISTRATION_ACTIONS + KEY_USE_ACTIONS)),
                resources=["*"],
            ),
            # CloudWatch Logs encrypts the build log group itself, so it needs the key policy's
            # grant; everyone else (pipeline, build, instances) gets access through IAM.
            Statement(
                sid="CloudWatchLogsEncryptsBuildLogs",
                principals={"Service": [f"logs.{region}.amazonaws.com"]},
                actions=KEY_USE_ACTIONS,
                resources=["*"],
                conditions=[
                    (
                        "ArnEquals",
                        "kms:EncryptionContext:aws:logs:arn",
                        [f"arn:aws:logs:{region}:{account_id}:log-group:{log_group_name}"],
                    )
                ],
            ),
        )
        self.key = KmsKey(
            self,
            "key",
            description=f"Pipeline artifacts, logs and notifications ({alias.removeprefix('alias/')})",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            policy=key_policy.json,
        )
        # The instances' role may decrypt with this key by alias (see InstanceRole).
        self.alias = KmsAlias(self, "alias", name=alias, target_key_id=self.key.key_id)
