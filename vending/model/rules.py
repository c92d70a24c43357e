"""The rules beyond types: within a file, and across the customer files. Each returns
(field path, message) pairs, or lines, so that every problem is reported, not just the first."""

from __future__ import annotations

from typing import Any

from vending.model import limits
from vending.model.config import Customer, Platform
from vending.model.naming import SHARED_ALB_STACK

RESERVED_ENVIRONMENTS = {"pipeline"}  # "<customer>-pipeline" would read as a pipeline stack
RESERVED_STACKS = {SHARED_ALB_STACK}
# A build number of the default form (the UTC time), for checking AMI names.
SAMPLE_BUILD = "20991231235959"


def _outside_region(field: str, arn: str, region: str) -> list[tuple[str, str]]:
    arn_region = arn.split(":")[3]
    return [] if arn_region == region else [(field, f"must be in the platform region {region} (got {arn_region})")]


def platform_problems(platform: Platform) -> list[tuple[str, str]]:
    problems = _outside_region("certificate_arn", platform.certificate_arn, platform.region)
    network = platform.network
    has_ids = network.vpc_id is not None or network.public_subnet_ids or network.private_subnet_ids
    if network.created and has_ids:
        problems.append(("network", "give either cidr (create a VPC) or vpc_id and subnet ids, not both"))
    elif not network.created:
        if network.vpc_id is None:
            problems.append(("network.vpc_id", "required unless network.cidr is given"))
        for field in ("public_subnet_ids", "private_subnet_ids"):
            ids = getattr(network, field)
            if len(ids) < 2:
                problems.append((f"network.{field}", f"needs at least 2 subnets in different zones (got {len(ids)})"))
            elif len(set(ids)) != len(ids):
                problems.append((f"network.{field}", "lists a subnet twice"))
        overlap = set(network.public_subnet_ids) & set(network.private_subnet_ids)
        if overlap:
            problems.append(("network", f"subnets are both public and private: {', '.join(sorted(overlap))}"))
    state = platform.state
    if state.backend == "s3":
        if state.bucket is None:
            problems.append(("state.bucket", "required for the s3 backend"))
        if state.lock == "dynamodb" and state.lock_table is None:
            problems.append(("state.lock_table", "required when state.lock is dynamodb"))
        if state.lock == "lockfile" and state.lock_table is not None:
            problems.append(("state.lock_table", "only used when state.lock is dynamodb"))
        if state.organization is not None:
            problems.append(("state.organization", "only used when state.backend is cloud"))
    else:
        if state.organization is None:
            problems.append(("state.organization", "required for the cloud backend"))
        for field in ("bucket", "lock_table"):
            if getattr(state, field) is not None:
                problems.append((f"state.{field}", "only used when state.backend is s3"))
    return problems


def customer_problems(customer: Customer, platform: Platform) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    inst = customer.instances
    if inst.min > inst.max:
        problems.append(("instances.min", f"must be ≤ instances.max (got {inst.min} > {inst.max})"))
    if inst.desired is not None and not inst.min <= inst.desired <= inst.max:
        problems.append(
            ("instances.desired", f"must be between min and max ({inst.min}–{inst.max}) (got {inst.desired})")
        )
    if inst.scale_in_cpu >= inst.scale_out_cpu:
        problems.append(
            (
                "instances.scale_in_cpu",
                f"must be < instances.scale_out_cpu (got {inst.scale_in_cpu} ≥ {inst.scale_out_cpu})",
            )
        )
    health = customer.health_check
    if health.timeout >= health.interval:
        problems.append(
            ("health_check.timeout", f"must be < health_check.interval (got {health.timeout} ≥ {health.interval})")
        )
    if customer.environment in RESERVED_ENVIRONMENTS:
        problems.append(("environment", f"{customer.environment!r} is reserved"))
    if customer.stack_name in RESERVED_STACKS:
        problems.append(("customer", f"{customer.stack_name!r} is the name of a platform stack"))
    if customer.production and not customer.pipeline.approval_emails:
        problems.append(("pipeline.approval_emails", "required in production (at least one approver)"))
    if len(set(customer.pipeline.approval_emails)) != len(customer.pipeline.approval_emails):
        problems.append(("pipeline.approval_emails", "lists an address twice"))
    for field, arn in (
        ("domain.certificate_arn", customer.domain and customer.domain.certificate_arn),
        ("pipeline.connection_arn", customer.pipeline.connection_arn),
    ):
        if arn and arn.split(":")[4] != platform.account_id:
            problems.append((field, f"must be in the platform account {platform.account_id} (got {arn.split(':')[4]})"))
    if customer.domain is not None and not customer.production:
        problems.append(("domain", "only production environments use a custom domain (remove it or use prod)"))
    if customer.domain is not None:
        problems += _outside_region("domain.certificate_arn", customer.domain.certificate_arn, platform.region)
        if customer.domain.name.endswith("." + platform.domain):
            problems.append(("domain.name", f"must not be under the platform domain {platform.domain}"))
    if customer.dedicated_alb and customer.priority is not None:
        problems.append(("priority", "not used: this environment has a dedicated load balancer"))
    return problems


def cross_file_problems(config_files: dict[str, Customer]) -> list[str]:
    """Duplicate environments, host names and pinned priorities across customer files."""
    problems: list[str] = []
    checks = (
        ("customer", "duplicate environment", lambda c: c.stack_name),
        # Platform hostnames follow from stack names; custom ones must be unique too.
        ("domain.name", "duplicate hostname", lambda c: c.domain.name if c.domain else None),
        ("priority", "duplicate priority", lambda c: c.priority),
    )
    for field, label, key in checks:
        first_seen: dict[Any, str] = {}
        for path, customer in sorted(config_files.items()):
            value = key(customer)
            if value is None:
                continue
            if value in first_seen:
                problems.append(f"{path}: {field}: {label} {value} (also in {first_seen[value]})")
            else:
                first_seen[value] = path
    return problems


# --- the names built from the configuration, and what users write, inside AWS's limits -----


def _problems(checks) -> list[tuple[str, str]]:
    found = []
    for field, what, value, rule in checks:
        if (problem := rule(value)) is not None:
            found.append((field, f"{what} {value!r} {problem}"))
    return found


def platform_name_problems(platform: Platform) -> list[tuple[str, str]]:
    checks = [("name", "log bucket", platform.names.log_bucket(platform.account_id), limits.s3_bucket)]
    if platform.state.bucket is not None:
        checks.append(("state.bucket", "state bucket", platform.state.bucket, limits.s3_bucket))
    return _problems(checks)


def customer_name_problems(customer: Customer, platform: Platform) -> list[tuple[str, str]]:
    """The names built for one environment (reported against ``customer``, which they derive
    from) and its host name (against ``domain.name`` when the customer chose it)."""
    names = customer.names(platform)
    checks = [
        ("customer", "artifact bucket", names.artifact_bucket(platform.account_id), limits.s3_bucket),
        ("customer", "CodeBuild project", names.test_project, limits.codebuild_project),
        ("customer", "AMI name", names.ami_name(SAMPLE_BUILD), limits.ami_name),
        (
            "domain.name" if customer.dedicated_alb else "customer",
            "host name",
            customer.hostname(platform),
            limits.host_header,
        ),
    ]
    if customer.database is not None:
        checks += [
            ("customer", "RDS identifier", names.db_identifier, limits.rds_identifier),
            ("customer", "database name", names.db_name, limits.database_name),
        ]
    return _problems(checks)
