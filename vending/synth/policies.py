"""Policy checks at synth: each stack's resources against small rules.

After synth, ``found`` checks each stack that the build names (a ``Checked``) on its synthesized
configuration, with one line per violation, naming the construct path
(``acme-prod/database/instance: production database must have deletion protection``).
``app.synthesize`` turns them into a ConfigError before anything is written. Each rule is one
``Rule``: the resource types it looks at, what it requires, and a predicate over one
resource's configuration (and, for rules that look at a resource's companions, the whole stack).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vending.synth import output

Config = dict[str, Any]


@dataclass(frozen=True)
class Rule:
    types: frozenset[str]  # resource types, or data.<type> for data sources
    requirement: str  # the message when violated
    holds: Callable[[Config, Config], bool]  # (resource configuration, stack configuration)
    production_only: bool = False
    deletion_guard: bool = False  # lifted for stacks in VENDING_ALLOW_DESTROY


def _rule(*types: str, production_only: bool = False, deletion_guard: bool = False):
    def register(holds: Callable[[Config, Config], bool]) -> Rule:
        return Rule(frozenset(types), holds.__doc__ or "", holds, production_only, deletion_guard)

    return register


# --- production: deletion protection and backups ----------------------------------------------


@_rule("aws_db_instance", production_only=True, deletion_guard=True)
def database_deletion_protection(resource: Config, stack: Config) -> bool:
    """production database must have deletion protection"""
    return resource.get("deletion_protection") is True


@_rule("aws_db_instance", production_only=True)
def database_backups(resource: Config, stack: Config) -> bool:
    """production database must keep backups (backup_retention_period ≥ 1)"""
    return int(resource.get("backup_retention_period") or 0) >= 1


@_rule("aws_db_instance", production_only=True)
def database_final_snapshot(resource: Config, stack: Config) -> bool:
    """production database must take a final snapshot when deleted"""
    return resource.get("skip_final_snapshot") is False and bool(resource.get("final_snapshot_identifier"))


@_rule("aws_lb", production_only=True, deletion_guard=True)
def load_balancer_deletion_protection(resource: Config, stack: Config) -> bool:
    """production load balancer must have deletion protection"""
    return resource.get("enable_deletion_protection") is True


# --- encryption everywhere ---------------------------------------------------------------------


@_rule("aws_db_instance")
def database_encrypted(resource: Config, stack: Config) -> bool:
    """database storage must be encrypted (storage_encrypted)"""
    return resource.get("storage_encrypted") is True


@_rule("aws_launch_template")
def volumes_encrypted(resource: Config, stack: Config) -> bool:
    """every EBS volume of a launch template must be encrypted"""
    mappings = resource.get("block_device_mappings") or []
    return all(str((m.get("ebs") or {}).get("encrypted")).lower() == "true" for m in mappings)


@_rule("aws_s3_bucket")
def bucket_encrypted(resource: Config, stack: Config) -> bool:
    """bucket must have default encryption"""
    return bool(_companions(stack, resource, "aws_s3_bucket_server_side_encryption_configuration"))


@_rule("aws_sns_topic")
def topic_encrypted(resource: Config, stack: Config) -> bool:
    """SNS topic must be encrypted with a KMS key (kms_master_key_id)"""
    return bool(resource.get("kms_master_key_id"))


@_rule("aws_codebuild_project")
def build_encrypted(resource: Config, stack: Config) -> bool:
    """CodeBuild project must encrypt its output with a KMS key (encryption_key)"""
    return bool(resource.get("encryption_key"))


# --- instances, buckets, IAM -----------------------------------------------------------------


@_rule("aws_launch_template")
def imdsv2_required(resource: Config, stack: Config) -> bool:
    """launch template must require IMDSv2 (metadata_options.http_tokens = required)"""
    return (resource.get("metadata_options") or {}).get("http_tokens") == "required"


PUBLIC_ACCESS_SETTINGS = ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")


@_rule("aws_s3_bucket")
def bucket_not_public(resource: Config, stack: Config) -> bool:
    """bucket must have a public access block with all four settings true"""
    blocks = _companions(stack, resource, "aws_s3_bucket_public_access_block")
    return any(all(block.get(setting) is True for setting in PUBLIC_ACCESS_SETTINGS) for block in blocks)


_WILDCARD_ACTION = re.compile(r"(?:[\w-]+:)?\*")


@_rule("data.aws_iam_policy_document")
def no_wildcard_actions(resource: Config, stack: Config) -> bool:
    """policy must not allow "*" or "<service>:*" actions (a Deny may)"""
    return not any(
        _WILDCARD_ACTION.fullmatch(action)
        for statement in resource.get("statement") or []
        if statement.get("effect", "Allow") == "Allow"
        for action in statement.get("actions") or []
    )


@_rule("aws_iam_role", "aws_iam_role_policy", "aws_iam_policy")
def policies_are_documents(resource: Config, stack: Config) -> bool:
    """policy must come from an aws_iam_policy_document (JSON strings escape the checks)"""
    policy = resource.get("assume_role_policy", resource.get("policy", ""))
    return isinstance(policy, str) and policy.startswith("${data.aws_iam_policy_document.")


RULES: tuple[Rule, ...] = (
    database_deletion_protection,
    database_backups,
    database_final_snapshot,
    load_balancer_deletion_protection,
    database_encrypted,
    volumes_encrypted,
    bucket_encrypted,
    topic_encrypted,
    build_encrypted,
    imdsv2_required,
    bucket_not_public,
    no_wildcard_actions,
    policies_are_documents,
)


# --- evaluation ---------------------------------------------------------------------------


def _elements(stack: Config) -> Iterator[tuple[str, str, Config]]:
    """(type, name, configuration) of every resource and data source; data sources as data.<type>."""
    for prefix, block in (("", "resource"), ("data.", "data")):
        for kind, named in (stack.get(block) or {}).items():
            for name, config in named.items():
                yield f"{prefix}{kind}", name, config


def _companions(stack: Config, bucket: Config, kind: str) -> list[Config]:
    """The resources of ``kind`` that configure ``bucket`` (by reference or by name)."""
    name = next(n for n, c in (stack.get("resource") or {}).get("aws_s3_bucket", {}).items() if c is bucket)
    refs = {f"${{aws_s3_bucket.{name}.id}}", f"${{aws_s3_bucket.{name}.bucket}}", bucket.get("bucket")}
    return [c for c in (stack.get("resource") or {}).get(kind, {}).values() if c.get("bucket") in refs - {None}]


def violations(stack: Config, *, production: bool, destroying: bool = False) -> list[str]:
    """One line per violated rule: ``<construct path>: <requirement>``."""
    found = []
    for kind, name, config in _elements(stack):
        path = config.get("//", {}).get("metadata", {}).get("path", f"{kind}.{name}")
        for rule in RULES:
            applies = kind in rule.types and (production or not rule.production_only)
            if applies and not (destroying and rule.deletion_guard) and not rule.holds(config, stack):
                found.append(f"{path}: {rule.requirement}")
    return found


@dataclass(frozen=True)
class Checked:
    """A stack to check (by name: asking Node for a stack's id costs two calls): with the
    production rules when ``production``, without the deletion guards when ``destroying``."""

    stack: str
    production: bool
    destroying: bool = False


def found(outdir: Path, checked: Iterable[Checked]) -> list[str]:
    """Every violation in the ``checked`` stacks of a synthesized output, on their configuration
    as synthesized: read back from the output, since asking Node for it costs about as much as
    synthesizing the stack (and checking as an Aspect written in Python, a call from Node for
    every construct)."""
    synthesized = output.synthesized(outdir)
    return [
        line
        for check in checked
        for line in violations(synthesized[check.stack], production=check.production, destroying=check.destroying)
    ]
