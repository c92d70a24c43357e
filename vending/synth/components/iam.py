"""IAM policy documents as data sources (not JSON strings), so scanners can read them;
and service roles built from them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import (
    DataAwsIamPolicyDocument,
    DataAwsIamPolicyDocumentStatement,
    DataAwsIamPolicyDocumentStatementCondition,
    DataAwsIamPolicyDocumentStatementPrincipals,
)
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from constructs import Construct


@dataclass(frozen=True)
class Statement:
    actions: list[str]
    resources: list[str] = field(default_factory=list)
    effect: str = "Allow"
    sid: str | None = None
    principals: dict[str, list[str]] = field(default_factory=dict)  # type → identifiers
    conditions: list[tuple[str, str, list[str]]] = field(default_factory=list)  # (test, variable, values)


def policy_document(scope: Construct, construct_id: str, *statements: Statement) -> DataAwsIamPolicyDocument:
    return DataAwsIamPolicyDocument(
        scope,
        construct_id,
        statement=[
            DataAwsIamPolicyDocumentStatement(
                sid=s.sid,
                effect=s.effect,
                actions=s.actions,
                resources=s.resources or None,
                principals=[
                    DataAwsIamPolicyDocumentStatementPrincipals(type=kind, identifiers=ids)
                    for kind, ids in s.principals.items()
                ]
                or None,
                condition=[
                    DataAwsIamPolicyDocumentStatementCondition(test=test, variable=variable, values=values)
                    for test, variable, values in s.conditions
                ]
                or None,
            )
            for s in statements
        ],
    )


def assume_role_policy(scope: Construct, construct_id: str, service: str) -> DataAwsIamPolicyDocument:
    """Trust policy letting one AWS service assume a role."""
    return policy_document(
        scope, construct_id, Statement(actions=["sts:AssumeRole"], principals={"Service": [service]})
    )


class ServiceRole(Construct):
    """A role that one AWS service assumes, with its permissions in one inline policy."""

    def __init__(
        self, scope: Construct, construct_id: str, *, name: str, service: str, statements: Sequence[Statement]
    ) -> None:
        super().__init__(scope, construct_id)
        trust = assume_role_policy(self, "trust", service)
        self.role = IamRole(self, "role", name=name, assume_role_policy=trust.json)
        permissions = policy_document(self, "permissions-document", *statements)
        self.policy = IamRolePolicy(self, "permissions", name="permissions", role=self.role.id, policy=permissions.json)
