"""Shards of the shared load balancer on the emulator: a second platform beside the session's
deployment (its own name, VPC, state bucket and Route 53 zone), with a capacity of two and three
environments, through ``vending plan`` and ``vending apply`` round by round."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from tests.conftest import ROOT
from vending.local.demo import Demo

pytestmark = pytest.mark.e2e

DOMAIN = "shards.example.com"
ENVIRONMENTS = ["alpha-dev", "bravo-dev", "charlie-dev"]
STACKS = ["shared-alb", "shared-alb-2", *ENVIRONMENTS]


@pytest.fixture(scope="module")
def sharded(e2e_deployment, tmp_path_factory):
    """The platform ``shards`` on the deployment's emulator, applied; its second plan."""
    demo = Demo(
        workdir=tmp_path_factory.mktemp("shards"),
        log=lambda line: None,
        emulator=e2e_deployment.emulator,
        region=e2e_deployment.region,
        account=e2e_deployment.account,
        source_ami=e2e_deployment.source_ami,
    )
    zone = demo.client("route53").create_hosted_zone(Name=DOMAIN, CallerReference="shards")["HostedZone"]
    zone_id = zone["Id"].rsplit("/", 1)[-1]
    demo.customers_dir.mkdir(parents=True)
    platform = {
        "name": "shards",
        "region": demo.region,
        "domain": DOMAIN,
        "certificate_arn": demo.certificate(f"*.{DOMAIN}"),
        "network": {"cidr": "10.40.0.0/16", "availability_zones": 2},
        "state": {"backend": "s3", "bucket": f"shards-tfstate-{demo.account}", "lock": "lockfile"},
        "shared_alb": {"capacity": 2},
        "dns": {"zone_id": zone_id},
    }
    (demo.customers_dir / "platform.yaml").write_text(yaml.safe_dump(platform))
    for stack in ENVIRONMENTS:
        customer, environment = stack.split("-")
        connection = (
            f"arn:aws:codestar-connections:{demo.region}:{demo.account}:connection/5f2d8c1a-9b7e-4e3f-a6d1-2c8b0e4f7a19"
        )
        (demo.customers_dir / f"{stack}.yaml").write_text(
            yaml.safe_dump(
                {
                    "customer": customer,
                    "environment": environment,
                    "image": {"source_ami": demo.source_ami},
                    "instances": {"type": "t3.micro", "min": 1, "max": 1},
                    "pipeline": {
                        "repository": f"{customer}/web",
                        "connection_arn": connection,
                        "test_image": f"{demo.account}.dkr.ecr.{demo.region}.amazonaws.com/test:latest",
                    },
                }
            )
        )
    demo.bootstrap()
    demo.rounds = demo.deploy(STACKS)
    demo.second = demo.second_plan(STACKS)
    demo.zone_id = zone_id
    return demo


def test_three_environments_on_a_capacity_of_two_make_two_shards(sharded):
    lock = yaml.safe_load((sharded.customers_dir / "priorities.lock").read_text())
    assert lock == {"alpha-dev": 100, "bravo-dev": 101, "charlie-dev": {"priority": 102, "shard": 2}}
    # Each stack is planned once what it looks up exists: shared-alb, then its second shard and the
    # environments on the first, then the environment on the second.
    assert sharded.rounds == ["shared-alb", "alpha-dev, bravo-dev, shared-alb-2", "charlie-dev"]
    names = [b["LoadBalancerName"] for b in sharded.client("elbv2").describe_load_balancers()["LoadBalancers"]]
    assert {"shards-shared", "shards-shared-2"} <= set(names)


def test_each_environment_has_its_record_and_rule_on_its_own_shard(sharded):
    elb = sharded.client("elbv2")
    balancers = {b["LoadBalancerName"]: b for b in elb.describe_load_balancers()["LoadBalancers"]}
    records = sharded.client("route53").list_resource_record_sets(HostedZoneId=sharded.zone_id)["ResourceRecordSets"]
    aliases = {r["Name"].rstrip("."): r["AliasTarget"]["DNSName"].rstrip(".") for r in records if "AliasTarget" in r}
    for stack, balancer in (
        ("alpha-dev", "shards-shared"),
        ("bravo-dev", "shards-shared"),
        ("charlie-dev", "shards-shared-2"),
    ):
        host = f"{stack}.{DOMAIN}"
        assert aliases[host] == balancers[balancer]["DNSName"]
        listeners = elb.describe_listeners(LoadBalancerArn=balancers[balancer]["LoadBalancerArn"])["Listeners"]
        https = next(listener for listener in listeners if listener["Port"] == 443)
        hosts = [
            value
            for rule in elb.describe_rules(ListenerArn=https["ListenerArn"])["Rules"]
            for condition in rule["Conditions"]
            for value in condition.get("HostHeaderConfig", {}).get("Values", condition.get("Values", []))
        ]
        assert host in hosts


def test_the_shared_groups_have_one_egress_rule_each(sharded):
    ec2 = sharded.client("ec2")
    for name in ("shards-shared-alb", "shards-shared-alb-2"):
        group = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": [name]}])["SecurityGroups"][0]
        rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [group["GroupId"]]}])
        egress = [r for r in rules["SecurityGroupRules"] if r["IsEgress"]]
        assert [(r["FromPort"], r["ToPort"], r["CidrIpv4"]) for r in egress] == [(1024, 65535, "10.40.0.0/16")]


def test_the_second_plan_changes_nothing(sharded):
    assert sharded.second == {stack: [] for stack in STACKS}


def test_quotas_are_counted_against_the_accounts_own_limits(sharded):
    done = subprocess.run(
        [sys.executable, "-m", "vending", "quotas", "--live"],
        cwd=ROOT,
        env=sharded.env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "shards-shared-2: 1 of 100 listener rules (99 to spare)" in done.stdout.splitlines()
    assert "shards-shared-alb: 1 of 60 egress rules (59 to spare)" in done.stdout.splitlines()
    # The emulator's account allows 20 load balancers (AWS's default is 50): read from the account.
    assert "account: 2 of 20 application load balancers (18 to spare)" in done.stdout.splitlines()
