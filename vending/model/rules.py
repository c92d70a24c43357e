"""The rules beyond types: within a file, and across the customer files. Each returns
(field path, message) pairs, or lines, so that every problem is reported, not just the first."""

from __future__ import annotations

from typing import Any

from vending.model import catalog, limits
from vending.model.config import SUBNET_BITS, Customer, Platform
from vending.model.naming import SHARED_ALB_STACK, EnvironmentNames

RESERVED_ENVIRONMENTS = {"pipeline"}  # "<customer>-pipeline" would read as a pipeline stack
RESERVED_STACKS = {SHARED_ALB_STACK}
# A build number of the default form (the UTC time), for checking AMI names.
SAMPLE_BUILD = "20991231235959"
# Tag keys Vending sets itself: a user's tag of the same key would be silently replaced.
VENDING_TAG_KEYS = ("customer", "environment", "platform", "managed-by", "Name")
VENDING_TAG_PREFIX = "vending:"  # the AMI's provenance tags
# The most tags Vending adds to one resource: an AMI's Name and six vending:* tags.
TAGS_ADDED = 7
USER_TAGS_MAX = limits.TAGS_PER_RESOURCE - TAGS_ADDED


def _outside_region(field: str, arn: str, region: str) -> list[tuple[str, str]]:
    arn_region = arn.split(":")[3]
    return [] if arn_region == region else [(field, f"must be in the platform region {region} (got {arn_region})")]


def platform_problems(platform: Platform) -> list[tuple[str, str]]:
    problems = _outside_region("certificate_arn", platform.certificate_arn, platform.region)
    problems += _tag_problems(platform.tags)
    for field, region in (("region", platform.region), ("state.region", platform.state.region)):
        if region is not None and (problem := catalog.region_problem(region)):
            problems.append((field, problem))
    network = platform.network
    problems += _network_problems(platform)
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


def _network_problems(platform: Platform) -> list[tuple[str, str]]:
    """A created network must fit the region and a load balancer; a setting the mode does not
    use is an error, not silently ignored."""
    network, problems = platform.network, []
    if not network.created:
        if "availability_zones" in network.model_fields_set:
            problems.append(("network.availability_zones", "only used with network.cidr (a created VPC)"))
        return problems
    zones = catalog.zones(platform.region)
    if zones is not None and network.availability_zones > zones:
        problems.append(
            (
                "network.availability_zones",
                f"{platform.region} has {zones} zones (got {network.availability_zones}): subnets would share a zone",
            )
        )
    if network.subnet_prefix > limits.ALB_SUBNET_PREFIX_MAX:
        largest = limits.ALB_SUBNET_PREFIX_MAX - SUBNET_BITS
        problems.append(
            (
                "network.cidr",
                f"its subnets would be /{network.subnet_prefix}; a load balancer needs"
                f" /{limits.ALB_SUBNET_PREFIX_MAX} or larger: give a /{largest} or larger range",
            )
        )
    return problems


