"""Where moto reads back differently from AWS: what a re-plan after apply may show on the emulator.

``unexplained()`` reports every planned change outside these.
"""

from __future__ import annotations

from typing import Any

from vending.review import plans

MOTO_VERSION = "5.2.5"

# (resource type, top-level attribute): moto reads the value back differently from AWS.
KNOWN_GAPS: dict[tuple[str, str], str] = {
    ("aws_autoscaling_policy", "enabled"): "moto reads `enabled` back as false",
    ("aws_launch_template", "tag_specifications"): (
        "moto returns the template's own tags as an extra `launch-template` tag specification"
    ),
    ("aws_codedeploy_deployment_group", "autoscaling_groups"): "moto reads the group's autoscaling groups back empty",
    ("aws_codebuild_project", "encryption_key"): "moto reads the project's KMS key back as alias/aws/s3",
    ("aws_vpc_security_group_ingress_rule", "description"): "moto drops descriptions of rules between groups",
    ("aws_vpc_security_group_egress_rule", "description"): "moto drops descriptions of rules between groups",
    ("aws_s3_bucket_logging", "target_object_key_format"): "moto does not keep the log object key format",
}

# Values that only become "known after apply" because of a gap above (a new launch template
# version, a policy document read again at apply). A known, different value is still reported.
FOLLOW_ONS: dict[tuple[str, str], str] = {
    ("aws_launch_template", "default_version"): "a new template version, from tag_specifications",
    ("aws_launch_template", "latest_version"): "a new template version, from tag_specifications",
    ("aws_autoscaling_group", "launch_template"): "the group follows the new template version",
    ("aws_iam_role_policy", "policy"): "its policy document is read again at apply, after the updates above",
}


def explained(change: Any) -> dict[str, str]:
    """Why each changed attribute of an update is expected on the emulator (empty if not all are)."""
    reasons = {}
    for path in change.paths:
        attribute = plans.attribute(path)
        key = (change.type, attribute)
        if key in KNOWN_GAPS:
            reasons[attribute] = KNOWN_GAPS[key]
        elif key in FOLLOW_ONS and path in change.unknown:
            reasons[attribute] = FOLLOW_ONS[key]
        else:
            return {}
    return reasons


def unexplained(changes: list[Any]) -> list[str]:
    """The planned changes (vending.review.plans.ResourceChange) that the known gaps do not cover."""
    problems = []
    for change in changes:
        if change.action != "update":
            problems.append(f"{change.address}: {change.action}")
        elif not explained(change):
            problems.append(f"{change.address}: update of {', '.join(change.paths)}")
    return problems
