"""What a retired environment leaves, found and removed against moto (in process): its lock
entries, its bake record and its AMIs; an environment still retiring is left alone."""

from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

from vending.delivery import leftovers
from vending.model import priorities
from vending.model.load import load_config
from vending.settings import Settings

BUCKET = "vend-tfstate-111111111111"


@pytest.fixture
def aws(monkeypatch):
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        yield boto3.session.Session(region_name="eu-west-1")


def test_a_retired_environments_lock_entries_record_and_amis_are_removed_and_a_retiring_ones_kept(
    config_dir, tmp_path, aws
):
    config_dir.customer("acme", "dev")
    lock = "acme-dev: 100\ninitech-dev: {priority: 101, shard: 2}\ninitech-dev@102: 102\numbrella-dev: 103\n"
    (config_dir.path / priorities.LOCK_FILE).write_text(lock)
    images_dir = tmp_path / "images"
    images_dir.mkdir()
    for environment in ("acme-dev", "initech-dev", "umbrella-dev"):
        (images_dir / f"{environment}.json").write_text(json.dumps({"ami_id": "ami-0123456789abcdef0"}))
    s3, ec2 = aws.client("s3"), aws.client("ec2")
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    state = {"resources": [{"type": "aws_autoscaling_group"}]}
    s3.put_object(Bucket=BUCKET, Key="customers/umbrella/dev/infrastructure.tfstate", Body=json.dumps(state))
    [source] = ec2.describe_images(Owners=["amazon"])["Images"][:1]
    instance = ec2.run_instances(ImageId=source["ImageId"], MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    baked = ec2.create_image(InstanceId=instance, Name="vend-initech-dev-1")["ImageId"]
    ec2.create_tags(Resources=[baked], Tags=[{"Key": "vending:stack", "Value": "initech-dev"}])
    settings = Settings(customers_dir=config_dir.path, images_dir=images_dir)

    found, still = leftovers.find(settings, load_config(config_dir.path), ec2)
    assert still == ["umbrella-dev"]
    [initech] = found
    assert (initech.environment, initech.lock_entries) == ("initech-dev", ("initech-dev", "initech-dev@102"))
    assert initech.bake_record == images_dir / "initech-dev.json"
    assert [image.ami_id for image in initech.images] == [baked]

    said = []
    leftovers.remove(settings, found, ec2, said.append)
    assert priorities.read_lock(config_dir.path) == priorities.Lock({"acme-dev": 100, "umbrella-dev": 103}, {})
    assert sorted(path.stem for path in images_dir.glob("*.json")) == ["acme-dev", "umbrella-dev"]
    assert ec2.describe_images(Owners=["self"], Filters=[{"Name": "image-id", "Values": [baked]}])["Images"] == []
    assert said[-1] == "initech-dev: retired; 4 leftover(s) removed"
    body = leftovers.pull_request_body(found)
    assert "- `initech-dev`: priorities.lock: initech-dev; priorities.lock: initech-dev@102; bake record" in body
