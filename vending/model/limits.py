"""AWS's limits on names and values, in one place: the numbers, and a rule for each kind of
name that ``terraform validate`` does not check (a plan or apply would fail on it). Each rule
returns None when the value is fine, else what is wrong with it.

naming.py builds names inside these limits; rules.py checks the built names and what users
write themselves (domains, the state bucket, tags) with these rules at config time.
"""

from __future__ import annotations

import ipaddress
import re

ALB_NAME_MAX = 32  # also target groups
RDS_IDENTIFIER_MAX = 63
IAM_ROLE_MAX = 64
S3_BUCKET_MAX = 63
AMI_NAME_MAX = 128
AMI_DESCRIPTION_MAX = 255
AMI_NAME_CHARACTERS = r"A-Za-z0-9()\[\] ./'@_-"  # a regular-expression character class
CODEBUILD_NAME_MAX = 150
CODEPIPELINE_NAME_MAX = 100
CODEDEPLOY_NAME_MAX = 100
SNS_TOPIC_MAX = 256
SECURITY_GROUP_NAME_MAX = 255
LAUNCH_TEMPLATE_MAX = 128
ASG_NAME_MAX = 255
DB_NAME_MAX = 63  # PostgreSQL's limit; MySQL/MariaDB allow 64
WEB_ACL_NAME_MAX = 128
HOST_HEADER_MAX = 128  # per value of an ALB host-header condition
RULE_PRIORITY_MAX = 50000  # of a listener rule
RDS_STORAGE_MAX = 65536  # GiB, of gp3 storage, autoscaling included
TAG_KEY_MAX = 128
TAG_VALUE_MAX = 256
TAGS_PER_RESOURCE = 50
# Characters IAM and S3 allow in tag keys and values (letters and digits in any script); the
# default tags reach every resource, so every resource is held to them.
TAG_CHARACTERS = r"\w .:+=@/-"  # a regular-expression character class
TFC_WORKSPACE_MAX = 90
ALB_SUBNET_PREFIX_MAX = 27  # an Application Load Balancer's subnets: /27 or larger

# AWS's default quotas that a platform of many environments meets ("Quotas for your Application
# Load Balancers" in the Elastic Load Balancing guide, "Amazon VPC quotas" in the VPC guide).
# Per load balancer; the default rule and default certificate are not counted.
ALB_RULES_QUOTA = 100
ALB_TARGET_GROUPS_QUOTA = 100  # not adjustable
ALB_CERTIFICATES_QUOTA = 25
ALB_LISTENERS_QUOTA = 50
SECURITY_GROUP_RULES_QUOTA = 60  # per security group and direction (inbound, outbound)
# Per account and region; AWS raises these on request, so they are reported, not refused.
ACCOUNT_QUOTAS = {
    "application load balancers": 50,
    "Auto Scaling groups": 500,
    "RDS DB instances": 40,
    "IAM roles": 1000,
    "security groups per VPC": 2500,
}


_TAG_TEXT = re.compile(f"[{TAG_CHARACTERS}]*")


def tag(key: str, value: str) -> str | None:
    """What is wrong with one tag (its key and value), or None."""
    if not 1 <= len(key) <= TAG_KEY_MAX or key.lower().startswith("aws:"):
        return f"the key must be 1–{TAG_KEY_MAX} characters and not start with 'aws:'"
    if len(value) > TAG_VALUE_MAX:
        return f"the value must be at most {TAG_VALUE_MAX} characters (got {len(value)})"
    for what, text in (("key", key), ("value", value)):
        if not _TAG_TEXT.fullmatch(text):
            odd = next(c for c in text if not _TAG_TEXT.fullmatch(c))
            return f"the {what} {text!r} has {odd!r}; tags take letters, digits, spaces and _ . : / = + - @"
    return None


