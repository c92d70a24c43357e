"""The pipeline's artifact bucket: private, KMS-encrypted, versioned, TLS-only, self-cleaning."""

from __future__ import annotations

from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket
from cdktf_cdktf_provider_aws.s3_bucket_lifecycle_configuration import (
    S3BucketLifecycleConfiguration,
    S3BucketLifecycleConfigurationRule,
    S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload,
    S3BucketLifecycleConfigurationRuleExpiration,
    S3BucketLifecycleConfigurationRuleFilter,
    S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration,
)
from cdktf_cdktf_provider_aws.s3_bucket_ownership_controls import (
    S3BucketOwnershipControls,
    S3BucketOwnershipControlsRule,
)
from cdktf_cdktf_provider_aws.s3_bucket_policy import S3BucketPolicy
from cdktf_cdktf_provider_aws.s3_bucket_public_access_block import S3BucketPublicAccessBlock
from cdktf_cdktf_provider_aws.s3_bucket_server_side_encryption_configuration import (
    S3BucketServerSideEncryptionConfigurationA,
    S3BucketServerSideEncryptionConfigurationRuleA,
    S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA,
)
from cdktf_cdktf_provider_aws.s3_bucket_versioning import (
    S3BucketVersioningA,
    S3BucketVersioningVersioningConfiguration,
)
from constructs import Construct

from vending.components.iam import Statement, policy_document

# CodeDeploy installs the last successful revision on every instance that scale-out adds,
# so revisions must outlive a quiet period without releases: keep objects for a year.
OBJECT_EXPIRY_DAYS = 365
NONCURRENT_EXPIRY_DAYS = 30
ABORT_UPLOADS_DAYS = 7


class ArtifactBucket(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, name: str, key_arn: str) -> None:
        super().__init__(scope, construct_id)
        self.bucket = S3Bucket(self, "bucket", bucket=name)
        bucket_id, bucket_arn = self.bucket.id, self.bucket.arn  # each attribute read is a call into Node
        S3BucketOwnershipControls(
            self,
            "ownership",
            bucket=bucket_id,
            rule=S3BucketOwnershipControlsRule(object_ownership="BucketOwnerEnforced"),
        )
        public_access = S3BucketPublicAccessBlock(
            self,
            "public-access",
            bucket=bucket_id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
        )
        S3BucketServerSideEncryptionConfigurationA(
            self,
            "encryption",
            bucket=bucket_id,
            rule=[
                S3BucketServerSideEncryptionConfigurationRuleA(
                    apply_server_side_encryption_by_default=(
                        S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA(
                            sse_algorithm="aws:kms", kms_master_key_id=key_arn
                        )
                    ),
                    bucket_key_enabled=True,  # fewer KMS calls, lower cost
                )
            ],
        )
        versioning = S3BucketVersioningA(
            self,
            "versioning",
            bucket=bucket_id,
            versioning_configuration=S3BucketVersioningVersioningConfiguration(status="Enabled"),
        )
        S3BucketLifecycleConfiguration(
            self,
            "lifecycle",
            bucket=bucket_id,
            rule=[
                S3BucketLifecycleConfigurationRule(
                    id="expire-old-artifacts",
                    status="Enabled",
                    filter=[S3BucketLifecycleConfigurationRuleFilter()],  # every object
                    expiration=[S3BucketLifecycleConfigurationRuleExpiration(days=OBJECT_EXPIRY_DAYS)],
                    noncurrent_version_expiration=[
                        S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration(
                            noncurrent_days=NONCURRENT_EXPIRY_DAYS
                        )
                    ],
                    abort_incomplete_multipart_upload=[
                        S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload(
                            days_after_initiation=ABORT_UPLOADS_DAYS
                        )
                    ],
                )
            ],
            depends_on=[versioning],  # noncurrent-version rules need versioning in place
        )
        # A deny applies to every action: "s3:*" here forbids, it grants nothing.
        tls_only = policy_document(
            self,
            "tls-only",
            Statement(
                sid="DenyInsecureTransport",
                effect="Deny",
                principals={"AWS": ["*"]},
                actions=["s3:*"],
                resources=[bucket_arn, f"{bucket_arn}/*"],
                conditions=[("Bool", "aws:SecureTransport", ["false"])],
            ),
        )
        S3BucketPolicy(self, "policy", bucket=bucket_id, policy=tls_only.json, depends_on=[public_access])
