"""The synth-time policies: each rule on a tiny in-process stack, compliant and not; and a
violation stopping synth with the construct path, nothing written."""

from __future__ import annotations

import json

import pytest

from tests.conftest import ConfigDir, tree_digest

KEY = "arn:aws:kms:eu-west-1:111111111111:key/0b6f3c6e-2d7a-4b59-9a55-3f1e8f2a1c01"


def violations(tmp_path, build, *, production: bool = True, destroying: bool = False) -> list[str]:
    """Build one resource (or a few) with ``build(scope)`` in stack acme-prod, synthesize it in
    this process, and return what the policy check found."""
    from vending import speedups
    from vending.synth import policies

    speedups.install(True)  # the kernel the app uses, whichever test starts it
    from cdktf import App, TerraformStack
    from cdktf_cdktf_provider_aws.provider import AwsProvider
    from constructs import Construct

    tmp_path.mkdir(parents=True, exist_ok=True)
    app = App(outdir=str(tmp_path / "out"), stack_traces=False)
    stack = TerraformStack(app, "acme-prod")
    AwsProvider(stack, "aws", region="eu-west-1")
    build(Construct(stack, "component"))
    app.synth()
    return policies.found(tmp_path / "out", [policies.Checked("acme-prod", production, destroying)])


def database(**overrides):
    def build(scope):
        from cdktf_cdktf_provider_aws.db_instance import DbInstance

        settings = {
            "instance_class": "db.t3.small",
            "engine": "mysql",
            "allocated_storage": 20,
            "storage_encrypted": True,
            "deletion_protection": True,
            "backup_retention_period": 7,
            "skip_final_snapshot": False,
            "final_snapshot_identifier": "acme-prod-final",
        }
        DbInstance(scope, "instance", **{**settings, **overrides})

    return build


def load_balancer(protected: bool):
    def build(scope):
        from cdktf_cdktf_provider_aws.lb import Lb

        Lb(scope, "instance", name="acme-prod", enable_deletion_protection=protected)

    return build


def launch_template(*, encrypted: str = "true", http_tokens: str = "required"):
    def build(scope):
        from cdktf_cdktf_provider_aws.launch_template import (
            LaunchTemplate,
            LaunchTemplateBlockDeviceMappings,
            LaunchTemplateBlockDeviceMappingsEbs,
            LaunchTemplateMetadataOptions,
        )

        LaunchTemplate(
            scope,
            "instance",
            metadata_options=LaunchTemplateMetadataOptions(http_tokens=http_tokens),
            block_device_mappings=[
                LaunchTemplateBlockDeviceMappings(
                    device_name="/dev/xvda", ebs=LaunchTemplateBlockDeviceMappingsEbs(encrypted=encrypted)
                )
            ],
        )

    return build


def bucket(*, encrypted: bool = True, public_access: dict | None = None):
    """A bucket, its encryption (unless not ``encrypted``) and its public access block (all true,
    unless ``public_access`` says otherwise; an empty dict: no block at all)."""

    def build(scope):
        from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket
        from cdktf_cdktf_provider_aws.s3_bucket_public_access_block import S3BucketPublicAccessBlock
        from cdktf_cdktf_provider_aws.s3_bucket_server_side_encryption_configuration import (
            S3BucketServerSideEncryptionConfigurationA,
            S3BucketServerSideEncryptionConfigurationRuleA,
            S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA,
        )

        created = S3Bucket(scope, "instance", bucket="acme-prod-bucket")
        if encrypted:
            S3BucketServerSideEncryptionConfigurationA(
                scope,
                "encryption",
                bucket=created.id,
                rule=[
                    S3BucketServerSideEncryptionConfigurationRuleA(
                        apply_server_side_encryption_by_default=(
                            S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA(
                                sse_algorithm="AES256"
                            )
                        )
                    )
                ],
            )
        settings = dict.fromkeys(
            ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"), True
        )
        if public_access != {}:
            S3BucketPublicAccessBlock(
                scope, "public-access", bucket=created.id, **{**settings, **(public_access or {})}
            )

    return build


def topic(key: str | None):
    def build(scope):
        from cdktf_cdktf_provider_aws.sns_topic import SnsTopic

        SnsTopic(scope, "instance", name="approval", kms_master_key_id=key)

    return build


def build_project(key: str | None):
    def build(scope):
        from cdktf_cdktf_provider_aws.codebuild_project import (
            CodebuildProject,
            CodebuildProjectArtifacts,
            CodebuildProjectEnvironment,
            CodebuildProjectSource,
        )

        CodebuildProject(
            scope,
            "instance",
            name="tests",
            service_role="arn:aws:iam::111111111111:role/build",
            source=CodebuildProjectSource(type="CODEPIPELINE"),
            artifacts=CodebuildProjectArtifacts(type="CODEPIPELINE"),
            environment=CodebuildProjectEnvironment(
                type="LINUX_CONTAINER", compute_type="BUILD_GENERAL1_SMALL", image="aws/codebuild/standard:7.0"
            ),
            encryption_key=key,
        )

    return build


