"""Retiring stacks: found from the backend's keys, destroyed from what was last applied, their
data's fate said in the review, production held back until ``retire: true`` was applied."""

from __future__ import annotations

import json

import pytest

from tests.conftest import git, synthesize
from vending.delivery import plan, retiring
from vending.review import report
from vending.review.model import StackReview
from vending.review.plans import ResourceChange
from vending.settings import Settings


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("platform/shared-alb.tfstate", ("shared-alb", "platform/shared-alb.tfstate")),
        ("platform/shared-alb-3.tfstate.applied.json", ("shared-alb-3", "platform/shared-alb-3.tfstate")),
        ("customers/acme/dev/infrastructure.tfstate", ("acme-dev", "customers/acme/dev/infrastructure.tfstate")),
        (
            "customers/acme-corp/prod/pipeline.tfstate.applied.tf.json",
            ("acme-corp-prod-pipeline", "customers/acme-corp/prod/pipeline.tfstate"),
        ),
        ("customers/acme/dev/infrastructure.tfstate.tflock", None),  # a lock, not a state
        ("customers/acme/dev/notes.txt", None),
        ("platform/other.tfstate", None),
    ],
)
def test_a_backend_key_names_its_stack(key, expected):
    assert retiring.stack_of(key) == expected


def test_what_becomes_of_the_data_is_read_from_what_was_applied(config_dir, tmp_path):
    config_dir.customer("acme", "dev", database={"engine": "mysql", "version": "8.0"})
    synth = synthesize(config_dir.path, tmp_path / "cdktf.out")
    environment = (synth.outdir / "stacks" / "acme-dev" / "cdk.tf.json").read_bytes()
    pipeline = (synth.outdir / "stacks" / "acme-dev-pipeline" / "cdk.tf.json").read_bytes()
    assert retiring.fate(environment)[0] == "database vend-acme-dev: its final snapshot vend-acme-dev-final is kept"
    assert "bucket vend-acme-dev-artifacts-111111111111: its objects are deleted with it" in retiring.fate(pipeline)
    assert retiring.fate(None) == []


def test_production_retire_releases_the_protections_and_keeps_the_final_snapshot(config_dir, tmp_path):
    config_dir.customer("acme", "prod", database={"engine": "mysql", "version": "8.0"})
    held = synthesize(config_dir.path, tmp_path / "held").one("acme-prod", "aws_db_instance")
    assert held["lifecycle"] == {"prevent_destroy": True} and held["deletion_protection"] is True
    config_dir.customer("acme", "prod", database={"engine": "mysql", "version": "8.0"}, retire=True)
    released = synthesize(config_dir.path, tmp_path / "released")
    database = released.one("acme-prod", "aws_db_instance")
    assert "lifecycle" not in database and database["deletion_protection"] is False
    assert (database["skip_final_snapshot"], database["final_snapshot_identifier"]) == (False, "vend-acme-prod-final")
    assert released.one("acme-prod-pipeline", "aws_s3_bucket")["force_destroy"] is True


def test_a_renamed_environments_database_starts_from_the_retired_ones_final_snapshot(config_dir, tmp_path):
    moved = {"engine": "mysql", "version": "8.0", "snapshot_identifier": "vend-initech-dev-final"}
    config_dir.customer("acme", "dev", database=moved)
    config_dir.customer("acme", "prod", database=moved | {"snapshot_identifier": _SHARED_SNAPSHOT})
    synth = synthesize(config_dir.path, tmp_path / "cdktf.out")
    database = synth.one("acme-dev", "aws_db_instance")
    assert database["snapshot_identifier"] == "vend-initech-dev-final"
    # Read when the database is created, never again: no later plan replaces it over the field.
    assert database["lifecycle"] == {"ignore_changes": ["snapshot_identifier", "db_name"]}
    held = synth.one("acme-prod", "aws_db_instance")
    assert held["snapshot_identifier"] == _SHARED_SNAPSHOT
    assert held["lifecycle"] == {"ignore_changes": ["snapshot_identifier", "db_name"], "prevent_destroy": True}


