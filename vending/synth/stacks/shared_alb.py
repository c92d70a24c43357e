"""``shared-alb``, ``shared-alb-2``, …: the shards of the platform's shared load balancer. The
first also holds the platform's log bucket and, optionally, its VPC; the others find them."""

from __future__ import annotations

from cdktf import TerraformOutput
from cdktf_cdktf_provider_aws.data_aws_vpc import DataAwsVpc
from cdktf_cdktf_provider_aws.vpc_security_group_egress_rule import VpcSecurityGroupEgressRule
from constructs import Construct

from vending.model.config import APP_PORTS, Platform
from vending.model.naming import shared_alb_stack
from vending.synth.components.access_logs import LogBucket
from vending.synth.components.load_balancer import LoadBalancer
from vending.synth.components.network import CreatedNetwork, NetworkLookup
from vending.synth.stacks.base import VendingStack


def state_key(shard: int) -> str:
    return f"platform/{shared_alb_stack(shard)}.tfstate"


class SharedAlbStack(VendingStack):
    def __init__(
        self, scope: Construct, *, platform: Platform, shard: int = 1, endpoint_url: str | None = None
    ) -> None:
        # Production customers run behind it: treated as production.
        stack = shared_alb_stack(shard)
        super().__init__(
            scope,
            stack,
            platform=platform,
            state_key=state_key(shard),
            tags={},
            production=True,
            endpoint_url=endpoint_url,
        )
        names = platform.names
        network = platform.network
        if shard > 1:
            found = NetworkLookup(self, "network", network=network, name=names.network)
            vpc_id, public_subnet_ids = found.vpc_id, found.public_subnet_ids
            log_bucket = names.log_bucket(platform.account_id)  # created by shared-alb
            logs = None
        else:
            logs = LogBucket(self, "logs", name=names.log_bucket(platform.account_id), account_id=platform.account_id)
            log_bucket = logs.name
            if network.created:
                assert network.cidr is not None
                created = CreatedNetwork(
                    self,
                    "network",
                    name=names.network,
                    cidr=network.cidr,
                    subnet_prefix=network.subnet_prefix,
                    zones=network.availability_zones,
                    log_bucket_arn=logs.arn,
                )
                vpc_id, public_subnet_ids = created.vpc_id, created.public_subnet_ids
                TerraformOutput(self, "vpc_id", value=created.vpc_id, description="The platform VPC")
                TerraformOutput(self, "private_subnet_ids", value=created.private_subnet_ids)
            else:
                assert network.vpc_id is not None
                vpc_id, public_subnet_ids = network.vpc_id, list(network.public_subnet_ids)

        alb = LoadBalancer(
            self,
            "shared",
            name=names.shared_alb(shard),
            security_group_name=names.shared_alb_security_group(shard),
            vpc_id=vpc_id,
            subnet_ids=public_subnet_ids,
            certificate_arn=platform.certificate_arn,
            web_acl_name=names.shared_web_acl(shard),
            log_bucket=log_bucket,
            log_prefix=None if shard == 1 else stack,
        )
        # One rule, however many environments: AWS allows 60 per group and direction. Each
        # fleet's own group admits this load balancer alone, on its application port.
        VpcSecurityGroupEgressRule(
            self,
            "egress-to-instances",
            security_group_id=alb.security_group_id,
            description="Load balancer to the application ports in the VPC (each fleet admits only its load balancer)",
            ip_protocol="tcp",
            from_port=APP_PORTS[0],
            to_port=APP_PORTS[1],
            cidr_ipv4=network.cidr if network.created else DataAwsVpc(self, "vpc", id=vpc_id).cidr_block,
        )
        TerraformOutput(
            self,
            "alb_dns_name",
            value=alb.load_balancer.dns_name,
            description=(
                f"Point *.{platform.domain} here (CNAME or alias)"
                if platform.dns is None
                else f"Each environment on {stack} has its own record in the platform's zone"
            ),
        )
        TerraformOutput(self, "alb_arn", value=alb.load_balancer_arn)
        TerraformOutput(self, "https_listener_arn", value=alb.https_listener.arn)
        TerraformOutput(self, "security_group_id", value=alb.security_group_id)
        if logs is not None:
            TerraformOutput(self, "log_bucket", value=logs.bucket.bucket, description="Access, WAF and flow logs")
