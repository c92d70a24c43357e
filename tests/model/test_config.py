"""Each configuration rule: YAML written to tmp_path, the exact error asserted."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from tests.conftest import DELETE, SAMPLES
from vending.errors import ConfigError
from vending.model import catalog
from vending.model.load import load_config
from vending.model.yaml_reader import _load_fast, _StrictLoader


def problems(config_dir) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_config(config_dir.path)
    root = str(config_dir.path)
    return [p.replace(root, "customers") for p in caught.value.problems]


def test_samples_load_with_production_defaults():
    config = load_config("customers")
    prod = config.customer("acme-prod")
    dev = config.customer("acme-dev")
    assert prod.production and prod.dedicated_alb
    assert (prod.database.multi_az, prod.database.backup_retention_days, prod.database.deletion_protection) == (
        True,
        7,
        True,
    )
    assert (dev.database.multi_az, dev.database.backup_retention_days, dev.database.deletion_protection) == (
        False,
        1,
        False,
    )
    assert dev.instances.desired_capacity == dev.instances.min
    assert config.customer("globex-prod").hostname(config.platform) == "globex-prod.apps.example.com"


def test_config_is_frozen():
    config = load_config("customers")
    with pytest.raises(ValidationError):
        config.platform.name = "other"  # type: ignore[misc]


def test_explicit_database_settings_override_defaults(config_dir):
    config_dir.customer("acme", "prod", database={"engine": "postgres", "version": "16", "multi_az": False})
    database = load_config(config_dir.path).customer("acme-prod").database
    assert (database.multi_az, database.deletion_protection, database.port) == (False, True, 5432)


CUSTOMER_CASES = [
    # (overrides of acme-dev, expected problem)
    ({"instances": {"min": 5, "max": 3}}, "instances.min: must be ≤ instances.max (got 5 > 3)"),
    ({"instances": {"min": 1, "max": 3, "desired": 4}}, "instances.desired: must be between min and max (1–3) (got 4)"),
    (
        {"instances": {"scale_out_cpu": 40, "scale_in_cpu": 40}},
        "instances.scale_in_cpu: must be < instances.scale_out_cpu (got 40 ≥ 40)",
    ),
    ({"instances": {"min": 0}}, "instances.min: input should be greater than or equal to 1 (got 0)"),
    ({"instances": {"min": "2"}}, "instances.min: input should be a valid integer (got '2')"),
    ({"instances": {"mn": 2}}, "instances.mn: unknown key (did you mean 'min'?)"),
    (
        {"colour": "red"},
        "colour: unknown key (allowed: customer, database, domain, environment, health_check, image, "
        "instances, pipeline, priority, retire, tags)",
    ),
    (
        {"health_check": {"timeout": 30, "interval": 30}},
        "health_check.timeout: must be < health_check.interval (got 30 ≥ 30)",
    ),
    (
        {"health_check": {"path": "health"}},
        "health_check.path: must be an absolute URL path like /health (got 'health')",
    ),
    (
        {"health_check": {"matcher": "ok"}},
        "health_check.matcher: must be HTTP codes like 200 or 200-399, separated by commas (got 'ok')",
    ),
    (
        {"database": {"engine": "oracle", "version": "19"}},
        "database.engine: input should be 'mysql', 'postgres' or 'mariadb' (got 'oracle')",
    ),
    ({"database": {"engine": "mysql", "version": 8.0}}, 'database.version: must be a string: quote it ("8.0")'),
    ({"database": {"engine": "mysql"}}, "database.version: required field is missing"),
    (
        {"database": {"engine": "mysql", "version": "8.0", "storage_gb": 10}},
        "database.storage_gb: input should be greater than or equal to 20 (got 10)",
    ),
    (
        {"database": {"engine": "mysql", "version": "8.0", "snapshot_identifier": "final--copy"}},
        "database.snapshot_identifier: must be an RDS snapshot name like vend-acme-dev-final, or its ARN"
        " (got 'final--copy')",
    ),
    (
        {"image": {"source_ami": "ami-xyz"}},
        "image.source_ami: must be an AMI id like ami-0123456789abcdef0 (got 'ami-xyz')",
    ),
    ({"image": DELETE}, "image: required field is missing"),
    (
        {"pipeline": {"repository": "just-a-name"}},
        "pipeline.repository: must be a repository as owner/name (got 'just-a-name')",
    ),
    (
        {"pipeline": {"connection_arn": "arn:aws:s3:::bucket"}},
        "pipeline.connection_arn: must be a CodeStar/CodeConnections connection ARN (its id a UUID)"
        " (got 'arn:aws:s3:::bucket')",
    ),
    (
        {"pipeline": {"test_image": "docker.io/library/python:3"}},
        "pipeline.test_image: must be an ECR image URI like 111111111111.dkr.ecr.eu-west-1.amazonaws.com/repo:tag "
        "(got 'docker.io/library/python:3')",
    ),
    (
        {"pipeline": {"approval_emails": ["not-an-email"]}},
        "pipeline.approval_emails[0]: must be an email address (got 'not-an-email')",
    ),
    (
        {"pipeline": {"approval_emails": ["a@b.example"]}},
        "pipeline.approval_emails: only used in production (its pipeline has the approval stage)",
    ),
    ({"priority": 0}, "priority: input should be greater than or equal to 1 (got 0)"),
    ({"tags": {"aws:owner": "x"}}, "tags.aws:owner: the key must be 1–128 characters and not start with 'aws:'"),
]


@pytest.mark.parametrize(("overrides", "expected"), CUSTOMER_CASES, ids=[c[1][:50] for c in CUSTOMER_CASES])
def test_customer_rule(config_dir, overrides, expected):
    config_dir.customer("acme", "dev", **overrides)
    assert problems(config_dir) == [f"customers/acme-dev.yaml: {expected}"]


CERT = "arn:aws:acm:eu-west-1:111111111111:certificate/7d1e5a90-4c3b-4f8e-8a2d-6b9c0e1f2a03"
DOMAIN_CASES = [
    (
        {"name": "Shop.Acme.com", "certificate_arn": CERT},
        "domain.name: must be a lowercase DNS name like shop.example.com (got 'Shop.Acme.com')",
    ),
    (
        {"name": "shop.acme.com", "certificate_arn": CERT.replace("eu-west-1", "us-east-1")},
        "domain.certificate_arn: must be in the platform region eu-west-1 (got us-east-1)",
    ),
    (
        {"name": "shop.acme.com", "certificate_arn": CERT.replace("111111111111", "222222222222")},
        "domain.certificate_arn: must be in the platform account 111111111111 (got 222222222222)",
    ),
    (
        {"name": "x.apps.example.com", "certificate_arn": CERT},
        "domain.name: must not be under the platform domain apps.example.com",
    ),
]


@pytest.mark.parametrize(("domain", "expected"), DOMAIN_CASES, ids=[c[1][:50] for c in DOMAIN_CASES])
def test_domain_rule(config_dir, domain, expected):
    config_dir.customer("acme", "prod", domain=domain)
    assert problems(config_dir) == [f"customers/acme-prod.yaml: {expected}"]


def test_a_custom_domain_outside_production_is_served_beside_the_platform_host_name(config_dir):
    config_dir.customer("acme", "dev", domain={"name": "dev.acme.com", "certificate_arn": CERT})
    (dev,) = load_config(config_dir.path).customers
    platform = load_config(config_dir.path).platform
    assert not dev.dedicated_alb
    assert dev.hosts(platform) == ["acme-dev.apps.example.com", "dev.acme.com"]
    assert dev.hostname(platform) == "dev.acme.com"


def test_production_requires_approvers(config_dir):
    config_dir.customer("acme", "prod", pipeline={"approval_emails": []})
    assert problems(config_dir) == [
        "customers/acme-prod.yaml: pipeline.approval_emails: required in production (at least one approver)"
    ]


def test_names_are_lowercase_and_environment_has_no_hyphen(config_dir):
    config_dir.customer("Acme", "dev", filename="Acme-dev.yaml")
    config_dir.customer("acme", "q-a", filename="acme-q-a.yaml")
    assert problems(config_dir) == [
        "customers/Acme-dev.yaml: customer: must be lowercase letters, digits and single hyphens, "
        "starting with a letter (got 'Acme')",
        "customers/acme-q-a.yaml: environment: must be lowercase letters and digits, starting with a letter "
        "(no hyphens) (got 'q-a')",
    ]


def test_file_name_must_match_content(config_dir):
    config_dir.customer("acme", "dev", filename="acme-staging.yaml")
    assert problems(config_dir) == [
        "customers/acme-staging.yaml: customer/environment: file name must be acme-dev.yaml"
    ]


def test_duplicate_environment_across_files(config_dir):
    config_dir.customer("acme", "dev")
    config_dir.customer("acme", "dev", filename="acme-dev2.yaml")
    assert problems(config_dir) == [
        "customers/acme-dev2.yaml: customer/environment: file name must be acme-dev.yaml",
        "customers/acme-dev2.yaml: customer: duplicate environment acme-dev (also in customers/acme-dev.yaml)",
    ]


def test_duplicate_hostname_across_files(config_dir):
    cert = CERT
    config_dir.customer("acme", "prod", domain={"name": "shop.example.org", "certificate_arn": cert})
    config_dir.customer("other", "prod", domain={"name": "shop.example.org", "certificate_arn": cert})
    assert problems(config_dir) == [
        "customers/other-prod.yaml: domain.name: duplicate hostname shop.example.org (also in customers/acme-prod.yaml)"
    ]


def test_duplicate_priority_across_files(config_dir):
    config_dir.customer("acme", "dev", priority=150)
    config_dir.customer("globex", "dev", priority=150)
    assert problems(config_dir) == [
        "customers/globex-dev.yaml: priority: duplicate priority 150 (also in customers/acme-dev.yaml)"
    ]


def test_priority_pin_is_pointless_with_a_dedicated_alb(config_dir):
    cert = CERT
    config_dir.customer("acme", "prod", priority=150, domain={"name": "shop.acme.com", "certificate_arn": cert})
    assert problems(config_dir) == [
        "customers/acme-prod.yaml: priority: not used: this environment has a dedicated load balancer"
    ]


def test_reserved_names(config_dir):
    config_dir.customer("shared", "alb")
    config_dir.customer("acme", "pipeline")
    assert problems(config_dir) == [
        "customers/acme-pipeline.yaml: environment: 'pipeline' is reserved",
        "customers/shared-alb.yaml: customer: 'shared-alb' is the name of a platform stack",
    ]


PLATFORM_CASES = [
    ({"region": "Europe"}, "region: must be an AWS region like eu-west-1 (got 'Europe')"),
    (
        {"certificate_arn": "arn:aws:acm:us-east-1:111111111111:certificate/0b6f3c6e-2d7a-4b59-9a55-3f1e8f2a1c01"},
        "certificate_arn: must be in the platform region eu-west-1 (got us-east-1)",
    ),
    ({"network": {"cidr": "10.0.0.0/8"}}, "network.cidr: must have a prefix between /16 and /24 (got /8)"),
    (
        {"network": {"cidr": "8.8.0.0/16"}},
        "network.cidr: must be a private range (RFC 1918: 10/8, 172.16/12, 192.168/16) (got '8.8.0.0/16')",
    ),
    (
        {"network": {"cidr": "10.20.0.1/16"}},
        "network.cidr: must be an IPv4 network like 10.20.0.0/16 (got '10.20.0.1/16': 10.20.0.1/16 has host bits set)",
    ),
    (
        {
            "network": {
                "cidr": DELETE,
                "availability_zones": DELETE,
                "vpc_id": "vpc-0123456789abcdef0",
                "public_subnet_ids": ["subnet-01234567"],
                "private_subnet_ids": ["subnet-11111111", "subnet-22222222"],
            }
        },
        "network.public_subnet_ids: needs at least 2 subnets in different zones (got 1)",
    ),
    (
        {"network": {"vpc_id": "vpc-0123456789abcdef0"}},
        "network: give either cidr (create a VPC) or vpc_id and subnet ids, not both",
    ),
    ({"state": {"bucket": DELETE}}, "state.bucket: required for the s3 backend"),
    (
        {"state": {"bucket": "Bad_Bucket"}},
        "state.bucket: state bucket 'Bad_Bucket' must be lowercase letters, digits, dots and hyphens, "
        "starting and ending with a letter or digit",
    ),
    ({"state": {"lock": "dynamodb"}}, "state.lock_table: required when state.lock is dynamodb"),
    ({"state": {"lock": "consul"}}, "state.lock: input should be 'lockfile' or 'dynamodb' (got 'consul')"),
    ({"state": {"backend": "cloud", "bucket": DELETE}}, "state.organization: required for the cloud backend"),
    ({"nmae": "vend"}, "nmae: unknown key (did you mean 'name'?)"),
]


@pytest.mark.parametrize(("overrides", "expected"), PLATFORM_CASES, ids=[c[1][:50] for c in PLATFORM_CASES])
def test_platform_rule(config_dir, overrides, expected):
    config_dir.platform(**overrides)
    config_dir.customer()
    assert problems(config_dir) == [f"customers/platform.yaml: {expected}"]


def test_missing_platform_file(config_dir):
    (config_dir.path / "platform.yaml").unlink()
    assert problems(config_dir) == ["customers/platform.yaml: file not found"]


def test_malformed_yaml_names_the_line(config_dir):
    config_dir.write("acme-dev.yaml", "customer: acme\nenvironment: [dev\n")
    (line,) = problems(config_dir)
    assert line.startswith("customers/acme-dev.yaml: line 3: invalid YAML:")


def test_yaml_aliases_are_refused(config_dir):
    config_dir.write("acme-dev.yaml", "a: &x [1, 2]\nb: *x\n")
    assert problems(config_dir) == ["customers/acme-dev.yaml: line 2: invalid YAML: YAML aliases are not allowed"]


def test_duplicate_yaml_keys_are_refused(config_dir):
    config_dir.write("acme-dev.yaml", "customer: acme\ncustomer: globex\n")
    assert problems(config_dir) == ["customers/acme-dev.yaml: line 2: invalid YAML: duplicate key 'customer'"]


def test_libyaml_reads_the_samples_as_the_strict_loader_does():
    # What libyaml loads must be what the pure-Python loader (the one that words the errors) loads.
    assert yaml.__with_libyaml__
    for path in sorted(SAMPLES.glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        assert _load_fast(text) == yaml.load(text, Loader=_StrictLoader), path.name  # noqa: S506


@pytest.mark.parametrize("text", ["a: &x [1]\nb: *x\n", "a: " + "[" * 40 + "]" * 40 + "\n", "a: [1\n"])
def test_libyaml_leaves_aliases_deep_nesting_and_errors_to_the_strict_loader(text):
    with pytest.raises((ValueError, yaml.YAMLError)):
        _load_fast(text)


def test_yml_extension_is_refused_deliberately(config_dir):
    config_dir.customer()
    config_dir.write("globex-dev.yml", "customer: globex\n")
    assert problems(config_dir) == ["customers/globex-dev.yml: use the .yaml extension (.yml files are not read)"]


def test_platform_yaml_may_be_a_symlink_to_anywhere(config_dir, tmp_path):
    shared = tmp_path / "elsewhere" / "platform.yaml"
    shared.parent.mkdir()
    (config_dir.path / "platform.yaml").rename(shared)
    (config_dir.path / "platform.yaml").symlink_to(shared)
    config_dir.customer()
    assert load_config(config_dir.path).platform.name == "vend"


def test_symlink_outside_is_refused(config_dir, tmp_path):
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text("customer: acme\n")
    (config_dir.path / "acme-dev.yaml").symlink_to(outside)
    assert problems(config_dir) == [
        f"customers/acme-dev.yaml: symlink points outside {config_dir.path}".replace(str(config_dir.path), "customers")
    ]


def test_every_problem_is_reported(config_dir):
    config_dir.customer("acme", "dev", instances={"min": 5, "max": 3})
    config_dir.customer("globex", "dev", image={"source_ami": "nope"})
    assert len(problems(config_dir)) == 2


# --- the catalogs: what they hold is accepted -----------------------------------------------


def _plain_types() -> list[str]:
    return sorted(t for t in catalog.ec2()["instance_types"] if catalog.fleet_type_problem(t) is None)


def _versions(engine: str):
    """A major version of the engine, or an exact pin of one (a major version and one part more)."""
    majors = st.sampled_from(catalog.rds()["engines"][engine]["majors"])
    return st.one_of(majors, st.tuples(majors, st.integers(0, 99)).map(lambda pin: f"{pin[0]}.{pin[1]}"))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fleet=st.sampled_from(_plain_types()), engine=st.sampled_from(sorted(catalog.rds()["engines"])), data=st.data())
def test_types_versions_and_classes_drawn_from_the_catalogs_are_accepted(config_dir, fleet, engine, data):
    same_architecture = [t for t in _plain_types() if catalog.architectures(t) & catalog.architectures(fleet)]
    config_dir.customer(
        instances={"type": fleet},
        image={"source_ami": "ami-0a1b2c3d4e5f60718", "instance_type": data.draw(st.sampled_from(same_architecture))},
        database={
            "engine": engine,
            "version": data.draw(_versions(engine)),
            "instance_class": data.draw(st.sampled_from(catalog.rds()["instance_classes"])),
        },
    )
    load_config(config_dir.path)  # raises ConfigError with every problem
