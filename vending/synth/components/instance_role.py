"""The instances' IAM role: SSM access, CloudWatch agent, and CodeDeploy revisions."""

from __future__ import annotations

from cdktf_cdktf_provider_aws.iam_instance_profile import IamInstanceProfile
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment
from constructs import Construct

from vending.synth.components.iam import Statement, assume_role_policy, policy_document

MANAGED_POLICIES = {
    "ssm": "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
    "cloudwatch-agent": "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy",
}


class InstanceRole(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        role_name: str,
        profile_name: str,
        artifact_bucket: str,
        artifact_key_alias: str,
        region: str,
        account_id: str,
    ) -> None:
        super().__init__(scope, construct_id)
        trust = assume_role_policy(self, "trust", "ec2.amazonaws.com")
        self.role = IamRole(self, "role", name=role_name, assume_role_policy=trust.json)
        role = self.role.name
        for key, arn in MANAGED_POLICIES.items():
            IamRolePolicyAttachment(self, key, role=role, policy_arn=arn)
        # The CodeDeploy agent downloads revisions from the pipeline's artifact bucket,
        # which the pipeline stack creates under a name known in advance.
        revisions = policy_document(
            self,
            "revisions-policy",
            Statement(
                sid="ReadRevisions",
                actions=["s3:GetObject", "s3:GetObjectVersion"],
                resources=[f"arn:aws:s3:::{artifact_bucket}/*"],
            ),
            Statement(
                sid="DecryptRevisions",
                actions=["kms:Decrypt"],
                resources=[f"arn:aws:kms:{region}:{account_id}:key/*"],
                conditions=[("ForAnyValue:StringEquals", "kms:ResourceAliases", [artifact_key_alias])],
            ),
        )
        IamRolePolicy(self, "revisions", name="codedeploy-revisions", role=self.role.id, policy=revisions.json)
        self.profile = IamInstanceProfile(self, "profile", name=profile_name, role=role)
