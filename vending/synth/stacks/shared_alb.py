"""``shared-alb``: the platform's load balancer (and, optionally, its VPC)."""

from __future__ import annotations

from cdktf import TerraformOutput
from constructs import Construct

from vending.model.config import Platform
from vending.model.naming import SHARED_ALB_STACK
from vending.synth.components.access_logs import LogBucket
from vending.synth.components.load_balancer import LoadBalancer
from vending.synth.components.network import CreatedNetwork
from vending.synth.stacks.base import VendingStack

STACK_NAME = SHARED_ALB_STACK
STATE_KEY = "platform/shared-alb.tfstate"


class SharedAlbStack(VendingStack):
    def __init__(self, scope: Construct, *, platform: Platform, endpoint_url: str | None = None) -> None:
        # Production customers run behind it: treated as production.
        super().__init__(
            scope,
            STACK_NAME,
            platform=platform,
            state_key=STATE_KEY,
            tags={},
            production=True,
            endpoint_url=endpoint_url,
        )
        names = platform.names
        logs = LogBucket(self, "logs", name=names.log_bucket(platform.account_id), account_id=platform.account_id)
        network = platform.network
        if network.created:
            assert network.cidr is not None
            created = CreatedNetwork(
                self,
                "network",
                name=names.network,
                cidr=network.cidr,
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
            name=names.shared_alb,
            security_group_name=names.shared_alb_security_group,
            vpc_id=vpc_id,
            subnet_ids=public_subnet_ids,
            certificate_arn=platform.certificate_arn,
            web_acl_name=names.shared_web_acl,
            log_bucket=logs.name,
        )
        TerraformOutput(
            self,
            "alb_dns_name",
            value=alb.load_balancer.dns_name,
            description=f"Point *.{platform.domain} here (CNAME or alias)",
        )
        TerraformOutput(self, "alb_arn", value=alb.load_balancer_arn)
        TerraformOutput(self, "https_listener_arn", value=alb.https_listener.arn)
        TerraformOutput(self, "security_group_id", value=alb.security_group_id)
        TerraformOutput(self, "log_bucket", value=logs.bucket.bucket, description="Access, WAF and flow logs")