def _catalog_problems(customer: Customer) -> list[tuple[str, str]]:
    """Instance types, engine versions and DB classes that AWS does not have, or that cannot work
    together, from the catalogs (vending.model.catalog)."""
    problems = []
    fleet, bake = customer.instances.type, customer.image.instance_type
    for field, name in (("instances.type", fleet), ("image.instance_type", bake)):
        if problem := catalog.instance_type_problem(name) or catalog.fleet_type_problem(name):
            problems.append((field, problem))
    fleet_arch, bake_arch = catalog.architectures(fleet), catalog.architectures(bake)
    if customer.image.ami_id is None and fleet_arch and bake_arch and not fleet_arch & bake_arch:
        problems.append(
            (
                "instances.type",
                f"{fleet} runs {'/'.join(sorted(fleet_arch))}, but the image is baked on {bake}"
                f" ({'/'.join(sorted(bake_arch))}): choose image.instance_type of the same architecture",
            )
        )
    database = customer.database
    if database is not None:
        if problem := catalog.engine_version_problem(database.engine, database.version):
            problems.append(("database.version", problem))
        if problem := catalog.db_class_problem(database.instance_class):
            problems.append(("database.instance_class", problem))
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
    problems += _catalog_problems(customer)
    problems += _production_database_problems(customer)
    problems += _tag_problems(customer.tags)
    problems += _merged_tag_problems(platform.tags, customer.tags)
    if customer.domain is not None:
        problems += _outside_region("domain.certificate_arn", customer.domain.certificate_arn, platform.region)
        if customer.domain.name == platform.domain or customer.domain.name.endswith("." + platform.domain):
            problems.append(("domain.name", f"must not be under the platform domain {platform.domain}"))
        if customer.domain.certificate_arn == platform.certificate_arn:
            problems.append(
                (
                    "domain.certificate_arn",
                    f"is the platform's certificate (for *.{platform.domain}): give the domain's own",
                )
            )
    if customer.dedicated_alb and customer.priority is not None:
        problems.append(("priority", "not used: this environment has a dedicated load balancer"))
    if not customer.production and customer.pipeline.approval_emails:
        problems.append(("pipeline.approval_emails", "only used in production (its pipeline has the approval stage)"))
    registry = customer.pipeline.test_image.split("/")[0]
    if registry.endswith(".cn"):
        problems.append(("pipeline.test_image", f"must be in the standard partition (amazonaws.com) (got {registry})"))
    elif (image_region := registry.split(".")[3]) != platform.region:
        problems.append(
            ("pipeline.test_image", f"must be in the platform region {platform.region} (got {image_region})")
        )
    return problems


def _production_database_problems(customer: Customer) -> list[tuple[str, str]]:
    """What the synth policies would refuse in production, said at config time and in the
    customer file's own terms."""
    database = customer.database
    if not (customer.production and database):
        return []
    problems = []
    if not database.deletion_protection:
        problems.append(
            (
                "database.deletion_protection",
                "must be true in production (to destroy the database, name the stack in VENDING_ALLOW_DESTROY)",
            )
        )
    if database.backup_retention_days < 1:
        problems.append(("database.backup_retention_days", "must be at least 1 in production (got 0)"))
    return problems


def _tag_problems(tags: dict[str, str]) -> list[tuple[str, str]]:
    """Keys Vending sets itself, and keys that differ only in case (IAM reads keys without case)."""
    problems = []
    seen: dict[str, str] = {}
    for key, value in tags.items():
        if problem := limits.tag(key, value):
            problems.append((f"tags.{key}", problem))
        if key in VENDING_TAG_KEYS or key.startswith(VENDING_TAG_PREFIX):
            problems.append((f"tags.{key}", "Vending sets this tag itself; choose another key"))
        if key.lower() in seen:
            problems.append((f"tags.{key}", f"differs from the tag {seen[key.lower()]!r} only in case"))
        seen.setdefault(key.lower(), key)
    if len(tags) > USER_TAGS_MAX:
        problems.append(("tags", f"at most {USER_TAGS_MAX} tags (got {len(tags)}): {_TAGS_WHY}"))
    return problems


_TAGS_WHY = f"AWS allows {limits.TAGS_PER_RESOURCE} per resource and Vending adds up to {TAGS_ADDED}"


def _merged_tag_problems(platform_tags: dict[str, str], tags: dict[str, str]) -> list[tuple[str, str]]:
    """The platform's tags and the environment's, as every resource of the environment gets them."""
    problems = []
    platform_keys = {key.lower(): key for key in platform_tags}
    for key in tags:
        if key.lower() in platform_keys and platform_keys[key.lower()] != key:
            problems.append(
                (f"tags.{key}", f"differs from the platform tag {platform_keys[key.lower()]!r} only in case")
            )
    merged = {key.lower() for key in (*platform_tags, *tags)}
    if len(tags) <= USER_TAGS_MAX < len(merged):
        problems.append(("tags", f"with the platform's tags, {len(merged)}; at most {USER_TAGS_MAX} fit: {_TAGS_WHY}"))
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


