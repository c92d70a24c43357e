"""The live preflight's checks that the emulator cannot answer, against botocore's Stubber with
responses shaped like AWS's: RDS orderable options (moto knows only Aurora's and Neptune's) and
the source connection's status (moto has no CodeConnections). The checks moto answers (instance
type offerings, images, ACM, ECR) run on the emulator (tests/e2e/test_preflight_e2e.py)."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from vending.model import images
from vending.model.load import load_config
from vending.ops.preflight import Preflight

REGION = "eu-west-1"
CONNECTION = "arn:aws:codestar-connections:eu-west-1:111111111111:connection/5f2d8c1a-9b7e-4e3f-a6d1-2c8b0e4f7a19"


class Session:
    """A boto3 session whose clients are the stubbed ones given."""

    def __init__(self, **clients):
        self.clients = clients

    def client(self, service, region_name=None):
        return self.clients[service.replace("-", "_")]


def client(service: str):
    return boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    ).client(service)


@pytest.fixture
def config(config_dir):
    config_dir.customer("acme", "dev", database={"engine": "mysql", "version": "8.0", "instance_class": "db.t3.small"})
    config_dir.customer("globex", "dev")
    return load_config(config_dir.path)


def orderable(version: str) -> dict:
    return {
        "OrderableDBInstanceOptions": [{"Engine": "mysql", "EngineVersion": version, "DBInstanceClass": "db.t3.small"}]
    }


def test_a_database_class_not_orderable_for_the_version_is_refused(config):
    rds = client("rds")
    checks = Preflight(Session(rds=rds), config, {})
    with Stubber(rds) as stub:
        expected = {"Engine": "mysql", "DBInstanceClass": "db.t3.small"}
        stub.add_response("describe_orderable_db_instance_options", {"OrderableDBInstanceOptions": []}, expected)
        stub.add_response("describe_orderable_db_instance_options", orderable("8.4.3"), expected)
        stub.add_response("describe_orderable_db_instance_options", orderable("8.0.39"), expected)
        refused = "db.t3.small is not orderable for mysql 8.0 in eu-west-1 (DescribeOrderableDBInstanceOptions)"
        assert checks._orderable("mysql", "8.0", "db.t3.small") == refused
        assert checks._orderable("mysql", "8.0", "db.t3.small") == refused  # 8.4 is not 8.0
        assert checks._orderable("mysql", "8.0", "db.t3.small") is None


def test_an_exact_version_is_asked_for_as_it_is(config):
    rds = client("rds")
    with Stubber(rds) as stub:
        stub.add_response(
            "describe_orderable_db_instance_options",
            orderable("8.0.39"),
            {"Engine": "mysql", "DBInstanceClass": "db.t3.small", "EngineVersion": "8.0.39"},
        )
        assert Preflight(Session(rds=rds), config, {})._orderable("mysql", "8.0.39", "db.t3.small") is None


@pytest.mark.parametrize(("status", "answer"), [("AVAILABLE", None), ("PENDING", "the connection is PENDING")])
def test_a_connection_must_be_available(config, status, answer):
    connections = client("codestar-connections")
    with Stubber(connections) as stub:
        connection = {"ConnectionName": "github", "ConnectionArn": CONNECTION, "ConnectionStatus": status}
        stub.add_response("get_connection", {"Connection": connection}, {"ConnectionArn": CONNECTION})
        found = Preflight(Session(codestar_connections=connections), config, {})._connection(CONNECTION)
    assert (found or "").startswith(answer or "") and (found is None) == (answer is None)


def test_each_value_is_asked_about_once_and_each_refusal_names_file_field_and_answer(config):
    """Two environments on one instance type and one image: one question each, two refusals."""
    ec2, rds = client("ec2"), client("rds")
    ami = "ami-0123456789abcdef0"
    fleet_images = {stack: images.FleetImage(ami, images.PINNED) for stack in ("acme-dev", "globex-dev")}
    checks = Preflight(Session(ec2=ec2, rds=rds), config, fleet_images)
    with Stubber(ec2) as ec2_stub, Stubber(rds) as rds_stub:
        zones = [{"ZoneName": f"eu-west-1{z}", "State": "available"} for z in "abc"]
        ec2_stub.add_response("describe_availability_zones", {"AvailabilityZones": zones})
        offered = [{"InstanceType": "t3.small", "LocationType": "availability-zone", "Location": "eu-west-1a"}]
        ec2_stub.add_response("describe_instance_type_offerings", {"InstanceTypeOfferings": offered})
        image = {"ImageId": ami, "State": "available", "Architecture": "arm64"}
        ec2_stub.add_response("describe_images", {"Images": [image]})
        rds_stub.add_response("describe_orderable_db_instance_options", orderable("8.0.39"))
        refused = checks.check(["acme-dev", "globex-dev"])
    source = f"{config.source_files['acme-dev'].rsplit('/', 1)[0]}"
    assert refused == {
        stack: [
            f"{source}/{stack}.yaml: instances.type: t3.small is not offered in eu-west-1b"
            " (DescribeInstanceTypeOfferings)",
            f"{source}/{stack}.yaml: image.ami_id: {ami} is arm64, but instances.type t3.small runs x86_64"
            " (DescribeImages)",
        ]
        for stack in ("acme-dev", "globex-dev")
    }


def test_a_database_created_from_a_snapshot_needs_one_of_its_engine_until_it_exists(config_dir):
    from moto import mock_aws

    snapshot = {"engine": "mysql", "version": "8.0", "snapshot_identifier": "vend-initech-dev-final"}
    config_dir.customer("acme", "dev", database=snapshot)
    config_dir.customer("globex", "dev", database=snapshot | {"engine": "postgres", "version": "16"})
    config = load_config(config_dir.path)
    acme, globex = (config.customer(stack) for stack in ("acme-dev", "globex-dev"))
    with mock_aws():
        session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing")
        checks = Preflight(session, config, {})
        missing = checks._snapshot("vend-acme-dev", acme.database)
        assert missing == "vend-initech-dev-final does not exist in eu-west-1 (DescribeDBSnapshots)"
        rds = session.client("rds", region_name=REGION)
        old = {"DBInstanceClass": "db.t3.small", "Engine": "mysql", "AllocatedStorage": 20}
        rds.create_db_instance(DBInstanceIdentifier="vend-initech-dev", MasterUsername="u", **old)
        rds.create_db_snapshot(DBInstanceIdentifier="vend-initech-dev", DBSnapshotIdentifier="vend-initech-dev-final")
        assert checks._snapshot("vend-acme-dev", acme.database) is None
        wrong = "vend-initech-dev-final is a mysql snapshot, not postgres (DescribeDBSnapshots)"
        assert checks._snapshot("vend-globex-dev", globex.database) == wrong
        # Once the database exists the field is ignored, and so is the snapshot.
        rds.delete_db_snapshot(DBSnapshotIdentifier="vend-initech-dev-final")
        assert checks._snapshot("vend-initech-dev", acme.database) is None
