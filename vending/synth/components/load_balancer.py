"""Application Load Balancers: the platform's shared one and production's dedicated ones."""

from __future__ import annotations

from cdktf_cdktf_provider_aws.data_aws_lb import DataAwsLb
from cdktf_cdktf_provider_aws.data_aws_lb_listener import DataAwsLbListener
from cdktf_cdktf_provider_aws.data_aws_security_group import DataAwsSecurityGroup
from cdktf_cdktf_provider_aws.lb import Lb, LbAccessLogs
from cdktf_cdktf_provider_aws.lb_listener import (
    LbListener,
    LbListenerDefaultAction,
    LbListenerDefaultActionFixedResponse,
    LbListenerDefaultActionRedirect,
)
from cdktf_cdktf_provider_aws.vpc_security_group_ingress_rule import VpcSecurityGroupIngressRule
from constructs import Construct

from vending.synth.components.security_group import security_group
from vending.synth.components.web_acl import WebAcl

TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"  # TLS 1.3, with 1.2 for older clients
NOT_FOUND_STATUS = "503"
NOT_FOUND_BODY = "host not found"


class LoadBalancer(Construct):
    """An internet-facing ALB: port 80 redirects to 443; 443 terminates TLS with
    ``certificate_arn`` and answers 503 ``host not found`` unless a host rule matches.
    A WAF web ACL screens its requests; it logs to ``log_bucket``, the platform's log bucket."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name: str,
        security_group_name: str,
        vpc_id: str,
        subnet_ids: list[str],
        certificate_arn: str,
        web_acl_name: str,
        log_bucket: str,
        log_prefix: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.security_group, self.security_group_id = security_group(
            self, security_group_name, f"Load balancer {name}: HTTP and HTTPS from the internet", vpc_id
        )
        for port, why in ((80, "HTTP, redirected to HTTPS"), (443, "HTTPS")):
            VpcSecurityGroupIngressRule(
                self,
                f"ingress-{port}",
                security_group_id=self.security_group_id,
                description=f"{why} from the internet",
                ip_protocol="tcp",
                from_port=port,
                to_port=port,
                cidr_ipv4="0.0.0.0/0",
            )
        # Egress is added by whoever owns the group: a constant rule for a shared load balancer
        # (shared_alb.py), the environment's own instances for a dedicated one.
        self.load_balancer = Lb(
            self,
            "load-balancer",
            name=name,
            load_balancer_type="application",
            internal=False,
            security_groups=[self.security_group_id],
            subnets=subnet_ids,
            drop_invalid_header_fields=True,
            enable_deletion_protection=True,
            desync_mitigation_mode="strictest",
            access_logs=LbAccessLogs(bucket=log_bucket, prefix=log_prefix, enabled=True),
        )
        self.load_balancer_arn = self.load_balancer.arn
        self.web_acl = WebAcl(
            self,
            "web-acl",
            name=web_acl_name,
            load_balancer_arn=self.load_balancer_arn,
            log_bucket_arn=f"arn:aws:s3:::{log_bucket}",
        )
        self.http_listener = LbListener(
            self,
            "http",
            load_balancer_arn=self.load_balancer_arn,
            port=80,
            protocol="HTTP",
            default_action=[
                LbListenerDefaultAction(
                    type="redirect",
                    redirect=LbListenerDefaultActionRedirect(protocol="HTTPS", port="443", status_code="HTTP_301"),
                )
            ],
        )
        self.https_listener = LbListener(
            self,
            "https",
            load_balancer_arn=self.load_balancer_arn,
            port=443,
            protocol="HTTPS",
            ssl_policy=TLS_POLICY,
            certificate_arn=certificate_arn,
            default_action=[
                LbListenerDefaultAction(
                    type="fixed-response",
                    fixed_response=LbListenerDefaultActionFixedResponse(
                        content_type="text/plain", status_code=NOT_FOUND_STATUS, message_body=NOT_FOUND_BODY
                    ),
                )
            ],
        )


class SharedLoadBalancerLookup(Construct):
    """The shared ALB, its HTTPS listener and security group, found by name.

    A data-source lookup rather than a cdktf cross-stack reference, so that
    ``cdktf deploy <customer>-<env>`` works on its own once shared-alb exists.
    """

    def __init__(
        self, scope: Construct, construct_id: str, *, name: str, security_group_name: str, vpc_id: str
    ) -> None:
        super().__init__(scope, construct_id)
        self.load_balancer = DataAwsLb(self, "load-balancer", name=name)
        self.https_listener = DataAwsLbListener(self, "https", load_balancer_arn=self.load_balancer.arn, port=443)
        self.security_group = DataAwsSecurityGroup(self, "security-group", name=security_group_name, vpc_id=vpc_id)
