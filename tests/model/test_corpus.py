"""The bad-input corpus: broken configurations, each run through main.py as a subprocess.

Every case must give exit 1, one line per problem naming the file (and the field), a final
summary line, no traceback, and leave a previous cdktf.out byte for byte as it was. The
expected first line of each case is kept here, so that a change in a message shows up in review.
Config errors are raised before cdktf is imported, so each run takes a fraction of a second.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from tests.conftest import CONNECTION, DELETE, PLATFORM, customer, merge, run_main, tree_digest

CERT = "arn:aws:acm:eu-west-1:111111111111:certificate/7d1e5a90-4c3b-4f8e-8a2d-6b9c0e1f2a03"
DOMAIN = {"name": "shop.acme.com", "certificate_arn": CERT}


@dataclass(frozen=True)
class Case:
    id: str
    files: dict[str, str | bytes | dict]  # written over platform.yaml and a valid acme-dev.yaml
    first_line: str
    setup: Callable[[Path], None] | None = field(default=None)  # for what a file cannot express
    also: tuple[str, ...] = ()  # further lines that must be there
    env: dict[str, str] = field(default_factory=dict)  # knobs set for the run


def dev(**overrides) -> dict[str, dict]:
    return {"acme-dev.yaml": customer("acme", "dev", **overrides)}


def prod(**overrides) -> dict[str, dict]:
    return {"acme-prod.yaml": customer("acme", "prod", **overrides)}


def platform(**overrides) -> dict[str, dict]:
    return {"platform.yaml": merge(PLATFORM, overrides)}


def symlink_outside(directory: Path) -> None:
    outside = directory.parent / "outside.yaml"
    outside.write_text(yaml.safe_dump(customer("evil", "dev")))
    (directory / "evil-dev.yaml").symlink_to(outside)


def directory_named_yaml(directory: Path) -> None:
    (directory / "globex-dev.yaml").mkdir()


def symlink_loop(directory: Path) -> None:
    (directory / "loop-dev.yaml").symlink_to("loop-dev.yaml")


def platform_directory(directory: Path) -> None:
    (directory / "platform.yaml").unlink()
    (directory / "platform.yaml").mkdir()


def bad_bake_record(directory: Path) -> None:
    (directory.parent / "images").mkdir()
    (directory.parent / "images" / "acme-dev.json").write_text('{"ami_id": "ami-${file(\\"/etc/hostname\\")}"}')


def outdir_is_a_file(directory: Path) -> None:
    (directory.parent / "out-file").write_text("")


def with_lines(text: str) -> dict[str, str]:
    """acme-dev.yaml with ``text`` added, as written (YAML that a dict cannot hold)."""
    return {"acme-dev.yaml": yaml.safe_dump(customer("acme", "dev"), sort_keys=False) + text}


def yaml_value(text: str) -> dict[str, str]:
    """acme-dev.yaml with ``tags: {owner: <text>}`` (the value on line 10)."""
    return with_lines(f"tags:\n  owner: {text}\n")


TAGS_TAKE = "tags take letters, digits, spaces and _ . : / = + - @"
A = "customers/acme-dev.yaml"
P = "customers/platform.yaml"
CASES = [
    # --- not YAML, or not a mapping ---------------------------------------------------------
    Case(
        "malformed",
        {"acme-dev.yaml": "customer: acme\nenvironment: [dev\n"},
        f"{A}: line 3: invalid YAML: expected ',' or ']', but got '<stream end>'",
    ),
    Case(
        "bad-indentation",
        {"acme-dev.yaml": "customer: acme\n  environment: dev\n"},
        f"{A}: line 2: invalid YAML: mapping values are not allowed here",
    ),
    Case(
        "tab-indentation",
        {"acme-dev.yaml": "image:\n\tsource_ami: ami-0a1b2c3d\n"},
        f"{A}: line 2: invalid YAML: found character '\\t' that cannot start any token",
    ),
    Case(
        "yaml-bomb",
        {"acme-dev.yaml": "a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n"},
        f"{A}: line 2: invalid YAML: YAML aliases are not allowed",
    ),
    Case("huge-file", {"acme-dev.yaml": "# padding\n" * 30000}, f"{A}: file is too large (300000 bytes, limit 262144)"),
    Case(
        "deep-nesting",
        {"acme-dev.yaml": "a: " + "[" * 5000 + "]" * 5000 + "\n"},
        f"{A}: invalid YAML: nested too deeply",
    ),
    Case("empty-file", {"acme-dev.yaml": ""}, f"{A}: must be a mapping of keys to values (got NoneType)"),
    Case("a-list", {"acme-dev.yaml": "- customer: acme\n"}, f"{A}: must be a mapping of keys to values (got list)"),
    Case(
        "two-documents",
        {"acme-dev.yaml": "customer: acme\n---\ncustomer: globex\n"},
        f"{A}: line 2: invalid YAML: but found another document",
    ),
    Case(
        "python-tag",
        {"acme-dev.yaml": "customer: !!python/object/apply:os.system [id]\n"},
        (
            f"{A}: line 1: invalid YAML: could not determine a constructor for the tag "
            "'tag:yaml.org,2002:python/object/apply:os.system'"
        ),
    ),
    Case("not-utf8", {"acme-dev.yaml": b"customer: acme\xff\xfe\n"}, f"{A}: not UTF-8 text"),
    Case(
        "duplicate-key",
        {"acme-dev.yaml": "customer: acme\ncustomer: globex\n"},
        f"{A}: line 2: invalid YAML: duplicate key 'customer'",
    ),
    Case(
        "impossible-date",
        yaml_value("2024-02-30"),
        f"{A}: line 10: invalid YAML: not a valid timestamp: '2024-02-30' (day is out of range for month)",
    ),
    Case("tag-int", yaml_value("!!int abc"), f"{A}: line 10: invalid YAML: not a valid int: 'abc'"),
    Case("tag-bool", yaml_value("!!bool maybe"), f"{A}: line 10: invalid YAML: not a valid bool: 'maybe'"),
    Case("tag-float", yaml_value("!!float x"), f"{A}: line 10: invalid YAML: not a valid float: 'x'"),
    Case("tag-timestamp", yaml_value("!!timestamp x"), f"{A}: line 10: invalid YAML: not a valid timestamp: 'x'"),
    Case(
        "huge-integer",
        yaml_value("9" * 5000),
        f"{A}: line 10: invalid YAML: not a valid int: '{'9' * 37}...' (too many digits)",
    ),
    Case(
        "huge-hex-integer",
        yaml_value("0x" + "f" * 5000),
        f"{A}: line 10: invalid YAML: not a valid int: '0x{'f' * 35}...' (too many digits)",
    ),
    Case(
        "list-as-key",
        {"acme-dev.yaml": "customer: acme\n? [a, b]\n: c\n"},
        f"{A}: line 2: invalid YAML: a key must be a plain value, not a list or a mapping",
    ),
    Case(
        "mapping-as-key",
        {"acme-dev.yaml": "customer: acme\n? {a: b}\n: c\n"},
        f"{A}: line 2: invalid YAML: a key must be a plain value, not a list or a mapping",
    ),
    Case(
        "number-as-key",
        with_lines("7: seven\n"),
        f"{A}: (file): key 7 is not a string: quote it",
    ),
    # --- types, keys, required fields ---------------------------------------------------------
    Case(
        "string-for-number",
        dev(instances={"min": "two"}),
        f"{A}: instances.min: input should be a valid integer (got 'two')",
    ),
    Case(
        "list-for-mapping",
        dev(instances=[1, 2]),
        f"{A}: instances: must be a mapping of keys to values (got list)",
    ),
    Case("bool-for-name", dev(customer=True), f"{A}: customer: input should be a valid string (got True)"),
    Case(
        "unquoted-version",
        dev(database={"engine": "mysql", "version": 8.0}),
        f'{A}: database.version: must be a string: quote it ("8.0")',
    ),
    Case(
        "unknown-key",
        dev(colour="red"),
        (
            f"{A}: colour: unknown key (allowed: customer, database, domain, environment, health_check, "
            "image, instances, pipeline, priority, retire, tags)"
        ),
    ),
    Case(
        "unknown-nested-key",
        dev(health_check={"pth": "/health"}),
        f"{A}: health_check.pth: unknown key (did you mean 'path'?)",
    ),
    Case("missing-image", dev(image=DELETE), f"{A}: image: required field is missing"),
    Case(
        "missing-connection",
        dev(pipeline={"connection_arn": DELETE}),
        f"{A}: pipeline.connection_arn: required field is missing",
    ),
    Case(
        "unknown-engine",
        dev(database={"engine": "oracle", "version": "19"}),
        f"{A}: database.engine: input should be 'mysql', 'postgres' or 'mariadb' (got 'oracle')",
    ),
    # --- numbers ----------------------------------------------------------------------------
    Case(
        "max-out-of-range",
        dev(instances={"max": 1000}),
        f"{A}: instances.max: input should be less than or equal to 100 (got 1000)",
    ),
    Case(
        "interval-out-of-range",
        dev(health_check={"interval": 1}),
        f"{A}: health_check.interval: input should be greater than or equal to 5 (got 1)",
    ),
    Case("priority-zero", dev(priority=0), f"{A}: priority: input should be greater than or equal to 1 (got 0)"),
    Case(
        "min-greater-than-max",
        dev(instances={"min": 5, "max": 3}),
        f"{A}: instances.min: must be ≤ instances.max (got 5 > 3)",
    ),
    Case(
        "desired-outside",
        dev(instances={"min": 1, "max": 2, "desired": 3}),
        f"{A}: instances.desired: must be between min and max (1–2) (got 3)",
    ),
    Case(
        "scale-in-above-out",
        dev(instances={"scale_in_cpu": 80}),
        f"{A}: instances.scale_in_cpu: must be < instances.scale_out_cpu (got 80 ≥ 70)",
    ),
    Case(
        "timeout-above-interval",
        dev(health_check={"timeout": 40}),
        f"{A}: health_check.timeout: must be < health_check.interval (got 40 ≥ 30)",
    ),
    # --- identifiers, ARNs, addresses -------------------------------------------------------
    Case(
        "invalid-connection-arn",
        dev(pipeline={"connection_arn": "arn:aws:iam::1:role/x"}),
        (
            f"{A}: pipeline.connection_arn: must be a CodeStar/CodeConnections connection ARN (its id a UUID) (got "
            "'arn:aws:iam::1:role/x')"
        ),
    ),
    Case(
        "connection-other-account",
        dev(pipeline={"connection_arn": CONNECTION.replace("1111", "2222")}),
        f"{A}: pipeline.connection_arn: must be in the platform account 111111111111 (got 222222222222)",
    ),
    Case(
        "invalid-certificate-arn",
        prod(domain={**DOMAIN, "certificate_arn": "arn:aws:acm:x"}),
        (
            "customers/acme-prod.yaml: domain.certificate_arn: must be an ACM certificate ARN (its id a UUID)"
            " (got 'arn:aws:acm:x')"
        ),
    ),
    Case(
        "invalid-email",
        prod(pipeline={"approval_emails": ["ops@"]}),
        ("customers/acme-prod.yaml: pipeline.approval_emails[0]: must be an email address (got 'ops@')"),
    ),
    Case(
        "invalid-ami",
        dev(image={"source_ami": "ami-XYZ"}),
        f"{A}: image.source_ami: must be an AMI id like ami-0123456789abcdef0 (got 'ami-XYZ')",
    ),
    Case(
        "invalid-ecr-image",
        dev(pipeline={"test_image": "python:3"}),
        (
            f"{A}: pipeline.test_image: must be an ECR image URI like "
            "111111111111.dkr.ecr.eu-west-1.amazonaws.com/repo:tag (got 'python:3')"
        ),
    ),
    Case(
        "invalid-ssh-user",
        dev(image={"ssh_username": "ec2 user"}),
        f"{A}: image.ssh_username: must be a Linux user name like ec2-user (got 'ec2 user')",
    ),
    Case(
        "cidr-too-big",
        platform(network={"cidr": "10.0.0.0/33"}),
        (
            f"{P}: network.cidr: must be an IPv4 network like 10.20.0.0/16 (got '10.0.0.0/33': '33' is not a "
            "valid netmask)"
        ),
    ),
    Case(
        "cidr-public",
        platform(network={"cidr": "8.8.0.0/16"}),
        f"{P}: network.cidr: must be a private range (RFC 1918: 10/8, 172.16/12, 192.168/16) (got '8.8.0.0/16')",
    ),
    Case(
        "domain-double-dot",
        prod(domain={**DOMAIN, "name": "shop..acme.com"}),
        (
            "customers/acme-prod.yaml: domain.name: must be a lowercase DNS name like shop.example.com "
            "(got 'shop..acme.com')"
        ),
    ),
    Case(
        "domain-upper-case",
        prod(domain={**DOMAIN, "name": "Shop.Acme.com"}),
        (
            "customers/acme-prod.yaml: domain.name: must be a lowercase DNS name like shop.example.com "
            "(got 'Shop.Acme.com')"
        ),
    ),
    Case(
        "domain-too-long-for-alb",
        prod(domain={**DOMAIN, "name": f"{'a' * 63}.{'b' * 63}.acme.com"}),
        (
            "customers/acme-prod.yaml: domain.name: host name 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
            "aaaaaaaaaaaaaaaaaaaaaaa.bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.ac"
            "me.com' is 136 characters; a load balancer host-header value allows at most 128"
        ),
    ),
    Case("region", platform(region="Europe"), f"{P}: region: must be an AWS region like eu-west-1 (got 'Europe')"),
    Case(
        "state-bucket",
        platform(state={"bucket": "Vend_State"}),
        (
            f"{P}: state.bucket: state bucket 'Vend_State' must be lowercase letters, digits, dots and "
            "hyphens, starting and ending with a letter or digit"
        ),
    ),
    Case(
        "tag-aws-prefix",
        dev(tags={"aws:owner": "x"}),
        f"{A}: tags.aws:owner: the key must be 1–128 characters and not start with 'aws:'",
    ),
    # --- names and values AWS refuses ----------------------------------------------------------
    Case(
        "platform-name-sg",
        platform(name="sg"),
        f"{P}: name: security group 'sg-shared-alb' must not start with 'sg-' (AWS reserves it)",
    ),
    Case(
        "platform-name-internal",
        platform(name="internal"),
        f"{P}: name: load balancer 'internal-shared' must not start with 'internal-' (AWS reserves it)",
    ),
    Case(
        "platform-name-s3-prefix",
        platform(name="sthree"),
        f"{P}: name: every artifact bucket, 'sthree-<customer>-<env>-artifacts-111111111111' must not use a prefix or"
        " suffix that S3 reserves",
    ),
    Case(
        "platform-name-s3-demo-prefix",
        platform(name="amzn-s3-demo"),
        f"{P}: name: every artifact bucket, 'amzn-s3-demo-<customer>-<env>-artifacts-111111111111' must not use a"
        " prefix or suffix that S3 reserves",
    ),
    Case(
        "matcher-below-200",
        dev(health_check={"matcher": "100-200"}),
        f"{A}: health_check.matcher: must be codes from 200 to 499, each range rising ('100-200' is not) (got"
        " '100-200')",
    ),
    Case(
        "matcher-reversed",
        dev(health_check={"matcher": "399-200"}),
        f"{A}: health_check.matcher: must be codes from 200 to 499, each range rising ('399-200' is not) (got"
        " '399-200')",
    ),
    Case(
        "matcher-500",
        dev(health_check={"matcher": "200,500"}),
        f"{A}: health_check.matcher: must be codes from 200 to 499, each range rising ('500' is not) (got '200,500')",
    ),
    Case(
        "too-many-tags",
        dev(tags={f"t{i}": "x" for i in range(44)}),
        f"{A}: tags: at most 43 tags (got 44): AWS allows 50 per resource and Vending adds up to 7",
    ),
    Case(
        "too-many-tags-merged",
        {**platform(tags={f"p{i}": "x" for i in range(30)}), **dev(tags={f"t{i}": "x" for i in range(20)})},
        f"{A}: tags: with the platform's tags, 50; at most 43 fit: AWS allows 50 per resource and Vending adds up to 7",
    ),
    Case("tag-comma", dev(tags={"team": "a,b"}), f"{A}: tags.team: the value 'a,b' has ','; " + TAGS_TAKE),
    Case("tag-bang", dev(tags={"team!": "a"}), f"{A}: tags.team!: the key 'team!' has '!'; " + TAGS_TAKE),
    Case("tag-emoji", dev(tags={"team": "🚀"}), f"{A}: tags.team: the value '🚀' has '🚀'; " + TAGS_TAKE),
    Case("tag-newline", dev(tags={"team": "a\nb"}), f"{A}: tags.team: the value 'a\\nb' has '\\n'; " + TAGS_TAKE),
    Case(
        "tag-interpolation",
        dev(tags={"owner": '${file("/etc/hostname")}'}),
        f"{A}: tags.owner: the value " + """'${file("/etc/hostname")}' has '$'; """ + TAGS_TAKE,
    ),
    Case(
        "tag-platform-interpolation",
        platform(tags={"owner": "%{ if true }x%{ endif }"}),
        f"{P}: tags.owner: the value " + "'%{ if true }x%{ endif }' has '%'; " + TAGS_TAKE,
    ),
    Case(
        "tag-keys-differ-in-case",
        dev(tags={"Team": "a", "team": "b"}),
        f"{A}: tags.team: differs from the tag 'Team' only in case",
    ),
    Case(
        "tag-key-like-a-platform-tag",
        {**platform(tags={"owner": "ops"}), **dev(tags={"Owner": "web"})},
        f"{A}: tags.Owner: differs from the platform tag 'owner' only in case",
    ),
    Case(
        "tag-vending-sets",
        dev(tags={"environment": "x"}),
        f"{A}: tags.environment: Vending sets this tag itself; choose another key",
    ),
    Case(
        "tag-vending-prefix",
        platform(tags={"vending:owner": "x"}),
        f"{P}: tags.vending:owner: Vending sets this tag itself; choose another key",
    ),
    Case(
        "tfc-organization",
        platform(
            state={"backend": "cloud", "bucket": DELETE, "lock": DELETE, "region": DELETE, "organization": "acme corp"}
        ),
        f"{P}: state.organization: must be a Terraform Cloud name: letters, digits, hyphens and underscores (got"
        " 'acme corp')",
    ),
    Case(
        "tfc-workspace-prefix",
        platform(
            state={
                "backend": "cloud",
                "bucket": DELETE,
                "lock": DELETE,
                "region": DELETE,
                "organization": "acme",
                "workspace_prefix": "vend.",
            }
        ),
        f"{P}: state.workspace_prefix: must be letters, digits, hyphens and underscores (got 'vend.')",
    ),
    Case(
        "tfc-workspace-too-long",
        {
            **platform(
                state={
                    "backend": "cloud",
                    "bucket": DELETE,
                    "lock": DELETE,
                    "region": DELETE,
                    "organization": "acme",
                    "workspace_prefix": "w" * 60,
                }
            ),
            "acme-dev.yaml": None,
            f"{'c' * 32}-dev.yaml": customer("c" * 32, "dev"),
        },
        f"customers/{'c' * 32}-dev.yaml: customer: Terraform Cloud workspace '{'w' * 60}{'c' * 32}-dev-pipeline'"
        f" must be 1–90 characters (got 105): shorten platform.yaml: state.workspace_prefix ('{'w' * 60}',"
        " 60 characters)",
    ),
    Case(
        "dynamodb-table",
        platform(state={"lock": "dynamodb", "lock_table": "vend locks"}),
        f"{P}: state.lock_table: must be a DynamoDB table name: 3–255 letters, digits and _ . - (got 'vend locks')",
    ),
    Case(
        "branch-double-dot",
        dev(pipeline={"branch": "feature..x"}),
        f"{A}: pipeline.branch: must not have an empty part (//, a / at either end), '..' or a '.' at the end (got"
        " 'feature..x')",
    ),
    Case(
        "branch-lock",
        dev(pipeline={"branch": "main.lock"}),
        f"{A}: pipeline.branch: must not have a part that starts with '.' or ends with '.lock' (got 'main.lock')",
    ),
    Case(
        "branch-leading-slash",
        dev(pipeline={"branch": "/main"}),
        f"{A}: pipeline.branch: must not have an empty part (//, a / at either end), '..' or a '.' at the end (got"
        " '/main')",
    ),
    Case(
        "repository-dots",
        dev(pipeline={"repository": "acme/.."}),
        f"{A}: pipeline.repository: must be a repository as owner/name (got 'acme/..')",
    ),
    Case(
        "repository-three-parts",
        dev(pipeline={"repository": "acme/shop/web"}),
        f"{A}: pipeline.repository: must be a repository as owner/name (got 'acme/shop/web')",
    ),
    Case(
        "bake-record-ami-id",
        {},
        "images/acme-dev.json: ami_id: must be an AMI id like ami-0123456789abcdef0"
        " (got 'ami-${file(\"/etc/hostname\")}')",
        setup=bad_bake_record,
    ),
    # --- what the synth policies would refuse, said at config time ---------------------------
    Case(
        "production-without-deletion-protection",
        prod(database={"engine": "mysql", "version": "8.0", "deletion_protection": False}),
        "customers/acme-prod.yaml: database.deletion_protection: must be true in production (to destroy the"
        " database, name the stack in VENDING_ALLOW_DESTROY)",
    ),
    Case(
        "production-without-backups",
        prod(database={"engine": "mysql", "version": "8.0", "backup_retention_days": 0}),
        "customers/acme-prod.yaml: database.backup_retention_days: must be at least 1 in production (got 0)",
    ),
    # --- names and files --------------------------------------------------------------------
    Case(
        "customer-upper-case",
        {"Acme-dev.yaml": customer("Acme", "dev")},
        (
            "customers/Acme-dev.yaml: customer: must be lowercase letters, digits and single hyphens, "
            "starting with a letter (got 'Acme')"
        ),
    ),
    Case(
        "customer-unicode",
        {"açme-dev.yaml": customer("açme", "dev")},
        (
            "customers/açme-dev.yaml: customer: must be lowercase letters, digits and single hyphens, "
            "starting with a letter (got 'açme')"
        ),
    ),
    Case(
        "customer-path-separator",
        dev(customer="../acme"),
        (
            f"{A}: customer: must be lowercase letters, digits and single hyphens, starting with a letter "
            "(got '../acme')"
        ),
    ),
    Case(
        "environment-hyphen",
        {"acme-q-a.yaml": customer("acme", "q-a")},
        (
            "customers/acme-q-a.yaml: environment: must be lowercase letters and digits, starting with "
            "a letter (no hyphens) (got 'q-a')"
        ),
    ),
    Case(
        "environment-reserved",
        {"acme-pipeline.yaml": customer("acme", "pipeline")},
        "customers/acme-pipeline.yaml: environment: 'pipeline' is reserved",
    ),
    Case(
        "file-name-mismatch",
        {"acme-staging.yaml": customer("acme", "dev")},
        "customers/acme-staging.yaml: customer/environment: file name must be acme-dev.yaml",
    ),
    Case(
        "yml-extension",
        {"globex-dev.yml": customer("globex", "dev")},
        "customers/globex-dev.yml: use the .yaml extension (.yml files are not read)",
    ),
    Case("symlink-outside", {}, "customers/evil-dev.yaml: symlink points outside customers", setup=symlink_outside),
    Case(
        "directory-named-yaml", {}, "customers/globex-dev.yaml: is a directory, not a file", setup=directory_named_yaml
    ),
    Case("platform-missing", {"platform.yaml": None}, f"{P}: file not found"),
    Case(
        "upper-case-extension",
        {"globex-dev.YAML": customer("globex", "dev")},
        "customers/globex-dev.YAML: use the .yaml extension, in lowercase (the file is not read otherwise)",
    ),
    Case(
        "upper-case-yml",
        {"globex-dev.YML": customer("globex", "dev")},
        "customers/globex-dev.YML: use the .yaml extension, in lowercase (the file is not read otherwise)",
    ),
    Case(
        "trailing-space",
        {"globex-dev.yaml ": customer("globex", "dev")},
        "customers/globex-dev.yaml : the file name starts or ends with a space; name it 'globex-dev.yaml'",
    ),
    Case("symlink-loop", {}, "customers/loop-dev.yaml: symlink loop", setup=symlink_loop),
    Case("platform-directory", {}, f"{P}: is a directory, not a file", setup=platform_directory),
    # --- priorities.lock --------------------------------------------------------------------
    Case(
        "lock-impossible-date",
        {"priorities.lock": "acme-dev: 2024-02-30\n"},
        "customers/priorities.lock: line 1: invalid YAML: not a valid timestamp: '2024-02-30' (day is out of range"
        " for month)",
    ),
    Case(
        "lock-duplicate-key",
        {"priorities.lock": "acme-dev: 100\nacme-dev: 101\n"},
        "customers/priorities.lock: line 2: invalid YAML: duplicate key 'acme-dev'",
    ),
    Case(
        "lock-not-a-stack",
        {"priorities.lock": "acme-dev: 100\n'our team': 101\n"},
        "customers/priorities.lock: 'our team': not an environment's stack name like acme-dev",
    ),
    Case(
        "lock-huge-number",
        {"priorities.lock": f"acme-dev: {'9' * 5000}\n"},
        f"customers/priorities.lock: line 1: invalid YAML: not a valid int: '{'9' * 37}...' (too many digits)",
    ),
    Case(
        "lock-list-key",
        {"priorities.lock": "? [acme-dev]\n: 100\n"},
        "customers/priorities.lock: line 1: invalid YAML: a key must be a plain value, not a list or a mapping",
    ),
    # --- knobs, checked before any work -------------------------------------------------------
    Case(
        "workers-superscript", {}, "VENDING_WORKERS: must be a whole number ≥ 1 (got '²')", env={"VENDING_WORKERS": "²"}
    ),
    Case("workers-zero", {}, "VENDING_WORKERS: must be a whole number ≥ 1 (got '0')", env={"VENDING_WORKERS": "0"}),
    Case("stacks-empty", {}, "VENDING_STACKS: names no stack (got ' , ')", env={"VENDING_STACKS": " , "}),
    Case(
        "outdir-is-a-file",
        {},
        "CDKTF_OUTDIR: is a file, not a directory (got 'out-file')",
        setup=outdir_is_a_file,
        env={"CDKTF_OUTDIR": "out-file"},
    ),
    Case(
        "endpoint-with-expression",
        {},
        "AWS_ENDPOINT_URL: must be an http(s) address like http://127.0.0.1:5000, with no path (got"
        " 'http://127.0.0.1:5000/${file(\"/etc/hostname\")}')",
        env={"AWS_ENDPOINT_URL": 'http://127.0.0.1:5000/${file("/etc/hostname")}'},
    ),
    Case("speedups", {}, "VENDING_SPEEDUPS: must be on or off (got 'fast')", env={"VENDING_SPEEDUPS": "fast"}),
    # --- across files -----------------------------------------------------------------------
    Case(
        "duplicate-environment",
        {"acme-dev2.yaml": customer("acme", "dev")},
        "customers/acme-dev2.yaml: customer/environment: file name must be acme-dev.yaml",
        also=("customers/acme-dev2.yaml: customer: duplicate environment acme-dev (also in customers/acme-dev.yaml)",),
    ),
    Case(
        "duplicate-hostname",
        {
            "acme-prod.yaml": customer("acme", "prod", domain=DOMAIN),
            "globex-prod.yaml": customer("globex", "prod", domain=DOMAIN),
        },
        (
            "customers/globex-prod.yaml: domain.name: duplicate hostname shop.acme.com (also in "
            "customers/acme-prod.yaml)"
        ),
    ),
    Case(
        "duplicate-priority",
        {**dev(priority=150), "globex-dev.yaml": customer("globex", "dev", priority=150)},
        ("customers/globex-dev.yaml: priority: duplicate priority 150 (also in customers/acme-dev.yaml)"),
    ),
    Case(
        "production-without-approvers",
        prod(pipeline={"approval_emails": []}),
        ("customers/acme-prod.yaml: pipeline.approval_emails: required in production (at least one approver)"),
    ),
]


# Well formed, but impossible: what AWS would refuse at apply (or would build otherwise than the
# file says), refused at config time from the catalogs (vending/model/catalog.py).
ECR = "111111111111.dkr.ecr"
SUBNETS = {
    "public_subnet_ids": ["subnet-01234567", "subnet-11111111"],
    "private_subnet_ids": ["subnet-22222222", "subnet-33333333"],
}


def region(name: str) -> dict[str, dict]:
    cert = PLATFORM["certificate_arn"].replace("eu-west-1", name)
    return platform(region=name, certificate_arn=cert)


IMPOSSIBLE = [
    Case(
        "ec2-no-such-type",
        dev(instances={"type": "zz9.large"}),
        f"{A}: instances.type: no such EC2 instance type 'zz9.large'; did you mean z1d.large, r9g.large, m9g.large?",
    ),
    Case(
        "ec2-family-without-size",
        dev(instances={"type": "t3.mega"}),
        f"{A}: instances.type: t3 has no size 'mega' (it has 2xlarge, large, medium, micro, nano, small, xlarge)",
    ),
    Case(
        "bake-no-such-size",
        dev(image={"source_ami": "ami-0a1b2c3d4e5f60718", "instance_type": "t3.huge"}),
        f"{A}: image.instance_type: t3 has no size 'huge' (it has 2xlarge, large, medium, micro, nano, small, xlarge)",
    ),
    Case(
        "ec2-dedicated-host-only",
        dev(instances={"type": "mac1.metal"}),
        f"{A}: instances.type: mac1.metal runs only on a dedicated host (x86_64_mac), not in an autoscaling group",
    ),
    Case(
        "ec2-architecture-differs-from-the-bake",
        dev(instances={"type": "m6g.large"}),
        f"{A}: instances.type: m6g.large runs arm64, but the image is baked on t3.small (x86_64): choose"
        " image.instance_type of the same architecture",
    ),
    Case(
        "rds-no-such-class",
        dev(database={"engine": "mysql", "version": "8.0", "instance_class": "db.q9.large"}),
        f"{A}: database.instance_class: no such RDS DB instance class 'db.q9.large'; did you mean db.t3.large,"
        " db.t2.large, db.r5.large?",
    ),
    Case(
        "rds-class-without-size",
        dev(database={"engine": "mysql", "version": "8.0", "instance_class": "db.t3.huge"}),
        f"{A}: database.instance_class: db.t3 has no size 'huge' (it has 2xlarge, large, medium, micro, small, xlarge)",
    ),
    Case(
        "rds-another-engines-version",
        dev(database={"engine": "mysql", "version": "16"}),
        f"{A}: database.version: mysql has no major version '16' (it has 5.7, 8.0, 8.4)",
    ),
    Case(
        "rds-version-too-many-parts",
        dev(database={"engine": "postgres", "version": "16.4.1"}),
        f"{A}: database.version: postgres versions have at most 2 parts, like 16.4 (got '16.4.1')",
    ),
    Case(
        "zones-more-than-the-region-has",
        platform(network={"cidr": "10.20.0.0/16", "availability_zones": 4}),
        f"{P}: network.availability_zones: eu-west-1 has 3 zones (got 4): subnets would share a zone",
    ),
    Case(
        "cidr-subnets-too-small-for-a-load-balancer",
        platform(network={"cidr": "10.20.0.0/24"}),
        f"{P}: network.cidr: its subnets would be /28; a load balancer needs /27 or larger: give a /23 or larger range",
    ),
    Case(
        "cidr-private-but-not-rfc-1918",
        platform(network={"cidr": "198.18.0.0/16"}),
        f"{P}: network.cidr: must be a private range (RFC 1918: 10/8, 172.16/12, 192.168/16) (got '198.18.0.0/16')",
    ),
    Case(
        "zones-ignored-with-an-existing-vpc",
        platform(network={"cidr": DELETE, "vpc_id": "vpc-0123456789abcdef0", **SUBNETS}),
        f"{P}: network.availability_zones: only used with network.cidr (a created VPC)",
    ),
    Case(
        "approvers-ignored-outside-production",
        dev(pipeline={"approval_emails": ["ops@acme.example"]}),
        f"{A}: pipeline.approval_emails: only used in production (its pipeline has the approval stage)",
    ),
    Case(
        "region-china",
        region("cn-north-1"),
        f"{P}: region: cn-north-1 is in the aws-cn partition; Vending writes arn:aws: ARNs and supports the standard"
        " partition only",
    ),
    Case(
        "region-govcloud",
        region("us-gov-west-1"),
        f"{P}: region: us-gov-west-1 is in the aws-us-gov partition; Vending writes arn:aws: ARNs and supports the"
        " standard partition only",
    ),
    Case(
        "region-unknown",
        region("eu-west-9"),
        f"{P}: region: no such AWS region 'eu-west-9'; did you mean eu-west-3, eu-west-2, eu-west-1?",
    ),
    Case(
        "connection-id-not-a-uuid",
        dev(pipeline={"connection_arn": CONNECTION.rsplit("/", 1)[0] + "/" + "-" * 36}),
        f"{A}: pipeline.connection_arn: must be a CodeStar/CodeConnections connection ARN (its id a UUID) (got"
        " 'arn:aws:codestar-connections:eu-west-1:111111111111:connection/------------------------------------')",
    ),
    Case(
        "domain-on-the-platform-certificate",
        dev(domain={"name": "shop.acme.com", "certificate_arn": PLATFORM["certificate_arn"]}),
        f"{A}: domain.certificate_arn: is the platform's certificate (for *.apps.example.com): give the domain's own",
    ),
    Case(
        "domain-is-the-platform-domain",
        dev(domain={"name": "apps.example.com", "certificate_arn": CERT}),
        f"{A}: domain.name: must not be under the platform domain apps.example.com",
    ),
    Case(
        "test-image-in-another-region",
        dev(pipeline={"test_image": f"{ECR}.us-east-1.amazonaws.com/test:latest"}),
        f"{A}: pipeline.test_image: must be in the platform region eu-west-1 (got us-east-1)",
    ),
    Case(
        "test-image-in-china",
        dev(pipeline={"test_image": f"{ECR}.cn-north-1.amazonaws.com.cn/test:latest"}),
        f"{A}: pipeline.test_image: must be in the standard partition (amazonaws.com) (got"
        " 111111111111.dkr.ecr.cn-north-1.amazonaws.com.cn)",
    ),
    Case(
        "test-image-repository-malformed",
        dev(pipeline={"test_image": f"{ECR}.eu-west-1.amazonaws.com/a//b:latest"}),
        f"{A}: pipeline.test_image: must be an ECR image URI like"
        " 111111111111.dkr.ecr.eu-west-1.amazonaws.com/repo:tag (got"
        " '111111111111.dkr.ecr.eu-west-1.amazonaws.com/a//b:latest')",
    ),
    Case(
        "test-image-repository-uppercase",
        dev(pipeline={"test_image": f"{ECR}.eu-west-1.amazonaws.com/Test:latest"}),
        f"{A}: pipeline.test_image: must be an ECR image URI like"
        " 111111111111.dkr.ecr.eu-west-1.amazonaws.com/repo:tag (got"
        " '111111111111.dkr.ecr.eu-west-1.amazonaws.com/Test:latest')",
    ),
]
CASES += IMPOSSIBLE


def write_case(directory: Path, case: Case) -> None:
    directory.mkdir(parents=True)
    files = {"platform.yaml": PLATFORM, "acme-dev.yaml": customer("acme", "dev"), **case.files}
    for name, content in files.items():
        if content is None:
            continue
        target = directory / name
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content if isinstance(content, str) else yaml.safe_dump(content, sort_keys=False))
    if case.setup:
        case.setup(directory)


PROBLEM = re.compile(r"((?:customers|images)/[^:]+|[A-Z_]+): (.+)")


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(tmp_path, case):
    customers = tmp_path / "customers"
    write_case(customers, case)
    previous = tmp_path / "cdktf.out"
    (previous / "stacks" / "acme-dev").mkdir(parents=True)
    (previous / "manifest.json").write_text('{"previous": true}')
    (previous / "stacks" / "acme-dev" / "cdk.tf.json").write_text("{}")
    before = tree_digest(previous)

    result = run_main(customers, previous, **case.env)

    lines = result.stderr.splitlines()
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert lines[-1] == f"synth stopped: {len(lines) - 1} problem(s); nothing was written"
    for line in lines[:-1]:
        match = PROBLEM.fullmatch(line)
        named = {p.name for p in customers.iterdir()} | {"platform.yaml", "acme-dev.json"}
        assert match and (match[1] in case.env or (tmp_path / match[1]).name in named), line
    assert lines[0] == case.first_line
    assert set(case.also) <= set(lines)
    assert tree_digest(previous) == before
