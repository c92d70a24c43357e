"""The pipeline's Deploy stage: a CodeDeploy application and a deployment group bound to the
environment's autoscaling group and target group, found by name (they live in another stack)."""

from __future__ import annotations

from cdktf_cdktf_provider_aws.codedeploy_app import CodedeployApp
from cdktf_cdktf_provider_aws.codedeploy_deployment_group import (
    CodedeployDeploymentGroup,
    CodedeployDeploymentGroupAutoRollbackConfiguration,
    CodedeployDeploymentGroupDeploymentStyle,
    CodedeployDeploymentGroupLoadBalancerInfo,
    CodedeployDeploymentGroupLoadBalancerInfoTargetGroupInfo,
)
from cdktf_cdktf_provider_aws.data_aws_autoscaling_group import DataAwsAutoscalingGroup
from cdktf_cdktf_provider_aws.data_aws_lb_target_group import DataAwsLbTargetGroup
from constructs import Construct

from vending.synth.components.iam import ServiceRole, Statement

DEPLOYMENT_CONFIG = "CodeDeployDefault.OneAtATime"
ROLLBACK_EVENTS = ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_REQUEST"]


class Deployment(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        application_name: str,
        group_name: str,
        role_name: str,
        autoscaling_group_name: str,
        target_group_name: str,
        region: str,
        account_id: str,
    ) -> None:
        super().__init__(scope, construct_id)
        # Data sources, not cdktf cross-stack references: this stack deploys on its own.
        self.autoscaling_group = DataAwsAutoscalingGroup(self, "autoscaling-group", name=autoscaling_group_name)
        self.target_group = DataAwsLbTargetGroup(self, "target-group", name=target_group_name)
        self.config_arn = f"arn:aws:codedeploy:{region}:{account_id}:deploymentconfig:{DEPLOYMENT_CONFIG}"

        self.role = ServiceRole(
            self,
            "role",
            name=role_name,
            service="codedeploy.amazonaws.com",
            statements=[
                # CodeDeploy hooks into the group so that instances added later get the app too.
                Statement(
                    sid="HookIntoAutoscalingGroup",
                    actions=[
                        "autoscaling:CompleteLifecycleAction",
                        "autoscaling:DeleteLifecycleHook",
                        "autoscaling:PutLifecycleHook",
                        "autoscaling:RecordLifecycleActionHeartbeat",
                    ],
                    resources=[self.autoscaling_group.arn],
                ),
                Statement(
                    sid="MoveInstancesInAndOutOfTraffic",
                    actions=["elasticloadbalancing:DeregisterTargets", "elasticloadbalancing:RegisterTargets"],
                    resources=[self.target_group.arn],
                ),
                # Describe calls have no resource-level permissions: AWS authorises them only on "*".
                Statement(
                    sid="DescribeFleet",
                    actions=[
                        "autoscaling:DescribeAutoScalingGroups",
                        "autoscaling:DescribeLifecycleHooks",
                        "ec2:DescribeInstanceStatus",
                        "ec2:DescribeInstances",
                        "elasticloadbalancing:DescribeTargetGroupAttributes",
                        "elasticloadbalancing:DescribeTargetGroups",
                        "elasticloadbalancing:DescribeTargetHealth",
                    ],
                    resources=["*"],
                ),
            ],
        )
        self.application = CodedeployApp(self, "application", name=application_name, compute_platform="Server")
        self.application_name = self.application.name
        self.group = CodedeployDeploymentGroup(
            self,
            "group",
            app_name=self.application_name,
            deployment_group_name=group_name,
            service_role_arn=self.role.role.arn,
            deployment_config_name=DEPLOYMENT_CONFIG,
            autoscaling_groups=[self.autoscaling_group.name],
            # In place, taking each instance out of the target group while it is updated.
            deployment_style=CodedeployDeploymentGroupDeploymentStyle(
                deployment_option="WITH_TRAFFIC_CONTROL", deployment_type="IN_PLACE"
            ),
            load_balancer_info=CodedeployDeploymentGroupLoadBalancerInfo(
                target_group_info=[
                    CodedeployDeploymentGroupLoadBalancerInfoTargetGroupInfo(name=self.target_group.name)
                ]
            ),
            auto_rollback_configuration=CodedeployDeploymentGroupAutoRollbackConfiguration(
                enabled=True, events=ROLLBACK_EVENTS
            ),
            # Creating the group installs the lifecycle hook, with the role's permissions.
            depends_on=[self.role.policy],
        )
        self.group_name = self.group.deployment_group_name
