"""The configuration contract: the models of ``platform.yaml`` and of a customer file, typed and
frozen. ``vending.model.load.load_config`` reads and validates a directory into a :class:`Config`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from vending.model.limits import (
    ALB_CERTIFICATES_QUOTA,
    ALB_RULES_QUOTA,
    ALB_TARGET_GROUPS_QUOTA,
    RDS_STORAGE_MAX,
    RULE_PRIORITY_MAX,
)
from vending.model.naming import PRODUCTION, EnvironmentNames, PlatformNames, pipeline_stack
from vending.model.values import (
    AcmCertificateArn,
    AmiId,
    Branch,
    Cidr,
    ConnectionArn,
    DbInstanceClass,
    DbSnapshotIdentifier,
    DynamoDbTable,
    EcrImage,
    Email,
    EnvironmentName,
    HostedZoneId,
    Hostname,
    InstanceType,
    Matcher,
    Name,
    PlatformName,
    Region,
    Repository,
    SubnetId,
    Tags,
    TfcName,
    UrlPath,
    VpcId,
    matching,
)

SUBNET_BITS = 4  # a created VPC is carved into 16 subnets: room for 4 zones, public and private
APP_PORTS = (1024, 65535)  # where an application may listen: what a shared load balancer may reach
# Database settings whose default depends on the environment: (in production, elsewhere).
DATABASE_DEFAULTS = {"multi_az": (True, False), "backup_retention_days": (7, 1), "deletion_protection": (True, False)}


class Model(BaseModel):
    """Frozen, strict, and closed: a typo in a key is an error, never ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


# --- platform.yaml ------------------------------------------------------------------------


class Network(Model):
    """Either the ids of an existing VPC, or a CIDR from which shared-alb creates one."""

    vpc_id: VpcId | None = Field(None, description="Existing VPC id")
    public_subnet_ids: list[SubnetId] = Field(default_factory=list, description="Subnets of the load balancers")
    private_subnet_ids: list[SubnetId] = Field(default_factory=list, description="Subnets of instances and databases")
    cidr: Cidr | None = Field(None, description="Create a VPC with this range (shared-alb stack)")
    availability_zones: int = Field(2, ge=2, le=4, description="Zones of a created VPC")

    @property
    def created(self) -> bool:
        return self.cidr is not None

    @property
    def subnet_prefix(self) -> int:
        """The prefix of a created VPC's subnets: a public and a private one per zone."""
        return min(int(str(self.cidr).split("/")[1]) + SUBNET_BITS, 28)


class State(Model):
    backend: Literal["s3", "cloud"] = Field("s3", description="Where every stack keeps its state")
    bucket: str | None = Field(None, min_length=3, max_length=63, description="S3 state bucket")
    region: Region | None = Field(None, description="Region of the state bucket (default: platform region)")
    lock: Literal["lockfile", "dynamodb"] = Field("lockfile", description="S3-native lock file, or DynamoDB")
    lock_table: DynamoDbTable | None = Field(None, description="DynamoDB lock table")
    organization: TfcName | None = Field(None, description="Terraform Cloud organization")
    workspace_prefix: Annotated[str, matching(r"[A-Za-z0-9_-]*", "letters, digits, hyphens and underscores")] = Field(
        "", max_length=60, description="Prefix of each stack's workspace name"
    )
    hostname: Hostname | None = Field(None, description="Terraform Enterprise host (default: app.terraform.io)")

    def workspace(self, stack: str) -> str:
        """The Terraform Cloud workspace of ``stack``."""
        return f"{self.workspace_prefix}{stack}"


class SharedAlb(Model):
    """How many environments one shared load balancer holds before the next one is added."""

    capacity: int = Field(
        80,
        ge=1,
        le=min(ALB_RULES_QUOTA, ALB_TARGET_GROUPS_QUOTA),
        description="Environments per shared load balancer: a listener rule and a target group each"
        f" (AWS allows {ALB_RULES_QUOTA} of each, target groups not adjustable)",
    )
    certificates: int = Field(
        20,
        ge=1,
        le=ALB_CERTIFICATES_QUOTA,
        description="Non-production custom domains per shared load balancer: a certificate each"
        f" (AWS allows {ALB_CERTIFICATES_QUOTA})",
    )


