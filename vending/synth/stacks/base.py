"""What every stack shares: the AWS provider, default tags and its own remote state."""

from __future__ import annotations

from cdktf import CloudBackend, NamedCloudWorkspace, S3Backend, TerraformStack
from cdktf_cdktf_provider_aws.provider import AwsProvider, AwsProviderDefaultTags
from constructs import Construct

from vending.model.config import Platform
from vending.synth import emulator
from vending.synth.literal import literal

MANAGED_BY = "vending"


class VendingStack(TerraformStack):
    """A stack with its own state (``state_key`` in S3, or its own Terraform Cloud workspace).

    ``production``: its stateful resources are protected from deletion (see vending.synth.protection)
    and the production policies apply (vending.synth.policies)."""

    def __init__(
        self,
        scope: Construct,
        name: str,
        *,
        platform: Platform,
        state_key: str,
        tags: dict[str, str],
        production: bool,
        endpoint_url: str | None = None,
    ) -> None:
        super().__init__(scope, name)
        self.platform = platform
        self.production = production
        all_tags = {**platform.tags, **tags, "platform": platform.name, "managed-by": MANAGED_BY}
        AwsProvider(
            self,
            "aws",
            region=platform.region,
            default_tags=[AwsProviderDefaultTags(tags={literal(k): literal(v) for k, v in sorted(all_tags.items())})],
            **(emulator.provider_options(endpoint_url) if endpoint_url else {}),
        )
        # Fully qualified, so Terraform and OpenTofu resolve the same provider.
        self.add_override("terraform.required_providers.aws.source", "hashicorp/aws")
        self._backend(name, state_key, endpoint_url)

    def _backend(self, name: str, state_key: str, endpoint_url: str | None) -> None:
        state = self.platform.state
        if state.backend == "cloud":
            CloudBackend(
                self,
                organization=state.organization,
                workspaces=NamedCloudWorkspace(state.workspace(name)),
                hostname=state.hostname,
            )
            return
        S3Backend(
            self,
            bucket=state.bucket,
            key=state_key,
            region=self.platform.state_region,
            encrypt=True,
            dynamodb_table=state.lock_table if state.lock == "dynamodb" else None,
            **(emulator.backend_options(endpoint_url) if endpoint_url else {}),
        )
        if state.lock == "lockfile":
            # S3-native locking (Terraform ≥ 1.10); the cdktf binding has no field for it.
            self.add_override("terraform.backend.s3.use_lockfile", True)
