"""Where an environment's traffic goes: a target group, and the listener rule that sends it the
requests for the environment's host names."""

from __future__ import annotations

from cdktf_cdktf_provider_aws.lb_listener_rule import (
    LbListenerRule,
    LbListenerRuleAction,
    LbListenerRuleCondition,
    LbListenerRuleConditionHostHeader,
)
from cdktf_cdktf_provider_aws.lb_target_group import LbTargetGroup, LbTargetGroupHealthCheck
from constructs import Construct

from vending.model.config import HealthCheck


class WebTarget(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name: str,
        vpc_id: str,
        port: int,
        health_check: HealthCheck,
        listener_arn: str,
        hosts: list[str],
        priority: int,
    ) -> None:
        super().__init__(scope, construct_id)
        self.target_group = LbTargetGroup(
            self,
            "target-group",
            name=name,
            port=port,
            protocol="HTTP",
            target_type="instance",
            vpc_id=vpc_id,
            deregistration_delay="30",
            health_check=LbTargetGroupHealthCheck(
                enabled=True,
                protocol="HTTP",
                port="traffic-port",
                path=health_check.path,
                interval=health_check.interval,
                timeout=health_check.timeout,
                healthy_threshold=health_check.healthy_threshold,
                unhealthy_threshold=health_check.unhealthy_threshold,
                matcher=health_check.matcher,
            ),
        )
        self.target_group_arn = self.target_group.arn
        self.rule = LbListenerRule(
            self,
            "host-rule",
            listener_arn=listener_arn,
            priority=priority,
            action=[LbListenerRuleAction(type="forward", target_group_arn=self.target_group_arn)],
            condition=[LbListenerRuleCondition(host_header=LbListenerRuleConditionHostHeader(values=hosts))],
        )
