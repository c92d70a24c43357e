"""VPC flow logs of the platform's VPC (when shared-alb creates it), to the log bucket."""

from __future__ import annotations

from cdktf_cdktf_provider_aws.flow_log import FlowLog
from constructs import Construct

AGGREGATION_SECONDS = 600


class FlowLogs(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, vpc_id: str, log_bucket_arn: str) -> None:
        super().__init__(scope, construct_id)
        self.flow_log = FlowLog(
            self,
            "flow-log",
            vpc_id=vpc_id,
            traffic_type="ALL",  # accepted and rejected: both matter in an investigation
            log_destination_type="s3",
            log_destination=log_bucket_arn,
            max_aggregation_interval=AGGREGATION_SECONDS,
        )
