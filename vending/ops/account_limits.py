"""The account's own limits, where AWS tells them: Elastic Load Balancing's
``DescribeAccountLimits`` and Service Quotas for the VPC. A limit AWS does not report keeps its
default (``vending.synth.quotas``): target groups per load balancer cannot be raised anyway.

Works the same against real AWS and the emulator (boto3 honours AWS_ENDPOINT_URL).
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

# DescribeAccountLimits' names → what vending.synth.quotas counts
LOAD_BALANCING = {
    "rules-per-application-load-balancer": "listener rules",
    "certificates-per-application-load-balancer": "certificates",
    "listeners-per-application-load-balancer": "listeners",
    "application-load-balancers": "application load balancers",
}
# Service Quotas' codes for the VPC → what is counted
VPC = {
    "L-0EA8095F": ("ingress rules", "egress rules"),  # Inbound or outbound rules per security group
    "L-E79EC296": ("security groups per VPC",),  # VPC security groups per Region
}


def read(session: Any, region: str) -> dict[str, int]:
    """What is counted → the account's limit, for each limit AWS reports in ``region``."""
    limits: dict[str, int] = {}
    elb = session.client("elbv2", region_name=region)
    for page in elb.get_paginator("describe_account_limits").paginate():
        for limit in page["Limits"]:
            if limit["Name"] in LOAD_BALANCING:
                limits[LOAD_BALANCING[limit["Name"]]] = int(limit["Max"])
    service_quotas = session.client("service-quotas", region_name=region)
    for code, counted in VPC.items():
        try:
            value = service_quotas.get_service_quota(ServiceCode="vpc", QuotaCode=code)["Quota"]["Value"]
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "NoSuchResourceException":
                raise
            continue  # never changed in this account: the default holds
        limits.update(dict.fromkeys(counted, int(value)))
    return limits
