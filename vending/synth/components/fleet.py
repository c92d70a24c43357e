"""The EC2 fleet: security group, launch template, autoscaling group and CPU scaling."""

from __future__ import annotations

import base64
from importlib import resources

from cdktf import Token
from cdktf_cdktf_provider_aws.autoscaling_group import (
    AutoscalingGroup,
    AutoscalingGroupInstanceRefresh,
    AutoscalingGroupInstanceRefreshPreferences,
    AutoscalingGroupLaunchTemplate,
    AutoscalingGroupTag,
)
from cdktf_cdktf_provider_aws.autoscaling_policy import AutoscalingPolicy
from cdktf_cdktf_provider_aws.cloudwatch_metric_alarm import CloudwatchMetricAlarm
from cdktf_cdktf_provider_aws.data_aws_ami import DataAwsAmi, DataAwsAmiFilter
from cdktf_cdktf_provider_aws.launch_template import (
    LaunchTemplate,
    LaunchTemplateBlockDeviceMappings,
    LaunchTemplateBlockDeviceMappingsEbs,
    LaunchTemplateIamInstanceProfile,
    LaunchTemplateMetadataOptions,
    LaunchTemplateMonitoring,
    LaunchTemplateTagSpecifications,
)
from cdktf_cdktf_provider_aws.vpc_security_group_egress_rule import VpcSecurityGroupEgressRule
from cdktf_cdktf_provider_aws.vpc_security_group_ingress_rule import VpcSecurityGroupIngressRule
from constructs import Construct

from vending.model import catalog
from vending.model.config import Instances
from vending.synth.components.security_group import security_group

HEALTH_CHECK_GRACE_SECONDS = 300
SCALING_COOLDOWN_SECONDS = 300


def user_data(region: str) -> str:
    """Boot script: make sure the CodeDeploy agent runs, even on an unbaked image."""
    agent = resources.files("vending.assets").joinpath("codedeploy-agent.sh").read_text(encoding="utf-8")
    script = f"#!/bin/bash\nexport REGION={region}\n{agent}"
    return base64.b64encode(script.encode()).decode()


class Fleet(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name: str,
        security_group_name: str,
        vpc_id: str,
        subnet_ids: list[str],
        ami_id: str,
        instances: Instances,
        instance_profile_arn: str,
        load_balancer_security_group_id: str,
        target_group_arn: str,
        region: str,
    ) -> None:
        super().__init__(scope, construct_id)
        self.security_group, self.security_group_id = security_group(
            self, security_group_name, f"Instances of {name}: application port from the load balancer only", vpc_id
        )
        VpcSecurityGroupIngressRule(
            self,
            "ingress-from-load-balancer",
            security_group_id=self.security_group_id,
            description="Application traffic from the load balancer",
            ip_protocol="tcp",
            from_port=instances.port,
            to_port=instances.port,
            referenced_security_group_id=load_balancer_security_group_id,
        )
        VpcSecurityGroupEgressRule(
            self,
            "egress-https",
            security_group_id=self.security_group_id,
            description="HTTPS to AWS APIs (SSM, CodeDeploy, S3, CloudWatch) through the NAT",
            ip_protocol="tcp",
            from_port=443,
            to_port=443,
            cidr_ipv4="0.0.0.0/0",
        )

        # The root volume's device name differs between distributions; read it off the AMI
        # so that the encrypted volume settings apply to the root volume itself.
        image = DataAwsAmi(
            self, "image", owners=["self", "amazon"], filter=[DataAwsAmiFilter(name="image-id", values=[ami_id])]
        )
        self.launch_template = LaunchTemplate(
            self,
            "launch-template",
            name=name,
            description=f"{name} instances",
            image_id=ami_id,
            instance_type=instances.type,
            update_default_version=True,
            iam_instance_profile=LaunchTemplateIamInstanceProfile(arn=instance_profile_arn),
            vpc_security_group_ids=[self.security_group_id],
            metadata_options=LaunchTemplateMetadataOptions(
                http_endpoint="enabled",
                http_tokens="required",  # IMDSv2 only
                http_put_response_hop_limit=1,
            ),
            monitoring=LaunchTemplateMonitoring(enabled=True),
            # Not every type can be EBS-optimized; asking for it then fails the launch.
            ebs_optimized="true" if catalog.ebs_optimizable(instances.type) else None,
            block_device_mappings=[
                LaunchTemplateBlockDeviceMappings(
                    device_name=image.root_device_name,
                    ebs=LaunchTemplateBlockDeviceMappingsEbs(
                        volume_size=instances.volume_gb,
                        volume_type="gp3",
                        encrypted="true",
                        delete_on_termination="true",
                    ),
                )
            ],
            user_data=user_data(region),
            tag_specifications=[
                LaunchTemplateTagSpecifications(resource_type=kind, tags={"Name": name})
                for kind in ("instance", "volume")
            ],
        )
        self.autoscaling_group = AutoscalingGroup(
            self,
            "autoscaling-group",
            name=name,
            min_size=instances.min,
            max_size=instances.max,
            desired_capacity=instances.desired_capacity,
            vpc_zone_identifier=subnet_ids,
            target_group_arns=[target_group_arn],
            health_check_type="ELB",
            health_check_grace_period=HEALTH_CHECK_GRACE_SECONDS,
            launch_template=AutoscalingGroupLaunchTemplate(
                id=self.launch_template.id, version=Token.as_string(self.launch_template.latest_version)
            ),
            # A new launch template version (say, a new AMI) rolls through the fleet.
            instance_refresh=AutoscalingGroupInstanceRefresh(
                strategy="Rolling",
                preferences=AutoscalingGroupInstanceRefreshPreferences(min_healthy_percentage=90),
            ),
            enabled_metrics=["GroupDesiredCapacity", "GroupInServiceInstances", "GroupTotalInstances"],
            tag=[AutoscalingGroupTag(key="Name", value=name, propagate_at_launch=True)],
            # Scaling changes the desired size; `desired` is only the initial size.
            lifecycle={"ignore_changes": ["desired_capacity"]},
        )
        self.autoscaling_group_name = self.autoscaling_group.name
        self.scale_out, self.scale_in = (
            self._cpu_scaling(name, "scale-out", +1, "GreaterThanOrEqualToThreshold", instances.scale_out_cpu, 2),
            self._cpu_scaling(name, "scale-in", -1, "LessThanOrEqualToThreshold", instances.scale_in_cpu, 5),
        )

    def _cpu_scaling(
        self, name: str, direction: str, step: int, comparison: str, threshold: int, minutes: int
    ) -> AutoscalingPolicy:
        """One instance more (or fewer) when average CPU stays past ``threshold`` for ``minutes``."""
        policy = AutoscalingPolicy(
            self,
            direction,
            name=f"{name}-{direction}",
            autoscaling_group_name=self.autoscaling_group_name,
            policy_type="SimpleScaling",
            adjustment_type="ChangeInCapacity",
            scaling_adjustment=step,
            cooldown=SCALING_COOLDOWN_SECONDS,
        )
        CloudwatchMetricAlarm(
            self,
            f"{direction}-alarm",
            alarm_name=f"{name}-{direction}",
            alarm_description=f"{direction} {name}: average CPU {comparison} {threshold}% for {minutes} min",
            namespace="AWS/EC2",
            metric_name="CPUUtilization",
            statistic="Average",
            period=60,
            evaluation_periods=minutes,
            comparison_operator=comparison,
            threshold=threshold,
            dimensions={"AutoScalingGroupName": self.autoscaling_group_name},
            alarm_actions=[policy.arn],
        )
        return policy
