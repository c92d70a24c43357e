"""AWS naming rules that ``terraform validate`` does not check, applied at config time.

naming.py builds names that keep these rules; checking the built names here guards it against
regressions, and catches what users supply themselves (domain names, the state bucket). Each
rule returns None when the value is fine, else what is wrong with it.
"""

from __future__ import annotations

import ipaddress
import re
from typing import TYPE_CHECKING

from vending.model import naming

if TYPE_CHECKING:
    from vending.model.config import Customer, Platform

# A build number of the default form (the UTC time), for checking AMI names.
SAMPLE_BUILD = "20991231235959"
HOST_HEADER_MAX = 128  # per value of an ALB host-header condition


def _length(value: str, low: int, high: int) -> str | None:
    return None if low <= len(value) <= high else f"must be {low}–{high} characters (got {len(value)})"


def rds_identifier(value: str) -> str | None:
    if problem := _length(value, 1, naming.RDS_IDENTIFIER_MAX):
        return problem
    if not re.fullmatch(r"[a-z][a-z0-9-]*", value):
        return "must be lowercase letters, digits and hyphens, starting with a letter"
    if "--" in value or value.endswith("-"):
        return "must not contain '--' or end with a hyphen"
    return None


def database_name(value: str) -> str | None:
    # PostgreSQL's 63 is the lower of the engines' limits; MySQL and MariaDB allow 64.
    if problem := _length(value, 1, naming.DB_NAME_MAX):
        return problem
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", value):
        return "must be letters, digits and underscores, starting with a letter"
    return None


def s3_bucket(value: str) -> str | None:
    if problem := _length(value, 3, naming.S3_BUCKET_MAX):
        return problem
    if not re.fullmatch(r"[a-z0-9][a-z0-9.-]*[a-z0-9]", value):
        return "must be lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit"
    if ".." in value or ".-" in value or "-." in value:
        return "must not have a dot next to a dot or hyphen"
    if re.fullmatch(r"\d+\.\d+\.\d+\.\d+", value) and _is_ip(value):
        return "must not look like an IP address"
    if value.startswith(("xn--", "sthree-", "amzn-s3-demo-")) or value.endswith(
        ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")
    ):
        return "must not use a prefix or suffix that S3 reserves"
    return None


def _is_ip(value: str) -> bool:
    try:
        ipaddress.IPv4Address(value)
    except ValueError:
        return False
    return True


def codebuild_project(value: str) -> str | None:
    if problem := _length(value, 2, naming.CODEBUILD_NAME_MAX):
        return problem
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]*", value):
        return "must be letters, digits, hyphens and underscores, starting with a letter or digit"
    return None


def ami_name(value: str) -> str | None:
    if problem := _length(value, 3, naming.AMI_NAME_MAX):
        return problem
    if not re.fullmatch(f"[{naming.AMI_NAME_CHARACTERS}]+", value):
        return "must be letters, digits, spaces and ( ) [ ] . / ' @ _ - only"
    return None


def ami_description(value: str) -> str | None:
    units = len(value.encode("utf-16-le")) // 2  # AWS counts UTF-16 code units
    return None if units <= naming.AMI_DESCRIPTION_MAX else f"must be at most 255 characters (got {units})"


def host_header(value: str) -> str | None:
    if len(value) > HOST_HEADER_MAX:
        return f"is {len(value)} characters; a load balancer host-header value allows at most {HOST_HEADER_MAX}"
    if not re.fullmatch(r"[A-Za-z0-9.*?-]+", value):
        return "may hold only letters, digits, hyphens, dots and the wildcards * and ?"
    return None


def _problems(checks) -> list[tuple[str, str]]:
    found = []
    for field, what, value, rule in checks:
        if (problem := rule(value)) is not None:
            found.append((field, f"{what} {value!r} {problem}"))
    return found


def platform_problems(platform: Platform) -> list[tuple[str, str]]:
    checks = [("name", "log bucket", platform.names.log_bucket(platform.account_id), s3_bucket)]
    if platform.state.bucket is not None:
        checks.append(("state.bucket", "state bucket", platform.state.bucket, s3_bucket))
    return _problems(checks)


def customer_problems(customer: Customer, platform: Platform) -> list[tuple[str, str]]:
    """The names built for one environment (reported against ``customer``, which they derive
    from) and its host name (against ``domain.name`` when the customer chose it)."""
    names = customer.names(platform)
    checks = [
        ("customer", "artifact bucket", names.artifact_bucket(platform.account_id), s3_bucket),
        ("customer", "CodeBuild project", names.test_project, codebuild_project),
        ("customer", "AMI name", names.ami_name(SAMPLE_BUILD), ami_name),
        (
            "domain.name" if customer.dedicated_alb else "customer",
            "host name",
            customer.hostname(platform),
            host_header,
        ),
    ]
    if customer.database is not None:
        checks += [
            ("customer", "RDS identifier", names.db_identifier, rds_identifier),
            ("customer", "database name", names.db_name, database_name),
        ]
    return _problems(checks)
