"""Create (or check) the remote-state backend named in platform.yaml.

The S3 bucket gets versioning, default KMS encryption, a full public-access block and a
TLS-only bucket policy; with ``lock: dynamodb`` the lock table is created too. Every step
looks first and changes only what differs, so a second run changes nothing and says so.
Works the same against real AWS and the emulator (boto3 honours AWS_ENDPOINT_URL).
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from vending.model.config import Platform

TLS_SID = "DenyInsecureTransport"
LOCK_KEY_SCHEMA = [{"AttributeName": "LockID", "KeyType": "HASH"}]  # what the S3 backend expects
PUBLIC_ACCESS_BLOCK = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}


class BootstrapError(Exception):
    pass


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _tls_only_statement(bucket: str) -> dict[str, Any]:
    return {
        "Sid": TLS_SID,
        "Effect": "Deny",
        "Principal": {"AWS": "*"},  # (moto mishandles the bare "*" form; both mean everyone)
        "Action": "s3:*",
        "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def ensure_bucket(s3: Any, bucket: str, region: str) -> list[tuple[str, bool]]:
    """Return (what, changed) for each property of the state bucket."""
    steps: list[tuple[str, bool]] = []
    try:
        s3.head_bucket(Bucket=bucket)
        steps.append((f"bucket {bucket} exists", False))
    except ClientError as error:
        if _code(error) in ("403", "Forbidden"):
            raise BootstrapError(f"bucket {bucket} exists but this account cannot use it") from None
        if _code(error) not in ("404", "NoSuchBucket", "NotFound"):
            raise
        options = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
        s3.create_bucket(Bucket=bucket, **options)
        steps.append((f"bucket {bucket} created in {region}", True))

    if s3.get_bucket_versioning(Bucket=bucket).get("Status") == "Enabled":
        steps.append(("versioning already enabled", False))
    else:
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        steps.append(("versioning enabled", True))

    try:
        rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    except ClientError as error:
        if _code(error) != "ServerSideEncryptionConfigurationNotFoundError":
            raise
        rules = []
    if any(r["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms" for r in rules):
        steps.append(("KMS encryption already on", False))
    else:
        s3.put_bucket_encryption(
            Bucket=bucket,
            ServerSideEncryptionConfiguration={
                "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}, "BucketKeyEnabled": True}]
            },
        )
        steps.append(("KMS encryption turned on", True))

    try:
        block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    except ClientError as error:
        if _code(error) != "NoSuchPublicAccessBlockConfiguration":
            raise
        block = {}
    if all(block.get(key) for key in PUBLIC_ACCESS_BLOCK):
        steps.append(("public access already blocked", False))
    else:
        s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=PUBLIC_ACCESS_BLOCK)
        steps.append(("public access blocked", True))

    try:
        policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    except ClientError as error:
        if _code(error) != "NoSuchBucketPolicy":
            raise
        policy = {"Version": "2012-10-17", "Statement": []}
    if any(statement.get("Sid") == TLS_SID for statement in policy.get("Statement", [])):
        steps.append(("TLS-only policy already in place", False))
    else:
        # Keep whatever statements the bucket already has; add ours.
        policy["Statement"] = [*policy.get("Statement", []), _tls_only_statement(bucket)]
        s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
        steps.append(("TLS-only bucket policy added", True))
    return steps


def ensure_lock_table(dynamodb: Any, table: str) -> list[tuple[str, bool]]:
    try:
        description = dynamodb.describe_table(TableName=table)["Table"]
    except ClientError as error:
        if _code(error) != "ResourceNotFoundException":
            raise
        dynamodb.create_table(
            TableName=table,
            AttributeDefinitions=[{"AttributeName": "LockID", "AttributeType": "S"}],
            KeySchema=LOCK_KEY_SCHEMA,
            BillingMode="PAY_PER_REQUEST",
            SSESpecification={"Enabled": True},
        )
        dynamodb.get_waiter("table_exists").wait(TableName=table)
        return [(f"lock table {table} created", True)]
    if description["KeySchema"] != LOCK_KEY_SCHEMA:
        raise BootstrapError(f"lock table {table} exists but its key is not LockID (string)")
    return [(f"lock table {table} exists", False)]


def bootstrap(platform: Platform, session: Any) -> list[tuple[str, bool]]:
    """Make the platform's state backend ready; ``session`` is a boto3 Session."""
    state = platform.state
    if state.backend != "s3":
        return [(f"backend {state.backend}: Terraform Cloud keeps the state; nothing to create", False)]
    assert state.bucket is not None
    region = platform.state_region
    steps = ensure_bucket(session.client("s3", region_name=region), state.bucket, region)
    if state.lock == "dynamodb":
        assert state.lock_table is not None
        steps += ensure_lock_table(session.client("dynamodb", region_name=region), state.lock_table)
    return steps