class Dns(Model):
    zone_id: HostedZoneId = Field(
        description="Route 53 hosted zone of the platform domain: each environment owns the records of its"
        " host names, so environments can spread over several shared load balancers"
    )


class Platform(Model):
    """The platform every customer environment runs on: one file, next to the customer files."""

    name: PlatformName = Field(description="Platform name; prefix of every AWS name")
    region: Region = Field(description="AWS region of every stack")
    domain: Hostname = Field(description="Platform hostnames are <customer>-<env>.<domain>")
    certificate_arn: AcmCertificateArn = Field(description="Wildcard certificate for *.<domain>")
    network: Network = Field(description="Existing VPC ids, or a CIDR to create one")
    state: State = Field(default_factory=State, description="Remote state backend")
    shared_alb: SharedAlb = Field(default_factory=SharedAlb, description="Shards of the shared load balancer")
    dns: Dns | None = Field(
        None, description="Route 53 records per environment (without it: one shared load balancer, *.<domain> yours)"
    )
    tags: Tags = Field(default_factory=dict, description="Added to every resource")

    @property
    def account_id(self) -> str:
        """The account the platform runs in, as named by its certificate ARN."""
        return self.certificate_arn.split(":")[4]

    @property
    def state_region(self) -> str:
        return self.state.region or self.region

    @property
    def names(self) -> PlatformNames:
        return PlatformNames(self.name)


# --- <customer>-<environment>.yaml --------------------------------------------------------


class Domain(Model):
    name: Hostname = Field(description="Custom host name, e.g. shop.acme.com")
    certificate_arn: AcmCertificateArn = Field(description="Certificate for the custom host name")


class Image(Model):
    source_ami: AmiId = Field(description="Base image Packer starts from")
    instance_type: InstanceType = Field("t3.small", description="Packer build instance type")
    ssh_username: Annotated[str, matching(r"[a-z_][a-z0-9_-]{0,31}", "a Linux user name like ec2-user")] = Field(
        "ec2-user", description="Packer SSH user"
    )
    ami_id: AmiId | None = Field(None, description="Pin: the fleet runs exactly this AMI")


class Instances(Model):
    type: InstanceType = Field("t3.small", description="Instance type of the fleet")
    min: int = Field(2, ge=1, le=100, description="Minimum fleet size")
    max: int = Field(6, ge=1, le=100, description="Maximum fleet size")
    desired: int | None = Field(None, ge=1, le=100, description="Initial size (default: min)")
    scale_out_cpu: int = Field(70, ge=1, le=100, description="Average CPU % that adds an instance")
    scale_in_cpu: int = Field(30, ge=0, le=99, description="Average CPU % that removes an instance")
    port: int = Field(8080, ge=APP_PORTS[0], le=APP_PORTS[1], description="Port the application listens on")
    volume_gb: int = Field(20, ge=8, le=16384, description="Encrypted root volume size")

    @property
    def desired_capacity(self) -> int:
        return self.desired if self.desired is not None else self.min


class HealthCheck(Model):
    path: UrlPath = Field("/health", description="Path the load balancer probes")
    interval: int = Field(30, ge=5, le=300, description="Seconds between probes")
    timeout: int = Field(5, ge=2, le=120, description="Seconds before a probe fails")
    healthy_threshold: int = Field(3, ge=2, le=10, description="Successes before healthy")
    unhealthy_threshold: int = Field(3, ge=2, le=10, description="Failures before unhealthy")
    matcher: Matcher = Field("200-399", description="HTTP codes that count as healthy")


ENGINE_PORTS = {"mysql": 3306, "mariadb": 3306, "postgres": 5432}


class Database(Model):
    engine: Literal["mysql", "postgres", "mariadb"] = Field(description="Database engine")
    version: Annotated[str, matching(r"\d+(?:\.\d+){0,2}", 'an engine version as a quoted string like "8.0"')] = Field(
        description="Engine version"
    )
    instance_class: DbInstanceClass = Field("db.t3.small", description="RDS instance class")
    storage_gb: int = Field(20, ge=20, le=RDS_STORAGE_MAX, description="Allocated storage (GiB)")
    # No defaults here: they depend on the environment and are filled in by Customer.
    multi_az: bool = Field(description="Standby in a second zone")
    backup_retention_days: int = Field(ge=0, le=35, description="Days of automated backups kept")
    deletion_protection: bool = Field(description="RDS refuses to delete the database")
    snapshot_identifier: DbSnapshotIdentifier | None = Field(
        None,
        description=(
            "Snapshot the database is created from (a retired environment's final snapshot, to keep its"
            " data across a rename); read when the database is created, and ignored after"
        ),
    )

    @property
    def port(self) -> int:
        return ENGINE_PORTS[self.engine]


