"""The pipeline's artifact bucket: private, KMS-encrypted, versioned, TLS-only, self-cleaning,
its access logged to the platform's log bucket."""

from __future__ import annotations

from constructs import Construct

from vending.synth.components.private_bucket import PrivateBucket

# CodeDeploy installs the last successful revision on every instance that scale-out adds,
# so revisions must outlive a quiet period without releases: keep objects for a year.
OBJECT_EXPIRY_DAYS = 365


class ArtifactBucket(PrivateBucket):
    def __init__(self, scope: Construct, construct_id: str, *, name: str, key_arn: str, log_bucket: str) -> None:
        super().__init__(
            scope,
            construct_id,
            name=name,
            kms_key_arn=key_arn,
            expiry_days=OBJECT_EXPIRY_DAYS,
            access_log_bucket=log_bucket,
        )
