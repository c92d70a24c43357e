"""Value types of the configuration: each a plain ``str``/``int``/``dict`` with a validator whose
message says what is expected."""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated

from pydantic import AfterValidator, Field

from vending.model import limits
from vending.model.limits import TAG_KEY_MAX, TAG_VALUE_MAX


def expects(text: str):
    """Record what a validator expects, for the configuration reference (vending.model.reference)."""

    def mark(check):
        check.expected = text
        return check

    return mark


def matching(pattern: str, expected: str):
    compiled = re.compile(pattern)

    @expects(expected)
    def check(value: str) -> str:
        if not compiled.fullmatch(value):
            raise ValueError(f"must be {expected} (got {value!r})")
        return value

    return AfterValidator(check)


def following(rule, expected: str):
    """A validator from one of limits.py's rules (None when the value is fine, else what is wrong)."""

    @expects(expected)
    def check(value: str) -> str:
        if (problem := rule(value)) is not None:
            raise ValueError(f"{problem} (got {value!r})")
        return value

    return AfterValidator(check)


@expects("a lowercase DNS name like shop.example.com")
def _hostname(value: str) -> str:
    labels = value.split(".")
    label = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
    if len(value) > 253 or len(labels) < 2 or not all(label.fullmatch(part) for part in labels):
        raise ValueError(f"must be a lowercase DNS name like shop.example.com (got {value!r})")
    if labels[-1].isascii() and labels[-1].isdigit():
        raise ValueError(f"must be a DNS name, not an IP address (got {value!r})")
    return value


RFC_1918 = [ipaddress.IPv4Network(block) for block in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")]


@expects("a private IPv4 range like 10.20.0.0/16, from /16 to /24")
def _cidr(value: str) -> str:
    try:
        network = ipaddress.IPv4Network(value, strict=True)
    except ValueError as error:
        raise ValueError(f"must be an IPv4 network like 10.20.0.0/16 (got {value!r}: {error})") from None
    if not 16 <= network.prefixlen <= 24:
        raise ValueError(f"must have a prefix between /16 and /24 (got /{network.prefixlen})")
    if not any(network.subnet_of(private) for private in RFC_1918):
        raise ValueError(f"must be a private range (RFC 1918: 10/8, 172.16/12, 192.168/16) (got {value!r})")
    return value


@expects(
    f"a mapping of tag keys (1–{TAG_KEY_MAX} characters, not aws:…) to values (≤ {TAG_VALUE_MAX}), in letters,"
    " digits, spaces and _ . : / = + - @"
)
def _tags(value: dict[str, str]) -> dict[str, str]:
    """Each key and value is checked by rules.py, which names the key: ``tags.owner``."""
    return value


Name = Annotated[
    str,
    Field(min_length=1, max_length=32),
    matching(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*", "lowercase letters, digits and single hyphens, starting with a letter"),
]
EnvironmentName = Annotated[
    str,
    Field(min_length=1, max_length=16),
    matching(r"[a-z][a-z0-9]*", "lowercase letters and digits, starting with a letter (no hyphens)"),
]
PlatformName = Annotated[
    str,
    Field(min_length=1, max_length=16),
    matching(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*", "lowercase letters, digits and single hyphens, starting with a letter"),
]
# The standard partition (arn:aws:…); China and GovCloud would need other ARNs throughout.
UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"  # the id of a certificate or connection
Region = Annotated[str, matching(r"[a-z]{2}(?:-[a-z]+)+-\d", "an AWS region like eu-west-1")]
Hostname = Annotated[str, AfterValidator(_hostname)]
Cidr = Annotated[str, AfterValidator(_cidr)]
Tags = Annotated[dict[str, str], AfterValidator(_tags)]
AcmCertificateArn = Annotated[
    str,
    matching(rf"arn:aws:acm:[a-z0-9-]+:\d{{12}}:certificate/{UUID}", "an ACM certificate ARN (its id a UUID)"),
]
ConnectionArn = Annotated[
    str,
    matching(
        rf"arn:aws:(?:codestar-connections|codeconnections):[a-z0-9-]+:\d{{12}}:connection/{UUID}",
        "a CodeStar/CodeConnections connection ARN (its id a UUID)",
    ),
]
# A DB snapshot's name (RDS: a letter, then letters, digits and single hyphens, ≤ 255), or the ARN of
# one shared from another account.
_SNAPSHOT_NAME = r"[A-Za-z](?:-?[A-Za-z0-9])*"
DbSnapshotIdentifier = Annotated[
    str,
    Field(max_length=255),
    matching(
        rf"{_SNAPSHOT_NAME}|arn:aws:rds:[a-z0-9-]+:\d{{12}}:snapshot:{_SNAPSHOT_NAME}",
        "an RDS snapshot name like vend-acme-dev-final, or its ARN",
    ),
]
AMI_ID = r"ami-(?:[0-9a-f]{8}|[0-9a-f]{17})"
AmiId = Annotated[str, matching(AMI_ID, "an AMI id like ami-0123456789abcdef0")]
VpcId = Annotated[str, matching(r"vpc-(?:[0-9a-f]{8}|[0-9a-f]{17})", "a VPC id like vpc-0123456789abcdef0")]
SubnetId = Annotated[str, matching(r"subnet-(?:[0-9a-f]{8}|[0-9a-f]{17})", "a subnet id like subnet-0123456789abcdef0")]
HostedZoneId = Annotated[str, matching(r"[A-Z0-9]{1,32}", "a Route 53 hosted zone id like Z0123456789ABCDEFGHIJ")]
InstanceType = Annotated[str, matching(r"[a-z][a-z0-9-]*\.[a-z0-9][a-z0-9-]*", "an EC2 instance type like t3.small")]
DbInstanceClass = Annotated[
    str, matching(r"db\.[a-z][a-z0-9-]*\.[a-z0-9][a-z0-9-]*", "an RDS instance class like db.t3.small")
]
Email = Annotated[
    str,
    Field(max_length=254),
    matching(
        r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+",
        "an email address",
    ),
]
Repository = Annotated[
    str,
    Field(max_length=200),
    matching(r"[A-Za-z0-9](?:[A-Za-z0-9_.-]*[A-Za-z0-9])?/(?!\.\.?$)[A-Za-z0-9_.-]+", "a repository as owner/name"),
]
# ECR's rule for repository names: lowercase parts joined by . _ - and /, no part empty.
ECR_REPOSITORY = r"(?:[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*/)*[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
EcrImage = Annotated[
    str,
    matching(
        rf"\d{{12}}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?/{ECR_REPOSITORY}"
        r"(?::[A-Za-z0-9_][A-Za-z0-9._-]{0,127}|@sha256:[0-9a-f]{64})",
        "an ECR image URI like 111111111111.dkr.ecr.eu-west-1.amazonaws.com/repo:tag",
    ),
]
Branch = Annotated[str, Field(min_length=1, max_length=255), following(limits.git_branch, "a git branch name")]
UrlPath = Annotated[str, Field(max_length=1024), matching(r"/[A-Za-z0-9._~/%-]*", "an absolute URL path like /health")]
Matcher = Annotated[str, following(limits.http_codes, "HTTP codes from 200 to 499 like 200 or 200-399")]
DynamoDbTable = Annotated[
    str, matching(r"[A-Za-z0-9_.-]{3,255}", "a DynamoDB table name: 3–255 letters, digits and _ . -")
]
TfcName = Annotated[
    str, matching(r"[A-Za-z0-9_-]+", "a Terraform Cloud name: letters, digits, hyphens and underscores")
]
