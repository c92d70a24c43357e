"""moto's server, with moto's defects corrected where the provider meets them (emulator mode only).

What the provider cannot work with at all:

- CodePipeline GetPipeline/ListPipelines answer with ISO-8601 strings where the AWS API (and
  so the provider's SDK) has epoch-second numbers: the provider cannot read a pipeline back.
- Bucket policies: moto knows none of the request's condition keys (aws:SecureTransport and
  the like) yet applies statements that test them, so a TLS-only policy (Deny when
  aws:SecureTransport is false) locks every caller out. Here a statement whose condition
  moto cannot evaluate does not apply, as it would not for a caller who uses TLS.
- Every RDS instance gets the same hard-coded DbiResourceId, which the provider uses as the
  instance's id: with two databases in the account it cannot find either. Here each instance
  gets its own, derived from its identifier.

- CodeDeploy DeleteApplication and DeleteDeploymentGroup are not implemented: a pipeline stack
  cannot be destroyed (the provider retries the server's error for minutes). Here they delete.

What moto reads back otherwise than AWS, so that a plan after an apply is not clean:

- an autoscaling policy's ``Enabled`` is not kept (read back false), and a policy without a
  predictive scaling configuration is read back with an empty one;
- a launch template's own tags come back inside its data, as a ``launch-template`` tag
  specification the template never had;
- a deployment group's ``autoScalingGroups`` come back as names, where AWS answers objects
  with a name (the provider reads none);
- a CodeBuild project's ``encryptionKey`` is always read back as ``alias/aws/s3``;
- a security group rule between groups loses its description;
- a bucket's logging loses its ``TargetObjectKeyFormat``.

And one defect of the server itself: it answers each request in a thread of its own, over
backends that are not made for that. Terraform sends many requests at once, and once in a while
two of them corrupted each other: a security group created, and its default egress rule not found
a moment later by the revocation that follows (``InvalidPermission.NotFound``), failing a deploy.
Here requests are answered one at a time; moto's work is Python under one interpreter lock, so it
never ran side by side anyway.

This launcher corrects them and starts the server exactly as ``moto_server`` would. Nothing
here is used against real AWS.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


def _then(owner: type, name: str, fix: Callable[[Any], None]) -> None:
    """Replace ``owner.name`` with itself followed by ``fix(self)``, which corrects what moto
    stored before anything reads it back."""
    original = getattr(owner, name)

    def patched(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = original(self, *args, **kwargs)
        fix(self)
        return result

    setattr(owner, name, patched)


def _patch_codepipeline_timestamps() -> None:
    from moto.codepipeline import models

    def metadata(self: Any) -> dict[str, Any]:
        return {
            "pipelineArn": self._arn,
            "created": self._created.timestamp(),
            "updated": self._updated.timestamp(),
        }

    models.CodePipeline.metadata = property(metadata)


def _patch_conditional_statements() -> None:
    from moto.iam.access_control import IAMPolicyStatement, PermissionResult

    original = IAMPolicyStatement.is_action_permitted

    def is_action_permitted(
        self: Any,
        action: str,
        resource: str = "*",
        principal: str | None = None,
        incoming_condition_values: dict[str, str] | None = None,
    ) -> Any:
        tested = {key for test in self._statement.get("Condition", {}).values() for key in test}
        if tested - set(incoming_condition_values or {}):
            return PermissionResult.NEUTRAL  # a condition moto cannot evaluate: the statement does not apply
        return original(self, action, resource, principal, incoming_condition_values)

    IAMPolicyStatement.is_action_permitted = is_action_permitted


def _patch_rds_resource_ids() -> None:
    import hashlib

    from moto.rds.models import DBInstance

    def own_id(self: Any) -> None:
        digest = hashlib.sha256(f"{self.account_id}/{self.region}/{self.db_instance_identifier}".encode())
        self.dbi_resource_id = "db-" + digest.hexdigest()[:26].upper()

    _then(DBInstance, "__init__", own_id)


def _patch_scaling_policy_enabled() -> None:
    from moto.autoscaling.responses import AutoScalingResponse

    def keep_enabled(self: Any) -> None:
        policy = self.autoscaling_backend.policies[self._get_param("PolicyName")]
        policy.enabled = self._get_bool_param("Enabled", True)
        if not self._get_param("PredictiveScalingConfiguration"):
            policy.predictive_scaling_configuration = None  # not {}: read back as an empty block

    _then(AutoScalingResponse, "put_scaling_policy", keep_enabled)


def _patch_launch_template_tags() -> None:
    from moto.ec2.responses.launch_templates import LaunchTemplates

    def drop_own_tags(self: Any) -> None:
        template = self.ec2_backend.get_launch_template_by_name(self._get_param("LaunchTemplateName"))
        for version in template.versions:  # the template's own tags are its, not its instances'
            specs = version.data.get("TagSpecifications") or []
            version.data["TagSpecifications"] = [s for s in specs if s.get("ResourceType") != "launch-template"]

    _then(LaunchTemplates, "create_launch_template", drop_own_tags)


def _patch_deployment_group_autoscaling_groups() -> None:
    from moto.codedeploy import responses

    original = responses._deployment_group_info

    def deployment_group_info(deployment_group: Any) -> dict[str, Any]:
        info = original(deployment_group)
        info["autoScalingGroups"] = [{"name": name} for name in deployment_group.auto_scaling_groups]
        return info

    responses._deployment_group_info = deployment_group_info


def _add_codedeploy_deletes() -> None:
    from moto.codedeploy.responses import CodeDeployResponse
    from moto.core.responses import ActionResult, EmptyResult

    def delete_deployment_group(self: Any) -> ActionResult:
        groups = self.codedeploy_backend.deployment_groups.get(self._get_param("applicationName"), {})
        groups.pop(self._get_param("deploymentGroupName"), None)
        return ActionResult({"hooksNotCleanedUp": []})

    def delete_application(self: Any) -> EmptyResult:
        name = self._get_param("applicationName")
        self.codedeploy_backend.applications.pop(name, None)
        self.codedeploy_backend.deployment_groups.pop(name, None)
        return EmptyResult()

    CodeDeployResponse.delete_deployment_group = delete_deployment_group
    CodeDeployResponse.delete_application = delete_application


def _patch_codebuild_encryption_key() -> None:
    from moto.codebuild.responses import CodeBuildResponse

    def keep_key(self: Any) -> None:
        if key := self._get_param("encryptionKey"):
            self.codebuild_backend.codebuild_projects[self._get_param("name")].project_metadata["encryptionKey"] = key

    _then(CodeBuildResponse, "create_project", keep_key)


def _patch_group_rule_descriptions() -> None:
    from moto.ec2.models.security_groups import SecurityGroupRule

    SecurityGroupRule.description = property(
        lambda self: self.ip_range.get("Description") or self.source_group.get("Description")
    )


def _patch_bucket_logging_key_format() -> None:
    from moto.s3.responses import S3Response

    original = S3Response.get_bucket_logging

    def get_bucket_logging(self: Any) -> Any:
        key_format = (self.backend.get_bucket_logging(self.bucket_name) or {}).get("TargetObjectKeyFormat")
        if not key_format:
            return original(self)
        serialized = self.serialized

        def with_key_format(result: Any) -> Any:
            result.result["LoggingEnabled"]["TargetObjectKeyFormat"] = {k: v or {} for k, v in key_format.items()}
            return serialized(result)

        self.serialized = with_key_format
        try:
            return original(self)
        finally:
            del self.serialized

    S3Response.get_bucket_logging = get_bucket_logging


def _serialize_requests() -> None:
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    one_at_a_time = threading.Lock()
    answer = DomainDispatcherApplication.__call__

    def serialized(self: Any, environ: Any, start_response: Any) -> Any:
        with one_at_a_time:
            return answer(self, environ, start_response)

    DomainDispatcherApplication.__call__ = serialized


def main() -> None:
    _serialize_requests()
    _patch_codepipeline_timestamps()
    _patch_conditional_statements()
    _patch_rds_resource_ids()
    _patch_scaling_policy_enabled()
    _patch_launch_template_tags()
    _patch_deployment_group_autoscaling_groups()
    _add_codedeploy_deletes()
    _patch_codebuild_encryption_key()
    _patch_group_rule_descriptions()
    _patch_bucket_logging_key_format()
    from moto.server import main as serve

    serve()


if __name__ == "__main__":
    main()