_SHARED_SNAPSHOT = "arn:aws:rds:eu-west-1:222222222222:snapshot:vend-initech-prod-final"


def test_a_stack_applied_before_configurations_were_kept_is_never_destroyed_from_a_guess(tmp_path):
    unknown = retiring.Retiring("acme-dev", "customers/acme/dev/infrastructure.tfstate", None, "no commit has it")
    found = plan.plan_retiring(unknown, tmp_path, {}, commit="c")
    assert found.error.startswith("acme-dev is retiring (its definition is gone from the configuration), but no")
    assert "from its file's history (no commit has it)" in found.error
    assert "restore its customer file, plan and apply it once" in found.error
    assert not (tmp_path / "stacks").exists()


def test_without_a_kept_configuration_it_is_synthesized_from_the_last_commit_that_had_its_file(config_dir, tmp_path):
    config_dir.customer("acme", "dev", database={"engine": "mysql", "version": "8.0"})
    config_dir.customer("globex", "dev")
    repo = config_dir.path.parent
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "two environments")
    git(repo, "rm", "-q", "customers/acme-dev.yaml")
    git(repo, "commit", "-q", "-m", "acme-dev removed")
    settings = Settings(customers_dir=config_dir.path, images_dir=tmp_path / "images")

    found = retiring.from_history(settings, "acme-dev", "customers/acme/dev/infrastructure.tfstate")
    assert found.origin.startswith("synthesized from customers/acme-dev.yaml at commit ")
    assert retiring.fate(found.configuration)[0].startswith("database vend-acme-dev: its final snapshot")
    pipeline = retiring.from_history(settings, "acme-dev-pipeline", "customers/acme/dev/pipeline.tfstate")
    assert json.loads(pipeline.configuration)["terraform"]["backend"]["s3"]["key"] == pipeline.key

    elsewhere = retiring.from_history(settings, "acme-dev", "customers/acme/dev/other.tfstate")
    assert (
        elsewhere.configuration is None and "keeps its state at customers/acme/dev/infrastructure" in elsewhere.origin
    )
    never = retiring.from_history(settings, "initech-dev", "customers/initech/dev/infrastructure.tfstate")
    assert (never.configuration, never.origin) == (None, "no commit has customers/initech-dev.yaml")


def test_the_review_opens_with_what_retires_and_what_becomes_of_its_data():
    delete = ResourceChange("aws_db_instance.database_instance_1", "aws_db_instance", "delete", ())
    reviews = [
        StackReview("acme-dev", (delete,)),
        StackReview("acme-dev-pipeline", ()),
        StackReview("acme-prod", error="Error: Instance cannot be destroyed\n\nacme-prod is production: retire it"),
        StackReview("globex-dev", (ResourceChange("aws_lb_target_group.x", "aws_lb_target_group", "update", ()),)),
    ]
    fates = {
        "acme-dev": ["database vend-acme-dev: its final snapshot vend-acme-dev-final is kept"],
        "acme-dev-pipeline": [],
        "acme-prod": [],
    }
    text = report.render(reviews, retiring=fates)
    section = text.split("**🗑️ Retiring**", 1)[1].split("\n\n", 1)[0]
    assert section.splitlines()[1:] == [
        "> - `acme-dev-pipeline`: 0 resource(s) destroyed",
        "> - `acme-dev`: 1 resource(s) destroyed; database vend-acme-dev: its final snapshot"
        " vend-acme-dev-final is kept",
        "> - `acme-prod`: **not destroyed**: acme-prod is production: retire it",
    ]
    assert text.index("🗑️ Retiring") < text.index("❌ Not planned")
    assert json.loads(json.dumps(report.as_data(reviews, retiring=fates)))["retiring"] == fates
