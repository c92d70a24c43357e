"""``<customer>-<env>``: one customer environment's fleet, routing and database."""

from __future__ import annotations

from cdktf import TerraformOutput
from cdktf_cdktf_provider_aws.lb_listener_certificate import LbListenerCertificate
from cdktf_cdktf_provider_aws.vpc_security_group_egress_rule import VpcSecurityGroupEgressRule
from constructs import Construct

from vending.model.config import Customer, Platform
from vending.model.images import FleetImage
from vending.synth.components.database import Database
from vending.synth.components.fleet import Fleet
from vending.synth.components.host_records import HostRecords
from vending.synth.components.instance_role import InstanceRole
from vending.synth.components.load_balancer import LoadBalancer, SharedLoadBalancerLookup
from vending.synth.components.network import NetworkLookup
from vending.synth.components.web_target import WebTarget
from vending.synth.stacks.base import VendingStack

DEDICATED_RULE_PRIORITY = 100  # the only rule on a dedicated listener


def state_key(customer: Customer) -> str:
    return f"customers/{customer.customer}/{customer.environment}/infrastructure.tfstate"


def environment_tags(customer: Customer) -> dict[str, str]:
    return {**customer.tags, "customer": customer.customer, "environment": customer.environment}


class EnvironmentStack(VendingStack):
    def __init__(
        self,
        scope: Construct,
        *,
        platform: Platform,
        customer: Customer,
        image: FleetImage,
        priority: int | None,
        shard: int | None,
        endpoint_url: str | None = None,
    ) -> None:
        super().__init__(
            scope,
            customer.stack_name,
            platform=platform,
            state_key=state_key(customer),
            tags=environment_tags(customer),
            production=customer.production,
            endpoint_url=endpoint_url,
        )
        names = customer.names(platform)
        network = NetworkLookup(self, "network", network=platform.network, name=platform.names.network)
        host = customer.hostname(platform)

        if customer.dedicated_alb:
            assert customer.domain is not None
            alb = LoadBalancer(
                self,
                "dedicated-alb",
                name=names.dedicated_alb,
                security_group_name=names.alb_security_group,
                vpc_id=network.vpc_id,
                subnet_ids=network.public_subnet_ids,
                certificate_arn=customer.domain.certificate_arn,
                web_acl_name=names.web_acl,
                log_bucket=platform.names.log_bucket(platform.account_id),  # created by shared-alb
            )
            listener_arn, alb_security_group_id = alb.https_listener.arn, alb.security_group_id
            rule_priority = DEDICATED_RULE_PRIORITY
            served_by = alb.load_balancer
        else:
            assert priority is not None and shard is not None, "shared-listener environments have both"
            shared = SharedLoadBalancerLookup(
                self,
                "shared-alb",
                name=platform.names.shared_alb(shard),
                security_group_name=platform.names.shared_alb_security_group(shard),
                vpc_id=network.vpc_id,
            )
            listener_arn, alb_security_group_id = shared.https_listener.arn, shared.security_group.id
            rule_priority = priority
            served_by = shared.load_balancer
            if customer.domain is not None:  # the shared listener presents its certificate too
                LbListenerCertificate(
                    self,
                    "domain-certificate",
                    listener_arn=listener_arn,
                    certificate_arn=customer.domain.certificate_arn,
                )

        web = WebTarget(
            self,
            "web",
            name=names.target_group,
            vpc_id=network.vpc_id,
            port=customer.instances.port,
            health_check=customer.health_check,
            listener_arn=listener_arn,
            hosts=customer.hosts(platform),
            priority=rule_priority,
        )
        role = InstanceRole(
            self,
            "instance-role",
            role_name=names.instance_role,
            profile_name=names.instance_profile,
            artifact_bucket=names.artifact_bucket(platform.account_id),
            artifact_key_alias=names.artifact_key_alias,
            region=platform.region,
            account_id=platform.account_id,
        )
        fleet = Fleet(
            self,
            "fleet",
            name=names.autoscaling_group,
            security_group_name=names.instance_security_group,
            vpc_id=network.vpc_id,
            subnet_ids=network.private_subnet_ids,
            ami_id=image.ami_id,
            instances=customer.instances,
            instance_profile_arn=role.profile.arn,
            load_balancer_security_group_id=alb_security_group_id,
            target_group_arn=web.target_group_arn,
            region=platform.region,
        )
        if customer.dedicated_alb:
            # Its own load balancer may reach this environment's instances, and nothing else. A
            # shared one has a single rule towards the VPC (shared_alb.py): a rule per environment
            # would meet AWS's 60 rules per security group.
            VpcSecurityGroupEgressRule(
                self,
                "alb-egress-to-instances",
                security_group_id=alb_security_group_id,
                description=f"Load balancer to {customer.stack_name} instances",
                ip_protocol="tcp",
                from_port=customer.instances.port,
                to_port=customer.instances.port,
                referenced_security_group_id=fleet.security_group_id,
            )
        dns_name = served_by.dns_name  # read once: each read is a round trip to Node
        in_zone = [h for h in customer.hosts(platform) if h.endswith(f".{platform.domain}")]
        if platform.dns is not None and in_zone:
            records = HostRecords(
                self,
                "dns",
                zone_id=platform.dns.zone_id,
                hosts=in_zone,
                load_balancer_dns_name=dns_name,
                load_balancer_zone_id=served_by.zone_id,
            )
            TerraformOutput(
                self,
                "dns_records",
                value=[record.fqdn for record in records.records],
                description="Alias records of its host names, in the platform's zone",
            )

        TerraformOutput(self, "url", value=f"https://{host}", description="Where the application answers")
        TerraformOutput(
            self,
            "load_balancer_dns_name",
            value=dns_name,
            description=f"Point {host} here" if customer.domain else "The shared load balancer",
        )
        if customer.domain is not None:  # the customer's own zone: a record only they can make
            TerraformOutput(
                self,
                "domain_record",
                value=f"{customer.domain.name} CNAME {dns_name}",
                description="The record the customer's DNS needs for its custom domain",
            )
        TerraformOutput(self, "ami_id", value=image.ami_id, description=f"Fleet image ({image.origin})")
        TerraformOutput(self, "autoscaling_group_name", value=fleet.autoscaling_group_name)
        TerraformOutput(self, "target_group_arn", value=web.target_group_arn)
        TerraformOutput(self, "target_group_name", value=web.target_group.name)
        if customer.database is not None:
            database = Database(
                self,
                "database",
                identifier=names.db_identifier,
                db_name=names.db_name,
                subnet_group_name=names.db_subnet_group,
                security_group_name=names.database_security_group,
                vpc_id=network.vpc_id,
                subnet_ids=network.private_subnet_ids,
                client_security_group_id=fleet.security_group_id,
                config=customer.database,
                monitoring_role_name=names.db_monitoring_role,
                parameter_group_name=names.db_parameter_group,
                key_alias=names.db_key_alias,
                account_id=platform.account_id,
                production=customer.production,
            )
            TerraformOutput(self, "database_endpoint", value=database.instance.endpoint)
            TerraformOutput(
                self,
                "database_secret_arn",
                value=database.instance.master_user_secret.get(0).secret_arn,
                description="Secrets Manager secret holding the master password",
            )
