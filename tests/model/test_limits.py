"""AWS naming rules that terraform validate misses: each rule on good and bad values, and the
config-time errors for what users supply (host names, the state bucket)."""

from __future__ import annotations

import pytest

from tests.model.test_config import problems
from vending.model import limits, rules
from vending.model.load import load_config

CERT = "arn:aws:acm:eu-west-1:111111111111:certificate/7d1e5a90-4c3b-4f8e-8a2d-6b9c0e1f2a03"

RULES = [
    # (rule, good values, bad values)
    (
        limits.rds_identifier,
        ["vend-acme-prod", "a"],
        ["", "1acme", "Acme", "acme--prod", "acme-", "a" * 64, "acme_prod"],
    ),
    (limits.database_name, ["acmeprod", "a_1"], ["", "1acme", "acme-prod", "a" * 64]),
    (
        limits.s3_bucket,
        ["vend-tfstate-111111111111", "a.b-c"],
        [
            "ab",
            "a" * 64,
            "Bad_Bucket",
            "-bucket",
            "bucket-",
            "a..b",
            "a.-b",
            "192.168.1.1",
            "xn--bucket",
            "bucket-s3alias",
            "bucket--ol-s3",
        ],
    ),
    (limits.codebuild_project, ["vend-acme-prod-test", "a" * 150], ["a", "a" * 151, "-test", "test project"]),
    (limits.ami_name, ["ami-acme-prod-20240101", "name (v1) [x] a/b 'c' @d_e"], ["ab", "a" * 129, "ami:acme", "ami-ü"]),
    (limits.ami_description, ["x" * 255, "é" * 255], ["x" * 256, "😀" * 128]),
    (limits.host_header, ["shop.acme.com", "*.acme.com", "a" * 128], ["a" * 129, "shop acme.com", "shop/acme.com"]),
]


@pytest.mark.parametrize(("rule", "good", "bad"), RULES, ids=[r[0].__name__ for r in RULES])
def test_rule(rule, good, bad):
    assert [rule(value) for value in good] == [None] * len(good)
    assert all(rule(value) for value in bad), [value for value in bad if rule(value) is None]


def test_every_name_of_the_samples_passes():
    config = load_config("customers")
    assert rules.platform_name_problems(config.platform) == []
    assert all(rules.customer_name_problems(c, config.platform) == [] for c in config.customers)


def test_long_custom_domain_is_refused_as_a_host_header(config_dir):
    name = ".".join(["a" * 60, "b" * 60, "acme.com"])  # a valid DNS name of 130 characters
    config_dir.customer("acme", "prod", domain={"name": name, "certificate_arn": CERT})
    assert problems(config_dir) == [
        f"customers/acme-prod.yaml: domain.name: host name {name!r} is 130 characters; "
        "a load balancer host-header value allows at most 128"
    ]


def test_long_platform_domain_is_refused_in_each_platform_host_name(config_dir):
    domain = ".".join(["d" * 60, "e" * 55, "example.com"])
    config_dir.platform(domain=domain)
    config_dir.customer("acme", "dev")
    (line,) = problems(config_dir)
    assert line.startswith(f"customers/acme-dev.yaml: customer: host name 'acme-dev.{domain}' is 137 characters;")


def test_state_bucket_that_s3_reserves(config_dir):
    config_dir.platform(state={"bucket": "xn--tfstate"})
    config_dir.customer()
    assert problems(config_dir) == [
        "customers/platform.yaml: state.bucket: state bucket 'xn--tfstate' "
        "must not use a prefix or suffix that S3 reserves"
    ]