def _problems(checks, show=repr) -> list[tuple[str, str]]:
    """One line per field and rule broken: the first name that breaks it says why."""
    found, broken = [], set()
    for field, what, value, rule in checks:
        if (field, rule) not in broken and (problem := rule(value)) is not None:
            found.append((field, f"{what} {show(value)} {problem}"))
            broken.add((field, rule))
    return found


_PROBE = "a-b"  # an environment's names, for the part every environment shares


def _as_every_environment(value: str) -> str:
    """A probe's name shown as every environment's: ``<customer>-<env>`` where the probe stands."""
    return repr(value).replace(f"-{_PROBE}-", "-<customer>-<env>-").replace(f"-{_PROBE}'", "-<customer>-<env>'")


def platform_name_problems(platform: Platform) -> list[tuple[str, str]]:
    """The platform's own names, and the prefix every environment's names share: a platform name
    that makes every environment's names invalid is reported once, against ``name``."""
    names = platform.names
    probe = EnvironmentNames(platform.name, *_PROBE.split("-"))  # any environment: the prefix decides
    checks = [
        ("name", "log bucket", names.log_bucket(platform.account_id), limits.s3_bucket),
        ("name", "load balancer", names.shared_alb(), limits.alb_name),
        ("name", "security group", names.shared_alb_security_group(), limits.security_group_name),
        ("name", "every target group,", probe.target_group, limits.alb_name),
        ("name", "every security group,", probe.instance_security_group, limits.security_group_name),
        ("name", "every artifact bucket,", probe.artifact_bucket(platform.account_id), limits.s3_bucket),
    ]
    if platform.state.bucket is not None:
        checks.append(("state.bucket", "state bucket", platform.state.bucket, limits.s3_bucket))
    if platform.state.backend == "cloud":
        workspace = platform.state.workspace(SHARED_ALB_STACK)
        checks.append(("state.workspace_prefix", "Terraform Cloud workspace", workspace, limits.tfc_workspace))
    return _problems(checks, show=_as_every_environment)


def customer_name_problems(customer: Customer, platform: Platform) -> list[tuple[str, str]]:
    """The names built for one environment (reported against ``customer``, which they derive
    from) and its host names (against ``domain.name`` for the one the customer chose)."""
    names = customer.names(platform)
    checks = [
        ("customer", "artifact bucket", names.artifact_bucket(platform.account_id), limits.s3_bucket),
        ("customer", "CodeBuild project", names.test_project, limits.codebuild_project),
        ("customer", "AMI name", names.ami_name(SAMPLE_BUILD), limits.ami_name),
        ("customer", "host name", customer.platform_hostname(platform), limits.host_header),
    ]
    if customer.domain is not None:
        checks.append(("domain.name", "host name", customer.domain.name, limits.host_header))
    if customer.database is not None:
        checks += [
            ("customer", "RDS identifier", names.db_identifier, limits.rds_identifier),
            ("customer", "database name", names.db_name, limits.database_name),
        ]
    if platform.state.backend == "cloud":
        workspace = platform.state.workspace(customer.pipeline_stack_name)
        if limits.tfc_workspace(workspace) and not limits.tfc_workspace(customer.pipeline_stack_name):
            prefix = platform.state.workspace_prefix  # the prefix is to blame, not the customer's name
            return _problems(checks) + [
                (
                    "customer",
                    f"Terraform Cloud workspace {workspace!r} {limits.tfc_workspace(workspace)}: shorten"
                    f" platform.yaml: state.workspace_prefix ({prefix!r}, {len(prefix)} characters)",
                )
            ]
        checks.append(("customer", "Terraform Cloud workspace", workspace, limits.tfc_workspace))
    return _problems(checks)
