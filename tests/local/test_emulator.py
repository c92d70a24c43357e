"""The local emulator: started and stopped by PID, the state bootstrap idempotent against it,
and the known-gap allow-list unable to hide anything but the listed gaps."""

from __future__ import annotations

import os
from pathlib import Path

import boto3
import pytest

from tests.conftest import ConfigDir
from vending.local import emulator as local
from vending.local import gaps
from vending.model.load import load_config
from vending.ops.bootstrap import bootstrap
from vending.review.plans import ResourceChange, changed_paths


@pytest.fixture(scope="module")
def running_emulator(tmp_path_factory):
    state = tmp_path_factory.mktemp("emulator") / "emulator.json"
    started, fresh = local.up(state)
    assert fresh
    yield started, state
    local.down(state)


def session(emu: local.Emulator) -> boto3.session.Session:
    return boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing")


def test_up_is_idempotent_and_down_stops_exactly_that_process(running_emulator):
    started, state = running_emulator
    again, fresh = local.up(state)
    assert again == started and not fresh
    assert started.url.startswith("http://127.0.0.1:")
    assert local.running(state) == started
    # A state file naming some other process is not acted upon.
    other = state.with_name("other.json")
    other.write_text(f'{{"pid": {os.getpid()}, "port": 1, "log": "x"}}')
    assert local.running(other) is None
    assert local.down(other) is not None and Path(f"/proc/{os.getpid()}").exists()


def test_bootstrap_creates_the_hardened_bucket_and_then_changes_nothing(running_emulator, tmp_path, monkeypatch):
    emu, _ = running_emulator
    for name, value in emu.environment("eu-west-1").items():
        monkeypatch.setenv(name, value)
    config_dir = ConfigDir(tmp_path / "customers")
    config_dir.platform(state={"bucket": "boot-test-bucket", "lock": "dynamodb", "lock_table": "boot-locks"})
    platform = load_config(config_dir.path).platform
    first = bootstrap(platform, session(emu))
    assert all(changed for _, changed in first)
    assert [what for what, _ in first] == [
        "bucket boot-test-bucket created in eu-west-1",
        "versioning enabled",
        "KMS encryption turned on",
        "public access blocked",
        "TLS-only bucket policy added",
        "lock table boot-locks created",
    ]
    second = bootstrap(platform, session(emu))
    assert not any(changed for _, changed in second)
    s3 = boto3.client("s3")
    assert s3.get_bucket_versioning(Bucket="boot-test-bucket")["Status"] == "Enabled"
    assert s3.get_public_access_block(Bucket="boot-test-bucket")["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True,
    }
    # The TLS-only policy does not lock out callers (the emulator applies bucket policies).
    s3.put_object(Bucket="boot-test-bucket", Key="probe", Body=b"x")


def change(kind: str, *paths: str, action: str = "update", unknown: tuple[str, ...] = ()) -> ResourceChange:
    return ResourceChange(f"{kind}.x", kind, action, paths, unknown)


def test_gap_allow_list_covers_only_listed_attributes():
    assert gaps.unexplained([change("aws_autoscaling_policy", "enabled")]) == []
    assert (
        gaps.unexplained(
            [change("aws_launch_template", "tag_specifications", "latest_version", unknown=("latest_version",))]
        )
        == []
    )
    assert gaps.unexplained([change("aws_autoscaling_policy", "enabled", "adjustment_type")]) == [
        "aws_autoscaling_policy.x: update of enabled, adjustment_type"
    ]
    # A follow-on is accepted only as "known after apply", never as a known new value.
    assert gaps.unexplained([change("aws_iam_role_policy", "policy")]) == ["aws_iam_role_policy.x: update of policy"]
    assert gaps.unexplained([change("aws_autoscaling_policy", "enabled", action="replace")]) == [
        "aws_autoscaling_policy.x: replace"
    ]
    assert gaps.unexplained([change("aws_s3_bucket", action="create")]) == ["aws_s3_bucket.x: create"]


def test_changed_paths_ignore_empty_blocks_but_not_values():
    before = {"a": [{"x": "", "y": []}], "b": 1, "c": {"d": "old"}}
    after = {"a": [], "b": 1, "c": {"d": "new"}}
    assert changed_paths(before, after, {}) == ["c.d"]
    assert changed_paths({"v": 1}, {"v": None}, {"v": True}) == ["v"]


def test_each_database_gets_its_own_resource_id(running_emulator):
    emu, _ = running_emulator
    rds = boto3.client(
        "rds",
        endpoint_url=emu.url,
        region_name="eu-west-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    ids = set()
    for name in ("first-db", "second-db"):
        created = rds.create_db_instance(
            DBInstanceIdentifier=name,
            Engine="mysql",
            DBInstanceClass="db.t3.micro",
            AllocatedStorage=20,
            MasterUsername="admin",
            ManageMasterUserPassword=True,
        )
        ids.add(created["DBInstance"]["DbiResourceId"])
    assert len(ids) == 2
