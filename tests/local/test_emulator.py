"""The local emulator: started and stopped by PID, the state bootstrap idempotent against it,
and moto's read-back defects corrected by its server (the demo's second plan, clean, covers
them all together)."""

from __future__ import annotations

import os
from pathlib import Path

import boto3
import pytest

from tests.conftest import ConfigDir
from vending.local import emulator as local
from vending.model.load import load_config
from vending.ops.bootstrap import bootstrap
from vending.review.plans import changed_paths


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


def test_the_server_reads_back_what_was_written(running_emulator):
    emu, _ = running_emulator
    client = lambda service: session(emu).client(service, region_name="eu-west-1", endpoint_url=emu.url)  # noqa: E731
    ec2, autoscaling = client("ec2"), client("autoscaling")
    tags = [{"ResourceType": "launch-template", "Tags": [{"Key": "team", "Value": "web"}]}]
    ec2.create_launch_template(
        LaunchTemplateName="readback", LaunchTemplateData={"ImageId": "ami-12345678"}, TagSpecifications=tags
    )
    [version] = ec2.describe_launch_template_versions(LaunchTemplateName="readback")["LaunchTemplateVersions"]
    assert not version["LaunchTemplateData"].get("TagSpecifications")  # its tags are not its instances'
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName="readback",
        MinSize=1,
        MaxSize=2,
        LaunchTemplate={"LaunchTemplateName": "readback"},
        AvailabilityZones=["eu-west-1a"],
    )
    autoscaling.put_scaling_policy(
        AutoScalingGroupName="readback",
        PolicyName="readback-cpu",
        PolicyType="TargetTrackingScaling",
        Enabled=True,
        TargetTrackingConfiguration={
            "PredefinedMetricSpecification": {"PredefinedMetricType": "ASGAverageCPUUtilization"},
            "TargetValue": 50.0,
        },
    )
    [policy] = autoscaling.describe_policies(AutoScalingGroupName="readback")["ScalingPolicies"]
    assert policy["Enabled"] is True and "PredictiveScalingConfiguration" not in policy

    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    one, other = (ec2.create_security_group(GroupName=n, Description=n, VpcId=vpc)["GroupId"] for n in ("a", "b"))
    ec2.authorize_security_group_ingress(
        GroupId=one,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 80,
                "ToPort": 80,
                "UserIdGroupPairs": [{"GroupId": other, "Description": "from b"}],
            }
        ],
    )
    rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [one]}])["SecurityGroupRules"]
    assert [r.get("Description") for r in rules if not r["IsEgress"]] == ["from b"]

    key = client("kms").create_key()["KeyMetadata"]["Arn"]
    codebuild = client("codebuild")
    codebuild.create_project(
        name="readback",
        source={"type": "S3", "location": "readback/source.zip"},
        artifacts={"type": "NO_ARTIFACTS"},
        environment={
            "type": "LINUX_CONTAINER",
            "image": "aws/codebuild/standard:7.0",
            "computeType": "BUILD_GENERAL1_SMALL",
        },
        serviceRole="arn:aws:iam::123456789012:role/readback",
        encryptionKey=key,
    )
    assert codebuild.batch_get_projects(names=["readback"])["projects"][0]["encryptionKey"] == key

    s3 = client("s3")
    for bucket in ("readback-logs", "readback"):
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    s3.put_bucket_acl(Bucket="readback-logs", ACL="log-delivery-write")
    key_format = {"PartitionedPrefix": {"PartitionDateSource": "EventTime"}}
    s3.put_bucket_logging(
        Bucket="readback",
        BucketLoggingStatus={
            "LoggingEnabled": {
                "TargetBucket": "readback-logs",
                "TargetPrefix": "x/",
                "TargetObjectKeyFormat": key_format,
            }
        },
    )
    assert s3.get_bucket_logging(Bucket="readback")["LoggingEnabled"]["TargetObjectKeyFormat"] == key_format
