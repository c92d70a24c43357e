"""AWS resource names, kept inside AWS's limits for any valid configuration.

Names are built from the platform name, the customer and the environment. When a name is
too long it is cut and given a short hash of the full name, so shortening is deterministic
(same input, same name) and two different long names do not collide.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from vending.model.limits import (
    ALB_NAME_MAX,
    AMI_NAME_CHARACTERS,
    AMI_NAME_MAX,
    ASG_NAME_MAX,
    CODEBUILD_NAME_MAX,
    CODEDEPLOY_NAME_MAX,
    CODEPIPELINE_NAME_MAX,
    DB_NAME_MAX,
    IAM_ROLE_MAX,
    LAUNCH_TEMPLATE_MAX,
    RDS_IDENTIFIER_MAX,
    S3_BUCKET_MAX,
    SECURITY_GROUP_NAME_MAX,
    SNS_TOPIC_MAX,
    WEB_ACL_NAME_MAX,
)

HASH_LENGTH = 6

SHARED_ALB_STACK = "shared-alb"  # the first shard of the shared load balancer; then shared-alb-2, …
PIPELINE_SUFFIX = "-pipeline"  # "<customer>-<env>-pipeline": the environment's pipeline stack
PRODUCTION = "prod"  # the environment that is production

WAF_LOG_BUCKET_PREFIX = "aws-waf-logs-"  # WAF delivers logs only to buckets named so

_AMI_NAME_ALLOWED = re.compile(f"[^{AMI_NAME_CHARACTERS}]")
_SHARD_STACK = re.compile(r"shared-alb(?:-([2-9]|[1-9][0-9]+))?")


def shared_alb_stack(shard: int = 1) -> str:
    """The stack of a shard of the shared load balancer: shared-alb, shared-alb-2, …"""
    return SHARED_ALB_STACK if shard == 1 else f"{SHARED_ALB_STACK}-{shard}"


def shard_of_stack(stack: str) -> int | None:
    """Which shard of the shared load balancer a platform stack holds; None for other stacks."""
    found = _SHARD_STACK.fullmatch(stack)
    return None if found is None else int(found[1] or 1)


def platform_stack(stack: str) -> bool:
    return shard_of_stack(stack) is not None


def pipeline_stack(environment_stack: str) -> str:
    return f"{environment_stack}{PIPELINE_SUFFIX}"


def stack_environment(stack: str) -> str:
    """A stack's environment: the last part of its name (environments have no hyphens)."""
    return "platform" if platform_stack(stack) else stack.removesuffix(PIPELINE_SUFFIX).rsplit("-", 1)[-1]


def production_stack(stack: str) -> bool:
    """Whether a stack is production's: its environment's, or a shared load balancer's, which
    serves production too."""
    return platform_stack(stack) or stack_environment(stack) == PRODUCTION


def short_hash(text: str, length: int = HASH_LENGTH) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def fit(name: str, limit: int, *, separator: str = "-") -> str:
    """Return ``name`` if it fits, else a prefix of it plus a hash of the whole name."""
    if len(name) <= limit:
        return name
    keep = limit - HASH_LENGTH - len(separator)
    prefix = name[:keep].rstrip("-_.")
    return f"{prefix}{separator}{short_hash(name)}"


def ami_safe(text: str) -> str:
    """Replace characters that AMI names do not allow."""
    return _AMI_NAME_ALLOWED.sub("-", text)


@dataclass(frozen=True)
class PlatformNames:
    platform: str

    @staticmethod
    def _shard(name: str, shard: int) -> str:
        return name if shard == 1 else f"{name}-{shard}"  # the first shard keeps the names it had

    def shared_alb(self, shard: int = 1) -> str:
        return fit(self._shard(f"{self.platform}-shared", shard), ALB_NAME_MAX)

    def shared_alb_security_group(self, shard: int = 1) -> str:
        return fit(self._shard(f"{self.platform}-shared-alb", shard), SECURITY_GROUP_NAME_MAX)

    @property
    def network(self) -> str:
        return self.platform

    def shared_web_acl(self, shard: int = 1) -> str:
        return fit(self._shard(f"{self.platform}-shared", shard), WEB_ACL_NAME_MAX)

    def log_bucket(self, account_id: str) -> str:
        """The platform's log bucket (load balancers, WAF, VPC flow logs, S3 access logs)."""
        return fit(f"{WAF_LOG_BUCKET_PREFIX}{self.platform}-{account_id}", S3_BUCKET_MAX)


