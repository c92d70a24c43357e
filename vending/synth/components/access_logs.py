"""The platform's log bucket: load balancer access logs, WAF logs, VPC flow logs and the other
buckets' S3 server access logs, each written by its AWS service under its own prefix.

SSE-S3, because load balancer access logs support nothing else. Its name starts with
``aws-waf-logs-``, because WAF delivers only to buckets named so.
"""

from __future__ import annotations

from collections.abc import Sequence

from cdktf_cdktf_provider_aws.data_aws_elb_service_account import DataAwsElbServiceAccount
from constructs import Construct

from vending.model.naming import SHARED_ALB_STACK
from vending.synth.components.iam import Statement
from vending.synth.components.private_bucket import S3_ACCESS_LOG_PREFIX, PrivateBucket

LOG_EXPIRY_DAYS = 365


class LogBucket(PrivateBucket):
    def __init__(self, scope: Construct, construct_id: str, *, name: str, account_id: str) -> None:
        self.account_id = account_id  # before the base class asks grants() for the bucket policy
        super().__init__(scope, construct_id, name=name, kms_key_arn=None, expiry_days=LOG_EXPIRY_DAYS)
        # The name as read from the bucket policy: whoever references it waits for the policy
        # that lets them write (AWS checks that when logging is switched on).
        self.name: str = self.policy.bucket
        self.arn: str = f"arn:aws:s3:::{self.name}"

    def grants(self) -> Sequence[Statement]:
        # Every service writes below AWSLogs/<account>/<service>/; the shards of the shared load
        # balancer after the first below their stack's name (shared-alb-2/AWSLogs/…).
        account_logs = f"{self.bucket_arn}/AWSLogs/{self.account_id}/*"
        shard_logs = f"{self.bucket_arn}/{SHARED_ALB_STACK}-*/AWSLogs/{self.account_id}/*"
        from_this_account = [("StringEquals", "aws:SourceAccount", [self.account_id])]
        return [
            # Load balancers write as their region's Elastic Load Balancing account.
            Statement(
                sid="LoadBalancerAccessLogs",
                principals={"AWS": [DataAwsElbServiceAccount(self, "elb-account").arn]},
                actions=["s3:PutObject"],
                resources=[account_logs, shard_logs],
            ),
            # WAF logs and VPC flow logs: the log delivery service checks the ACL, then writes.
            Statement(
                sid="LogDeliveryChecksBucket",
                principals={"Service": ["delivery.logs.amazonaws.com"]},
                actions=["s3:GetBucketAcl"],
                resources=[self.bucket_arn],
                conditions=from_this_account,
            ),
            Statement(
                sid="LogDeliveryWrites",
                principals={"Service": ["delivery.logs.amazonaws.com"]},
                actions=["s3:PutObject"],
                resources=[account_logs],
                conditions=from_this_account,
            ),
            Statement(
                sid="S3ServerAccessLogs",
                principals={"Service": ["logging.s3.amazonaws.com"]},
                actions=["s3:PutObject"],
                resources=[f"{self.bucket_arn}/{S3_ACCESS_LOG_PREFIX}*"],
                conditions=from_this_account,
            ),
        ]
