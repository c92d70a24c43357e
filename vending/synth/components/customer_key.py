"""Customer managed KMS keys: the pipeline's (artifacts, build output, build logs, approval
topic) and a database's (Performance Insights)."""

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


def account_statement(account_id: str) -> Statement:
    """The account administers and uses the key through IAM (in a key policy, resource "*" is
    this key)."""
    return Statement(
        sid="AccountUsesIamPolicies",
        principals={"AWS": [f"arn:aws:iam::{account_id}:root"]},
        actions=sorted(set(KEY_ADMINISTRATION_ACTIONS + KEY_USE_ACTIONS)),
        resources=["*"],
    )


class CustomerKey(Construct):
    """A customer managed KMS key with rotation, its policy (the account's, plus ``statements``)
    and an alias."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        description: str,
        alias: str,
        account_id: str,
        statements: tuple[Statement, ...] = (),
    ) -> None:
        super().__init__(scope, construct_id)
        key_policy = policy_document(self, "key-policy", account_statement(account_id), *statements)
        self.key = KmsKey(
            self,
            "key",
            description=description,
            enable_key_rotation=True,
            deletion_window_in_days=30,
            policy=key_policy.json,
        )
        self.key_arn = self.key.arn
        self.alias = KmsAlias(self, "alias", name=alias, target_key_id=self.key.key_id)
