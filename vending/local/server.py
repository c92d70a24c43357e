"""moto's server, with three moto defects corrected (emulator mode only).

- CodePipeline GetPipeline/ListPipelines answer with ISO-8601 strings where the AWS API (and
  so the provider's SDK) has epoch-second numbers: the provider cannot read a pipeline back.
- Bucket policies: moto knows none of the request's condition keys (aws:SecureTransport and
  the like) yet applies statements that test them, so a TLS-only policy (Deny when
  aws:SecureTransport is false) locks every caller out. Here a statement whose condition
  moto cannot evaluate does not apply, as it would not for a caller who uses TLS.
- Every RDS instance gets the same hard-coded DbiResourceId, which the provider uses as the
  instance's id: with two databases in the account it cannot find either. Here each instance
  gets its own, derived from its identifier.

This launcher corrects all three and starts the server exactly as ``moto_server`` would.
Nothing here is used against real AWS.
"""

from __future__ import annotations

from typing import Any


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

    original = DBInstance.__init__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        digest = hashlib.sha256(f"{self.account_id}/{self.region}/{self.db_instance_identifier}".encode())
        self.dbi_resource_id = "db-" + digest.hexdigest()[:26].upper()

    DBInstance.__init__ = __init__


def main() -> None:
    _patch_codepipeline_timestamps()
    _patch_conditional_statements()
    _patch_rds_resource_ids()
    from moto.server import main as serve

    serve()


if __name__ == "__main__":
    main()
