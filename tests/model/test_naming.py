"""Any valid customer/environment yields names inside every AWS limit, and shortened
names do not collide."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from vending.model import naming
from vending.model.naming import EnvironmentNames

platform_names = st.from_regex(r"[a-z][a-z0-9]{0,7}(-[a-z0-9]{1,3}){0,2}", fullmatch=True).filter(
    lambda s: len(s) <= 16
)
customer_names = st.from_regex(r"[a-z][a-z0-9]{0,14}(-[a-z0-9]{1,8}){0,3}", fullmatch=True).filter(
    lambda s: len(s) <= 32
)
environment_names = st.from_regex(r"[a-z][a-z0-9]{0,15}", fullmatch=True)
builds = st.from_regex(r"[0-9]{1,12}|[a-z0-9]{1,20}", fullmatch=True)
accounts = st.from_regex(r"[0-9]{12}", fullmatch=True)

RDS_IDENTIFIER = re.compile(r"[a-z](?:[a-z0-9]|-(?!-))*[a-z0-9]")
S3_BUCKET = re.compile(r"[a-z0-9][a-z0-9-]{1,61}[a-z0-9]")
AMI_NAME = re.compile(r"[A-Za-z0-9()\[\] ./\-'@_]{3,128}")
DB_NAME = re.compile(r"[a-z][a-z0-9]{0,62}")
ELB_NAME = re.compile(r"[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,30}[a-zA-Z0-9])?")


@settings(max_examples=300, deadline=None)
@given(platform_names, customer_names, environment_names, builds, accounts)
def test_every_name_is_inside_aws_limits(platform, customer, environment, build, account):
    names = EnvironmentNames(platform, customer, environment)
    assert ELB_NAME.fullmatch(names.target_group) and not names.target_group.startswith("internal-")
    assert ELB_NAME.fullmatch(names.dedicated_alb)
    assert len(names.db_identifier) <= 63 and RDS_IDENTIFIER.fullmatch(names.db_identifier)
    assert DB_NAME.fullmatch(names.db_name)
    assert S3_BUCKET.fullmatch(names.artifact_bucket(account))
    assert AMI_NAME.fullmatch(names.ami_name(build))
    for role in (names.instance_role, names.pipeline_role, names.codebuild_role, names.codedeploy_role):
        assert len(role) <= 64 and re.fullmatch(r"[\w+=,.@-]+", role)
    assert len(names.test_project) <= 150 and re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]{1,149}", names.test_project)
    assert len(names.test_log_group) <= 512 and re.fullmatch(r"[\w./#-]+", names.test_log_group)
    assert len(names.pipeline) <= 100
    assert len(names.codedeploy_application) <= 100 and len(names.deployment_group) <= 100
    assert len(names.launch_template) <= 128 and len(names.approval_topic) <= 256
    assert ELB_NAME.fullmatch(naming.PlatformNames(platform).shared_alb())


@settings(max_examples=200, deadline=None)
@given(st.sets(st.tuples(customer_names, environment_names), min_size=2, max_size=30))
def test_shortened_names_do_not_collide(pairs):
    environments = [EnvironmentNames("vend", c, e) for c, e in pairs]
    distinct = {f"{c}-{e}" for c, e in pairs}
    for attribute in ("target_group", "db_identifier", "instance_role", "pipeline_role"):
        values = {getattr(names, attribute) for names in environments}
        assert len(values) == len(distinct), attribute


def test_fit_is_deterministic_and_keeps_short_names():
    assert naming.fit("vend-acme-prod", 32) == "vend-acme-prod"
    long = "vend-" + "a" * 40 + "-prod"
    assert naming.fit(long, 32) == naming.fit(long, 32)
    assert len(naming.fit(long, 32)) == 32
    assert naming.fit(long, 32) != naming.fit(long.replace("prod", "test"), 32)
