"""What AWS offers, known offline: catalogs that a library maintains, and the ones the project
keeps as data beside this module, each with the date it was taken.

- Which EC2 instance types exist: botocore's EC2 service model (its ``InstanceType`` enum).
- Each type's architectures, EBS optimization and usage classes, and each region's zone count:
  ``catalogs/ec2.json``, refreshed by ``vending catalog refresh`` from ``DescribeInstanceTypes``.
- Which partition a region belongs to: botocore's endpoints.
- RDS engines, the shape of their versions, their major versions and DB instance classes:
  ``catalogs/rds.json``, kept by hand from the RDS user guide ("Supported DB engines", "DB
  instance classes") and ``DescribeOrderableDBInstanceOptions``.

Each check returns None when the value fits, else what is wrong with it, for rules.py to place
on a file and a field.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

CATALOGS = Path(__file__).with_name("catalogs")
EC2_CATALOG = CATALOGS / "ec2.json"
RDS_CATALOG = CATALOGS / "rds.json"
STANDARD_PARTITION = "aws"  # every ARN Vending writes is arn:aws:…
# Architectures that run only on a dedicated host: not in a plain autoscaling group.
HOST_ONLY_ARCHITECTURES = {"x86_64_mac", "arm64_mac"}


@functools.cache
def ec2() -> dict[str, Any]:
    return json.loads(EC2_CATALOG.read_text(encoding="utf-8"))


@functools.cache
def rds() -> dict[str, Any]:
    return json.loads(RDS_CATALOG.read_text(encoding="utf-8"))


@functools.cache
def _all_instance_types() -> frozenset[str]:
    """Every instance type botocore's EC2 service model knows: loaded only for a type the data
    catalog lacks (about 0.2 s), since every type there exists."""
    import botocore.loaders

    model = botocore.loaders.Loader().load_service_model("ec2", "service-2")
    return frozenset(model["shapes"]["InstanceType"]["enum"])


@functools.cache
def _partitions() -> dict[str, str]:
    """Region → partition, from botocore's endpoints."""
    import botocore.loaders

    endpoints = botocore.loaders.Loader().load_data("endpoints")
    return {region: p["partition"] for p in endpoints["partitions"] for region in p["regions"]}


def _nearest(value: str, known: list[str], count: int = 3) -> str:
    import difflib

    close = difflib.get_close_matches(value, known, n=count, cutoff=0.6)
    return f"; did you mean {', '.join(close)}?" if close else ""


# --- EC2 ---------------------------------------------------------------------------------------


def instance_type(name: str) -> dict[str, Any] | None:
    """What the catalog knows of a type, or None."""
    return ec2()["instance_types"].get(name)


def instance_type_problem(name: str) -> str | None:
    """A type that does not exist, or a family without that size."""
    if instance_type(name) is not None or name in _all_instance_types():
        return None
    family = name.split(".", 1)[0]
    sizes = sorted(t.split(".", 1)[1] for t in ec2()["instance_types"] if t.split(".", 1)[0] == family)
    if sizes:
        return f"{family} has no size {name.split('.', 1)[1]!r} (it has {', '.join(sizes)})"
    return f"no such EC2 instance type {name!r}" + _nearest(name, sorted(ec2()["instance_types"]))


def fleet_type_problem(name: str) -> str | None:
    """A type an autoscaling group cannot launch on shared tenancy."""
    known = instance_type(name)
    if known is None:
        return None
    host_only = HOST_ONLY_ARCHITECTURES & set(known["architectures"])
    if host_only:
        return f"{name} runs only on a dedicated host ({', '.join(sorted(host_only))}), not in an autoscaling group"
    if "on-demand" not in known["usage_classes"]:
        return f"{name} is not offered on demand (only {', '.join(known['usage_classes'])})"
    return None


def architectures(name: str) -> set[str]:
    known = instance_type(name)
    return set(known["architectures"]) - {"i386"} if known else set()


def ebs_optimizable(name: str) -> bool:
    """Whether a launch template may ask for EBS optimization (unknown types: yes, AWS decides)."""
    known = instance_type(name)
    return known is None or known["ebs_optimized"] != "unsupported"


# --- regions -----------------------------------------------------------------------------------


def region_problem(region: str) -> str | None:
    partition = _partitions().get(region)
    if partition is None:
        return f"no such AWS region {region!r}" + _nearest(region, sorted(_partitions()))
    if partition != STANDARD_PARTITION:
        return (
            f"{region} is in the {partition} partition; Vending writes arn:aws: ARNs and supports the"
            " standard partition only"
        )
    return None


def zones(region: str) -> int | None:
    return ec2()["zones"].get(region)


# --- RDS ---------------------------------------------------------------------------------------


def engine_version_problem(engine: str, version: str) -> str | None:
    """A version of another engine, of no major version the engine has, or with too many parts."""
    known = rds()["engines"][engine]
    parts = version.split(".")
    exact = known["exact_parts"]
    if len(parts) > exact:
        return f"{engine} versions have at most {exact} parts, like {known['example']} (got {version!r})"
    major = ".".join(parts[: known["major_parts"]])
    if len(parts) < known["major_parts"] or major not in known["majors"]:
        return f"{engine} has no major version {major!r} (it has {', '.join(known['majors'])})"
    return None


def exact_version(engine: str, version: str) -> bool:
    """Whether ``version`` pins a minor version (``8.0.39``, ``16.4``), not just a major one."""
    return len(version.split(".")) == rds()["engines"][engine]["exact_parts"]


def db_class_problem(name: str) -> str | None:
    classes = rds()["instance_classes"]
    if name in classes:
        return None
    family = name.rsplit(".", 1)[0]
    sizes = sorted(c.rsplit(".", 1)[1] for c in classes if c.rsplit(".", 1)[0] == family)
    if sizes:
        return f"{family} has no size {name.rsplit('.', 1)[1]!r} (it has {', '.join(sizes)})"
    return f"no such RDS DB instance class {name!r}" + _nearest(name, classes)


def age() -> str:
    return f"EC2 catalog taken {ec2()['taken']}, RDS catalog {rds()['taken']}"
