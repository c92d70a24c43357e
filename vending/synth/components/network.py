"""The platform's VPC: created by shared-alb, or found by the stacks that run in it."""

from __future__ import annotations

import ipaddress

from cdktf import Fn
from cdktf_cdktf_provider_aws.data_aws_availability_zones import DataAwsAvailabilityZones
from cdktf_cdktf_provider_aws.data_aws_subnets import DataAwsSubnets, DataAwsSubnetsFilter
from cdktf_cdktf_provider_aws.data_aws_vpc import DataAwsVpc, DataAwsVpcFilter
from cdktf_cdktf_provider_aws.default_security_group import DefaultSecurityGroup
from cdktf_cdktf_provider_aws.eip import Eip
from cdktf_cdktf_provider_aws.internet_gateway import InternetGateway
from cdktf_cdktf_provider_aws.nat_gateway import NatGateway
from cdktf_cdktf_provider_aws.route_table import RouteTable, RouteTableRoute
from cdktf_cdktf_provider_aws.route_table_association import RouteTableAssociation
from cdktf_cdktf_provider_aws.subnet import Subnet
from cdktf_cdktf_provider_aws.vpc import Vpc
from constructs import Construct

from vending.model.config import Network
from vending.synth.components.flow_logs import FlowLogs

TIER_TAG = "tier"  # public | private, on created subnets, for lookups by other stacks


class CreatedNetwork(Construct):
    """A VPC with one public and one private subnet per zone and a NAT gateway, its flow logs
    going to ``log_bucket_arn``.

    Load balancers go in the public subnets; instances and databases in the private ones,
    reaching AWS APIs through the NAT gateway.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name: str,
        cidr: str,
        subnet_prefix: int,
        zones: int,
        log_bucket_arn: str,
    ) -> None:
        super().__init__(scope, construct_id)
        available = DataAwsAvailabilityZones(self, "zones", state="available")
        self.vpc = Vpc(
            self,
            "vpc",
            cidr_block=cidr,
            enable_dns_hostnames=True,
            enable_dns_support=True,
            tags={"Name": name},
        )
        self.vpc_id: str = self.vpc.id
        zone_names = available.names
        FlowLogs(self, "flow-logs", vpc_id=self.vpc_id, log_bucket_arn=log_bucket_arn)
        # The default security group is never used: make it deny everything.
        DefaultSecurityGroup(self, "default-security-group", vpc_id=self.vpc_id, tags={"Name": f"{name}-default"})
        gateway = InternetGateway(self, "internet-gateway", vpc_id=self.vpc_id, tags={"Name": name})

        # Carve /4-smaller blocks: the first `zones` are public, the next `zones` private.
        network = ipaddress.IPv4Network(cidr)
        blocks = list(network.subnets(new_prefix=subnet_prefix))
        public, private = [], []
        for tier, offset, group in (("public", 0, public), ("private", zones, private)):
            for index in range(zones):
                group.append(
                    Subnet(
                        self,
                        f"{tier}-{index}",
                        vpc_id=self.vpc_id,
                        cidr_block=str(blocks[offset + index]),
                        availability_zone=Fn.element(zone_names, index),
                        map_public_ip_on_launch=False,
                        tags={"Name": f"{name}-{tier}-{index}", TIER_TAG: tier},
                    )
                )
        self.public_subnet_ids: list[str] = [s.id for s in public]
        self.private_subnet_ids: list[str] = [s.id for s in private]
        nat_address = Eip(self, "nat-address", domain="vpc", tags={"Name": f"{name}-nat"})
        nat = NatGateway(
            self,
            "nat",
            allocation_id=nat_address.id,
            subnet_id=self.public_subnet_ids[0],
            tags={"Name": name},
            depends_on=[gateway],
        )
        for tier, subnet_ids, route in (
            ("public", self.public_subnet_ids, RouteTableRoute(cidr_block="0.0.0.0/0", gateway_id=gateway.id)),
            ("private", self.private_subnet_ids, RouteTableRoute(cidr_block="0.0.0.0/0", nat_gateway_id=nat.id)),
        ):
            table = RouteTable(
                self, f"{tier}-routes", vpc_id=self.vpc_id, route=[route], tags={"Name": f"{name}-{tier}"}
            )
            table_id = table.id
            for index, subnet_id in enumerate(subnet_ids):
                RouteTableAssociation(self, f"{tier}-{index}-routes", subnet_id=subnet_id, route_table_id=table_id)


class NetworkLookup(Construct):
    """The platform network as seen from another stack: the configured ids, or data sources
    that find the VPC created by shared-alb by its tags."""

    def __init__(self, scope: Construct, construct_id: str, *, network: Network, name: str) -> None:
        super().__init__(scope, construct_id)
        if not network.created:
            assert network.vpc_id is not None
            self.vpc_id: str = network.vpc_id
            self.public_subnet_ids: list[str] = list(network.public_subnet_ids)
            self.private_subnet_ids: list[str] = list(network.private_subnet_ids)
            return
        vpc = DataAwsVpc(self, "vpc", filter=[DataAwsVpcFilter(name="tag:Name", values=[name])])
        self.vpc_id = vpc.id
        subnets = {}
        for tier in ("public", "private"):
            subnets[tier] = DataAwsSubnets(
                self,
                f"{tier}-subnets",
                filter=[
                    DataAwsSubnetsFilter(name="vpc-id", values=[self.vpc_id]),
                    DataAwsSubnetsFilter(name=f"tag:{TIER_TAG}", values=[tier]),
                ],
            )
        self.public_subnet_ids = subnets["public"].ids
        self.private_subnet_ids = subnets["private"].ids