@dataclass(frozen=True)
class EnvironmentNames:
    """Every AWS name of one customer environment (``<platform>-<customer>-<env>``)."""

    platform: str
    customer: str
    environment: str

    @property
    def base(self) -> str:
        return f"{self.platform}-{self.customer}-{self.environment}"

    def _named(self, suffix: str, limit: int) -> str:
        return fit(f"{self.base}-{suffix}" if suffix else self.base, limit)

    # --- infrastructure stack -----------------------------------------------------------
    @property
    def target_group(self) -> str:
        return self._named("", ALB_NAME_MAX)

    @property
    def dedicated_alb(self) -> str:
        return self._named("", ALB_NAME_MAX)

    @property
    def web_acl(self) -> str:
        return self._named("", WEB_ACL_NAME_MAX)

    @property
    def alb_security_group(self) -> str:
        return self._named("alb", SECURITY_GROUP_NAME_MAX)

    @property
    def instance_security_group(self) -> str:
        return self._named("instances", SECURITY_GROUP_NAME_MAX)

    @property
    def database_security_group(self) -> str:
        return self._named("database", SECURITY_GROUP_NAME_MAX)

    @property
    def launch_template(self) -> str:
        return self._named("", LAUNCH_TEMPLATE_MAX)

    @property
    def autoscaling_group(self) -> str:
        return self._named("", ASG_NAME_MAX)

    @property
    def instance_role(self) -> str:
        return self._named("instance", IAM_ROLE_MAX)

    @property
    def instance_profile(self) -> str:
        return self._named("instance", IAM_ROLE_MAX)

    @property
    def db_identifier(self) -> str:
        # Customer and environment names never contain "--" or end with "-", so neither
        # does the identifier; the hash suffix is hex and the prefix starts with a letter.
        return self._named("", RDS_IDENTIFIER_MAX)

    @property
    def db_monitoring_role(self) -> str:
        return self._named("rds-monitoring", IAM_ROLE_MAX)

    @property
    def db_subnet_group(self) -> str:
        return self._named("", 255)

    def db_parameter_group(self, family: str) -> str:
        """Named after its engine family, so that an upgrade makes a new group beside the old."""
        return self._named(family.replace(".", "-"), 255)

    @property
    def db_key_alias(self) -> str:
        return fit(f"alias/{self.base}-database", 256)

    @property
    def db_name(self) -> str:
        """Database name: letters and digits only, starting with a letter."""
        raw = re.sub(r"[^a-z0-9]", "", f"{self.customer}{self.environment}")
        return fit(raw, DB_NAME_MAX, separator="")

    # --- pipeline stack -----------------------------------------------------------------
    @property
    def pipeline(self) -> str:
        return self._named("", CODEPIPELINE_NAME_MAX)

    @property
    def test_project(self) -> str:
        return self._named("test", CODEBUILD_NAME_MAX)

    @property
    def codedeploy_application(self) -> str:
        return self._named("", CODEDEPLOY_NAME_MAX)

    @property
    def deployment_group(self) -> str:
        return self._named("", CODEDEPLOY_NAME_MAX)

    @property
    def test_log_group(self) -> str:
        return f"/aws/codebuild/{self.test_project}"  # CodeBuild's conventional name

    @property
    def approval_topic(self) -> str:
        return self._named("approval", SNS_TOPIC_MAX)

    @property
    def pipeline_role(self) -> str:
        return self._named("pipeline", IAM_ROLE_MAX)

    @property
    def codebuild_role(self) -> str:
        return self._named("codebuild", IAM_ROLE_MAX)

    @property
    def codedeploy_role(self) -> str:
        return self._named("codedeploy", IAM_ROLE_MAX)

    @property
    def artifact_key_alias(self) -> str:
        return fit(f"alias/{self.base}-artifacts", 256)

    def artifact_bucket(self, account_id: str) -> str:
        """Globally unique by carrying the account id; always 3–63 lowercase characters."""
        return fit(f"{self.base}-artifacts-{account_id}", S3_BUCKET_MAX)

    # --- images ---------------------------------------------------------------------------
    def ami_name(self, build: str) -> str:
        return fit(ami_safe(f"ami-{self.customer}-{self.environment}-{build}"), AMI_NAME_MAX)

    def instance_name(self, build: str) -> str:
        return fit(f"{self.customer}-{self.environment}-{build}", 255)
