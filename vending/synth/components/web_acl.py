"""A WAF web ACL in front of a public load balancer: AWS managed rule groups, logged to the
platform's log bucket."""

from __future__ import annotations

from cdktf_cdktf_provider_aws.wafv2_web_acl import (
    Wafv2WebAcl,
    Wafv2WebAclDefaultAction,
    Wafv2WebAclDefaultActionAllow,
    Wafv2WebAclRule,
    Wafv2WebAclRuleOverrideAction,
    Wafv2WebAclRuleOverrideActionNone,
    Wafv2WebAclRuleVisibilityConfig,
    Wafv2WebAclVisibilityConfig,
)
from cdktf_cdktf_provider_aws.wafv2_web_acl_association import Wafv2WebAclAssociation
from cdktf_cdktf_provider_aws.wafv2_web_acl_logging_configuration import Wafv2WebAclLoggingConfiguration
from constructs import Construct

# Evaluated in this order; each blocks what it matches, everything else is allowed.
MANAGED_RULE_GROUPS = (
    "AWSManagedRulesAmazonIpReputationList",  # sources known for bots and attacks
    "AWSManagedRulesKnownBadInputsRuleSet",  # Log4j (CVE-2021-44228) and other known exploit patterns
    "AWSManagedRulesCommonRuleSet",  # OWASP Top 10 style protections
)


class WebAcl(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, name: str, load_balancer_arn: str, log_bucket_arn: str
    ) -> None:
        super().__init__(scope, construct_id)
        self.web_acl = Wafv2WebAcl(
            self,
            "web-acl",
            name=name,
            description=f"Managed rule groups in front of {name}",
            scope="REGIONAL",
            default_action=Wafv2WebAclDefaultAction(allow=Wafv2WebAclDefaultActionAllow()),
            rule=[
                Wafv2WebAclRule(
                    name=group,
                    priority=priority,
                    # "none": the group's own block actions apply (not overridden to count).
                    override_action=Wafv2WebAclRuleOverrideAction(none=Wafv2WebAclRuleOverrideActionNone()),
                    statement={"managed_rule_group_statement": {"name": group, "vendor_name": "AWS"}},
                    visibility_config=Wafv2WebAclRuleVisibilityConfig(
                        cloudwatch_metrics_enabled=True, metric_name=group, sampled_requests_enabled=True
                    ),
                )
                for priority, group in enumerate(MANAGED_RULE_GROUPS)
            ],
            visibility_config=Wafv2WebAclVisibilityConfig(
                cloudwatch_metrics_enabled=True, metric_name=name, sampled_requests_enabled=True
            ),
        )
        web_acl_arn = self.web_acl.arn
        Wafv2WebAclAssociation(self, "association", web_acl_arn=web_acl_arn, resource_arn=load_balancer_arn)
        Wafv2WebAclLoggingConfiguration(
            self, "logging", resource_arn=web_acl_arn, log_destination_configs=[log_bucket_arn]
        )