def policy_document(*actions: str, effect: str = "Allow"):
    def build(scope):
        from vending.synth.components.iam import Statement, policy_document

        policy_document(scope, "instance", Statement(actions=list(actions), resources=["*"], effect=effect))

    return build


def role(*, as_document: bool):
    def build(scope):
        from cdktf_cdktf_provider_aws.iam_role import IamRole

        from vending.synth.components.iam import assume_role_policy

        trust = (
            assume_role_policy(scope, "trust", "ec2.amazonaws.com").json
            if as_document
            else json.dumps({"Statement": [{"Effect": "Allow", "Action": "*", "Principal": {"AWS": "*"}}]})
        )
        IamRole(scope, "instance", name="acme-prod", assume_role_policy=trust)

    return build


PATH = "acme-prod/component/instance"
RULES = [
    # (compliant, non-compliant, expected violation)
    (database(), database(deletion_protection=False), "production database must have deletion protection"),
    (database(), database(backup_retention_period=0), "production database must keep backups"),
    (
        database(),
        database(skip_final_snapshot=True, final_snapshot_identifier=None),
        "production database must take a final snapshot when deleted",
    ),
    (load_balancer(True), load_balancer(False), "production load balancer must have deletion protection"),
    (database(), database(storage_encrypted=False), "database storage must be encrypted (storage_encrypted)"),
    (launch_template(), launch_template(encrypted="false"), "every EBS volume of a launch template must be encrypted"),
    (launch_template(), launch_template(http_tokens="optional"), "launch template must require IMDSv2"),
    (bucket(), bucket(encrypted=False), "bucket must have default encryption"),
    (bucket(), bucket(public_access={"restrict_public_buckets": False}), "bucket must have a public access block"),
    (bucket(), bucket(public_access={}), "bucket must have a public access block"),
    (topic(KEY), topic(None), "SNS topic must be encrypted with a KMS key"),
    (build_project(KEY), build_project(None), "CodeBuild project must encrypt its output with a KMS key"),
    (policy_document("s3:GetObject"), policy_document("s3:*"), 'policy must not allow "*" or "<service>:*" actions'),
    (policy_document("s3:GetObject"), policy_document("*"), 'policy must not allow "*" or "<service>:*" actions'),
    (role(as_document=True), role(as_document=False), "policy must come from an aws_iam_policy_document"),
]


@pytest.mark.parametrize(("compliant", "violating", "expected"), RULES, ids=[r[2][:45] for r in RULES])
def test_rule(tmp_path, compliant, violating, expected):
    assert violations(tmp_path / "ok", compliant) == []
    (found,) = violations(tmp_path / "bad", violating)
    assert found.startswith(f"{PATH}: {expected}")


def test_a_deny_may_name_every_action(tmp_path):
    assert violations(tmp_path, policy_document("s3:*", effect="Deny")) == []


def test_production_rules_only_apply_to_production(tmp_path):
    assert violations(tmp_path, database(deletion_protection=False, backup_retention_period=0), production=False) == []
    assert violations(tmp_path, database(storage_encrypted=False), production=False) == [
        f"{PATH}: database storage must be encrypted (storage_encrypted)"
    ]


def test_opting_in_to_destroy_lifts_only_the_deletion_guards(tmp_path):
    assert violations(tmp_path, database(deletion_protection=False), destroying=True) == []
    assert violations(tmp_path, database(deletion_protection=False, skip_final_snapshot=True), destroying=True) == [
        f"{PATH}: production database must take a final snapshot when deleted"
    ]


def test_a_violation_stops_synth_naming_stack_and_construct(samples_dir, tmp_path, sample_synth, monkeypatch):
    from vending.errors import ConfigError
    from vending.model import rules
    from vending.settings import Settings
    from vending.synth.app import synthesize

    # The configuration refuses this first; without that rule, the synth policy must.
    monkeypatch.setattr(rules, "_production_database_problems", lambda customer: [])
    config = ConfigDir(tmp_path / "customers")
    for source in samples_dir.iterdir():
        (config.path / source.name).write_text(source.read_text())
    prod = (config.path / "acme-prod.yaml").read_text()
    (config.path / "acme-prod.yaml").write_text(
        prod.replace("storage_gb: 20", "storage_gb: 20\n  deletion_protection: false")
    )
    previous = tmp_path / "cdktf.out"
    previous.mkdir()
    (previous / "manifest.json").write_text("{}")
    before = tree_digest(previous)
    settings = Settings(
        customers_dir=config.path, outdir=previous, images_dir=tmp_path / "images", stacks=("acme-prod",)
    )
    with pytest.raises(ConfigError) as caught:
        synthesize(settings, log=lambda _: None)
    assert caught.value.problems == ["acme-prod/database/instance: production database must have deletion protection"]
    assert tree_digest(previous) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cdktf.out", "customers"]
