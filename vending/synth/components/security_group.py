"""Security groups without inline rules: every rule is its own resource, with a description."""

from __future__ import annotations

from cdktf_cdktf_provider_aws.security_group import SecurityGroup
from constructs import Construct


def security_group(scope: Construct, name: str, description: str, vpc_id: str) -> tuple[SecurityGroup, str]:
    """The group, named and tagged alike, and its id."""
    group = SecurityGroup(
        scope, "security-group", name=name, description=description, vpc_id=vpc_id, tags={"Name": name}
    )
    return group, group.id
