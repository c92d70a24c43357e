"""``vending catalog refresh``: the EC2 catalog the project keeps as data
(``vending/model/catalogs/ec2.json``), taken from ``DescribeInstanceTypes`` and
``DescribeAvailabilityZones``: each instance type's architectures, EBS optimization and usage
classes, and each region's zones. Which types exist at all comes from botocore's EC2 service
model; which regions belong to which partition from botocore's endpoints (vending.model.catalog).

Works the same against real AWS and the emulator (boto3 honours AWS_ENDPOINT_URL).
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

from vending.files import write_atomically
from vending.model.catalog import EC2_CATALOG


def instance_types(ec2: Any) -> dict[str, dict]:
    """Every instance type the region offers: architectures, EBS optimization, usage classes."""
    found = {}
    for page in ec2.get_paginator("describe_instance_types").paginate():
        for item in page["InstanceTypes"]:
            found[item["InstanceType"]] = {
                "architectures": sorted(item["ProcessorInfo"]["SupportedArchitectures"]),
                "ebs_optimized": item.get("EbsInfo", {}).get("EbsOptimizedSupport", "unsupported"),
                "usage_classes": sorted(item.get("SupportedUsageClasses", [])),
            }
    return dict(sorted(found.items()))


def zones(session: Any, regions: list[str]) -> dict[str, int]:
    """How many availability zones each region has (zones, not Local or Wavelength Zones)."""
    counted = {}
    for region in regions:
        answer = session.client("ec2", region_name=region).describe_availability_zones(
            Filters=[{"Name": "zone-type", "Values": ["availability-zone"]}]
        )
        counted[region] = len(answer["AvailabilityZones"])
    return counted


def _one_per_line(catalog: dict[str, Any]) -> str:
    """The catalog as JSON with one instance type (or region) a line: small, and diffs read well."""
    lines = ["{"]
    for index, (key, value) in enumerate(catalog.items()):
        comma = "," if index < len(catalog) - 1 else ""
        if isinstance(value, dict):
            items = [f"  {json.dumps(k)}: {json.dumps(v, separators=(',', ':'))}" for k, v in value.items()]
            lines += [f" {json.dumps(key)}: {{", ",\n".join(items), f" }}{comma}"]
        else:
            lines.append(f" {json.dumps(key)}: {json.dumps(value)}{comma}")
    return "\n".join(lines + ["}"]) + "\n"


def refresh(session: Any, region: str, target: Path = EC2_CATALOG, today: datetime.date | None = None) -> str:
    """Write the catalog from the account's view of AWS; return a line that says what was taken."""
    ec2 = session.client("ec2", region_name=region)
    regions = sorted(r["RegionName"] for r in ec2.describe_regions()["Regions"])
    catalog = {
        "taken": (today or datetime.date.today()).isoformat(),
        "from": f"DescribeInstanceTypes in {region}, DescribeAvailabilityZones in each region",
        "instance_types": instance_types(ec2),
        "zones": zones(session, regions),
    }
    write_atomically(target, _one_per_line(catalog))
    return (
        f"{target}: {len(catalog['instance_types']):,} instance types, {len(regions)} regions, taken {catalog['taken']}"
    )