def utf16_units(text: str) -> int:
    """The length AWS counts for descriptions and tags: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def fit_utf16(text: str, limit: int) -> str:
    """Cut ``text`` to ``limit`` UTF-16 code units, on a character boundary.

    AWS counts characters; counting a character outside the Basic Multilingual Plane (an
    emoji) as two keeps the result inside the limit whichever way they are counted.
    """
    units = 0
    for index, character in enumerate(text):
        units += 2 if ord(character) > 0xFFFF else 1
        if units > limit:
            return text[:index]
    return text


def _length(value: str, low: int, high: int) -> str | None:
    return None if low <= len(value) <= high else f"must be {low}–{high} characters (got {len(value)})"


def rds_identifier(value: str) -> str | None:
    if problem := _length(value, 1, RDS_IDENTIFIER_MAX):
        return problem
    if not re.fullmatch(r"[a-z][a-z0-9-]*", value):
        return "must be lowercase letters, digits and hyphens, starting with a letter"
    if "--" in value or value.endswith("-"):
        return "must not contain '--' or end with a hyphen"
    return None


def database_name(value: str) -> str | None:
    # PostgreSQL's 63 is the lower of the engines' limits; MySQL and MariaDB allow 64.
    if problem := _length(value, 1, DB_NAME_MAX):
        return problem
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", value):
        return "must be letters, digits and underscores, starting with a letter"
    return None


def s3_bucket(value: str) -> str | None:
    if problem := _length(value, 3, S3_BUCKET_MAX):
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
    if problem := _length(value, 2, CODEBUILD_NAME_MAX):
        return problem
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]*", value):
        return "must be letters, digits, hyphens and underscores, starting with a letter or digit"
    return None


def ami_name(value: str) -> str | None:
    if problem := _length(value, 3, AMI_NAME_MAX):
        return problem
    if not re.fullmatch(f"[{AMI_NAME_CHARACTERS}]+", value):
        return "must be letters, digits, spaces and ( ) [ ] . / ' @ _ - only"
    return None


def ami_description(value: str) -> str | None:
    units = utf16_units(value)
    return None if units <= AMI_DESCRIPTION_MAX else f"must be at most {AMI_DESCRIPTION_MAX} characters (got {units})"


def alb_name(value: str) -> str | None:
    """Load balancers and target groups."""
    if problem := _length(value, 1, ALB_NAME_MAX):
        return problem
    if not re.fullmatch(r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?", value):
        return "must be letters, digits and hyphens, starting and ending with a letter or digit"
    if value.startswith("internal-"):
        return "must not start with 'internal-' (AWS reserves it)"
    return None


def security_group_name(value: str) -> str | None:
    if problem := _length(value, 1, SECURITY_GROUP_NAME_MAX):
        return problem
    if value.lower().startswith("sg-"):
        return "must not start with 'sg-' (AWS reserves it)"
    return None


def tfc_workspace(value: str) -> str | None:
    if problem := _length(value, 1, TFC_WORKSPACE_MAX):
        return problem
    if not re.fullmatch(r"[A-Za-z0-9_-]+", value):
        return "must be letters, digits, hyphens and underscores"
    return None


def storage_autoscaling_max(storage_gb: int) -> int | None:
    """How far RDS may grow a database's storage: twice what it starts with, within RDS's limit;
    None (no autoscaling) when not even a tenth more fits."""
    if storage_gb * 2 <= RDS_STORAGE_MAX:
        return storage_gb * 2
    return RDS_STORAGE_MAX if storage_gb * 11 // 10 <= RDS_STORAGE_MAX else None


def git_branch(value: str) -> str | None:
    """A branch name git accepts (git check-ref-format), in the characters a pipeline trigger takes."""
    if not re.fullmatch(r"[A-Za-z0-9._/-]+", value):
        return "may hold only letters, digits and . _ / -"
    parts = value.split("/")
    if "" in parts or ".." in value or value.endswith("."):
        return "must not have an empty part (//, a / at either end), '..' or a '.' at the end"
    if any(part.startswith(".") or part.endswith(".lock") for part in parts):
        return "must not have a part that starts with '.' or ends with '.lock'"
    return None


def http_codes(value: str) -> str | None:
    """A target group's success codes: 200–499, as codes and ranges (200,202 or 200-399)."""
    for item in value.split(","):
        found = re.fullmatch(r"([0-9]{3})(?:-([0-9]{3}))?", item)
        if found is None:
            return "must be HTTP codes like 200 or 200-399, separated by commas"
        low, high = int(found[1]), int(found[2] or found[1])
        if not 200 <= low <= high <= 499 or (found[2] and low == high):
            return f"must be codes from 200 to 499, each range rising ({item!r} is not)"
    return None


def host_header(value: str) -> str | None:
    if len(value) > HOST_HEADER_MAX:
        return f"is {len(value)} characters; a load balancer host-header value allows at most {HOST_HEADER_MAX}"
    if not re.fullmatch(r"[A-Za-z0-9.*?-]+", value):
        return "may hold only letters, digits, hyphens, dots and the wildcards * and ?"
    return None
