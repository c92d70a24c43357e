"""An environment's host names in the platform's Route 53 zone: one alias record each, to the
load balancer that serves it. Each environment owning its records, rather than one wildcard
record for the platform, is what lets environments run behind several load balancers."""

from __future__ import annotations

from cdktf_cdktf_provider_aws.route53_record import Route53Record, Route53RecordAlias
from constructs import Construct


class HostRecords(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        zone_id: str,
        hosts: list[str],
        load_balancer_dns_name: str,
        load_balancer_zone_id: str,
    ) -> None:
        super().__init__(scope, construct_id)
        self.records = [
            Route53Record(
                self,
                host,  # a host name is unique in the zone, and so in the stack
                zone_id=zone_id,
                name=host,
                type="A",
                alias=Route53RecordAlias(
                    name=load_balancer_dns_name, zone_id=load_balancer_zone_id, evaluate_target_health=True
                ),
            )
            for host in hosts
        ]
