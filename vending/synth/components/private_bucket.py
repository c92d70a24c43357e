"""A private S3 bucket: ACLs off, public access blocked, encrypted, versioned, TLS-only,
expiring its objects; the base of the artifact bucket and the platform's log bucket."""

from __future__ import annotations

from collections.abc import Sequence

from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket
from cdktf_cdktf_provider_aws.s3_bucket_lifecycle_configuration import (
    S3BucketLifecycleConfiguration,
    S3BucketLifecycleConfigurationRule,
    S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload,
    S3BucketLifecycleConfigurationRuleExpiration,
    S3BucketLifecycleConfigurationRuleFilter,
    S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration,
)
from cdktf_cdktf_provider_aws.s3_bucket_logging import (
    S3BucketLoggingA,
    S3BucketLoggingTargetObjectKeyFormat,
    S3BucketLoggingTargetObjectKeyFormatPartitionedPrefix,
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

from vending.synth.components.iam import Statement, policy_document

NONCURRENT_EXPIRY_DAYS = 30
ABORT_UPLOADS_DAYS = 7
# Where other buckets' S3 server access logs go in the log bucket (see LogBucket).
S3_ACCESS_LOG_PREFIX = "s3-access/"


class PrivateBucket(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name: str,
        kms_key_arn: str | None,
        expiry_days: int,
        access_log_bucket: str | None = None,
    ) -> None:
        """``kms_key_arn`` None means SSE-S3; ``access_log_bucket`` receives this bucket's S3 server
        access logs."""
        super().__init__(scope, construct_id)
        self.bucket = S3Bucket(self, "bucket", bucket=name)
        bucket_id, self.bucket_arn = self.bucket.id, self.bucket.arn
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
                            sse_algorithm="aws:kms", kms_master_key_id=kms_key_arn
                        )
                        if kms_key_arn
                        else S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA(
                            sse_algorithm="AES256"
                        )
                    ),
                    bucket_key_enabled=True if kms_key_arn else None,  # fewer KMS calls, lower cost
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
                    id="expire-old-objects",
                    status="Enabled",
                    filter=[S3BucketLifecycleConfigurationRuleFilter()],  # every object
                    expiration=[S3BucketLifecycleConfigurationRuleExpiration(days=expiry_days)],
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
        document = policy_document(
            self,
            "policy-document",
            Statement(
                sid="DenyInsecureTransport",
                effect="Deny",
                principals={"AWS": ["*"]},
                actions=["s3:*"],
                resources=[self.bucket_arn, f"{self.bucket_arn}/*"],
                conditions=[("Bool", "aws:SecureTransport", ["false"])],
            ),
            *self.grants(),
        )
        self.policy = S3BucketPolicy(self, "policy", bucket=bucket_id, policy=document.json, depends_on=[public_access])
        if access_log_bucket is not None:
            S3BucketLoggingA(
                self,
                "access-logs",
                bucket=bucket_id,
                target_bucket=access_log_bucket,
                target_prefix=S3_ACCESS_LOG_PREFIX,
                # <prefix><account>/<region>/<bucket>/<date>/…: one folder per source bucket.
                target_object_key_format=S3BucketLoggingTargetObjectKeyFormat(
                    partitioned_prefix=S3BucketLoggingTargetObjectKeyFormatPartitionedPrefix(
                        partition_date_source="EventTime"
                    )
                ),
            )

    def grants(self) -> Sequence[Statement]:
        """Bucket policy statements besides TLS-only: none here (access goes through IAM)."""
        return ()