class Pipeline(Model):
    repository: Repository = Field(description="Source repository, owner/name")
    branch: Branch = Field("main", description="Branch that triggers the pipeline")
    connection_arn: ConnectionArn = Field(description="CodeStar/CodeConnections connection")
    test_image: EcrImage = Field(description="Custom CodeBuild image in ECR")
    approval_emails: list[Email] = Field(
        default_factory=list,
        max_length=20,
        description="Who approves each deployment (an email each; they confirm the subscription once)",
        json_schema_extra={"production": "required: at least one"},
    )


class Customer(Model):
    """One customer environment; the file is named ``<customer>-<environment>.yaml``, after its
    first two fields. ``environment: prod`` is production."""

    customer: Name = Field(description="Customer name")
    environment: EnvironmentName = Field(description="Environment; 'prod' is production")
    domain: Domain | None = Field(
        None,
        description="Custom domain, served beside the platform host name on the shared load balancer",
        json_schema_extra={"production": "served alone, by a dedicated load balancer"},
    )
    priority: int | None = Field(
        None, ge=1, le=RULE_PRIORITY_MAX, description="Pin of the shared-listener rule priority"
    )
    image: Image = Field(description="What Packer bakes from and what the fleet runs")
    instances: Instances = Field(default_factory=Instances, description="Fleet size and scaling")
    health_check: HealthCheck = Field(default_factory=HealthCheck, description="Target group health check")
    database: Database | None = Field(None, description="Optional RDS database")
    pipeline: Pipeline = Field(description="Software delivery pipeline")
    tags: Tags = Field(default_factory=dict, description="Added to every resource of the environment")
    retire: bool = Field(
        False,
        description="Release the environment's destroy protections and deletion protection (applied first,"
        " destroying nothing), so that removing its file afterwards destroys it; its database keeps a final"
        " snapshot",
        json_schema_extra={"production": "the step before removing the file"},
    )

    @model_validator(mode="before")
    @classmethod
    def _database_defaults(cls, data: Any) -> Any:
        """Production-safe database defaults, which depend on the environment."""
        if not (isinstance(data, dict) and isinstance(data.get("database"), dict)):
            return data
        production = data.get("environment") == PRODUCTION
        defaults = {field: values[0 if production else 1] for field, values in DATABASE_DEFAULTS.items()}
        return {**data, "database": {**defaults, **data["database"]}}

    @property
    def production(self) -> bool:
        return self.environment == PRODUCTION

    @property
    def stack_name(self) -> str:
        return f"{self.customer}-{self.environment}"

    @property
    def pipeline_stack_name(self) -> str:
        return pipeline_stack(self.stack_name)

    @property
    def dedicated_alb(self) -> bool:
        """Production with a custom domain gets its own load balancer."""
        return self.production and self.domain is not None

    def platform_hostname(self, platform: Platform) -> str:
        return f"{self.stack_name}.{platform.domain}"

    def hostname(self, platform: Platform) -> str:
        """Where the application answers: its custom domain, if it has one."""
        return self.domain.name if self.domain else self.platform_hostname(platform)

    def hosts(self, platform: Platform) -> list[str]:
        """The host names its listener rule matches: a dedicated load balancer serves the custom
        domain alone; the shared one serves the platform host name, and the custom domain too."""
        if self.dedicated_alb:
            return [self.domain.name]
        return [self.platform_hostname(platform)] + ([self.domain.name] if self.domain else [])

    def names(self, platform: Platform) -> EnvironmentNames:
        return EnvironmentNames(platform.name, self.customer, self.environment)


class Config(Model):
    """Everything synth needs, validated; ``customers`` sorted by stack name."""

    platform: Platform
    customers: tuple[Customer, ...]
    source_files: dict[str, str] = Field(default_factory=dict, description="stack name → file it came from")

    def customer(self, stack_name: str) -> Customer:
        for candidate in self.customers:
            if candidate.stack_name == stack_name:
                return candidate
        raise KeyError(stack_name)
