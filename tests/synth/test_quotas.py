"""AWS's quotas: the shared load balancer in shards, one rule on its security group, a Route 53
record per environment, and every shared object counted on what synth writes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import synthesize
from vending.errors import ConfigError
from vending.model import priorities
from vending.model.limits import ALB_CERTIFICATES_QUOTA, ALB_RULES_QUOTA, ALB_TARGET_GROUPS_QUOTA
from vending.model.load import load_config
from vending.model.naming import shared_alb_stack
from vending.ops import validation
from vending.review import synth_diff
from vending.synth import output, quotas

ZONE_ID = "Z0123456789ABCDEFGHIJ"
CERT = "arn:aws:acm:eu-west-1:111111111111:certificate/7d1e5a90-4c3b-4f8e-8a2d-6b9c0e1f2a03"
BEFORE_SHARDS = Path(__file__).parent / "fixtures" / "before-shards"  # the samples as synthesized before


def platform_of(config_dir, count: int, **platform) -> list[str]:
    """``count`` environments, one in five production; one in ten outside production has a custom
    domain, and one in twenty in production (a load balancer of its own). Their stacks' names."""
    config_dir.platform(**platform)
    stacks = []
    for index in range(count):
        environment = "prod" if index % 5 == 4 else "dev"
        extra = {}
        if index % 10 == 3 or index % 20 == 19:
            extra = {"domain": {"name": f"c{index:04d}.example.org", "certificate_arn": CERT}}
        config_dir.customer(f"c{index:04d}", environment, **extra)
        stacks.append(f"c{index:04d}-{environment}")
    return stacks


@pytest.mark.parametrize("count", [500, 2000])
def test_a_platform_of_hundreds_of_environments_is_within_every_quota(config_dir, tmp_path, count):
    environments = platform_of(config_dir, count, dns={"zone_id": ZONE_ID})
    config = load_config(config_dir.path)
    allocation = priorities.allocate(config, priorities.Lock())
    shards = allocation.shard_count
    names = tuple([shared_alb_stack(n) for n in range(1, shards + 1)] + environments)
    synth = synthesize(config_dir.path, tmp_path / "cdktf.out", stacks=names, workers=2)

    counts = quotas.count(output.synthesized(synth.outdir))
    assert quotas.over(counts) == []
    by_holder = {(c.holder, c.what): c.count for c in counts}
    names = config.platform.names
    for shard in range(1, shards + 1):
        on_it = [c for c in config.customers if allocation.shards.get(c.stack_name) == shard]
        balancer, group = names.shared_alb(shard), names.shared_alb_security_group(shard)
        assert by_holder[(balancer, "listener rules")] == len(on_it) <= 80 < ALB_RULES_QUOTA
        assert by_holder[(balancer, "target groups")] == len(on_it) <= 80 < ALB_TARGET_GROUPS_QUOTA
        certificates = sum(c.domain is not None for c in on_it)
        assert by_holder[(balancer, "certificates")] == certificates <= 20 < ALB_CERTIFICATES_QUOTA
        assert by_holder[(balancer, "listeners")] == 2
        assert by_holder[(group, "egress rules")] == 1  # however many environments it serves
        assert by_holder[(group, "ingress rules")] == 2
    dedicated = sum(c.dedicated_alb for c in config.customers)
    assert by_holder[("account", "application load balancers")] == shards + dedicated
    print("\n".join(c.line for c in counts if c.shared))  # the closing note quotes them


def test_todays_rule_per_environment_on_the_shared_group_would_be_refused_at_61():
    """Before shards, every environment added an egress rule to the shared load balancer's group."""
    old = (BEFORE_SHARDS / "acme-dev.json").read_text()
    stacks = {f"e{index:03d}-dev": json.loads(old.replace("acme", f"e{index:03d}")) for index in range(61)}
    assert quotas.over(quotas.count(dict(list(stacks.items())[:60]))) == []
    assert quotas.over(quotas.count(stacks)) == [
        "vend-shared-alb: 61 egress rules, past AWS's quota of 60 per security group and direction"
    ]


def test_a_load_balancer_past_its_quota_stops_synth_and_writes_nothing(config_dir, tmp_path, monkeypatch):
    platform_of(config_dir, 3)
    monkeypatch.setattr(quotas, "LOAD_BALANCER_QUOTAS", {**quotas.LOAD_BALANCER_QUOTAS, "listener rules": 2})
    with pytest.raises(ConfigError) as caught:
        synthesize(config_dir.path, tmp_path / "cdktf.out")
    assert caught.value.problems == ["vend-shared: 3 listener rules, past AWS's quota of 2 per load balancer"]
    assert not (tmp_path / "cdktf.out").exists()


def test_three_environments_on_a_capacity_of_two_make_two_shards_each_with_its_records(config_dir, tmp_path):
    config_dir.platform(shared_alb={"capacity": 2}, dns={"zone_id": ZONE_ID})
    for name in ("acme", "globex", "initech"):
        config_dir.customer(name, "dev")
    config_dir.customer("initech", "dev", domain={"name": "shop.initech.example", "certificate_arn": CERT})
    synth = synthesize(config_dir.path, tmp_path / "cdktf.out")
    assert synth.stack_names()[-2:] == ["shared-alb", "shared-alb-2"]

    second = synth.stack("shared-alb-2")
    assert synth.one("shared-alb-2", "aws_lb")["name"] == "vend-shared-2"
    assert synth.one("shared-alb-2", "aws_lb")["access_logs"]["prefix"] == "shared-alb-2"
    assert synth.one("shared-alb-2", "aws_security_group")["name"] == "vend-shared-alb-2"
    assert synth.one("shared-alb-2", "aws_wafv2_web_acl")["name"] == "vend-shared-2"
    assert "aws_s3_bucket" not in second["resource"] and "aws_vpc" not in second["resource"]  # shared-alb's
    assert second["terraform"]["backend"]["s3"]["key"] == "platform/shared-alb-2.tfstate"
    egress = synth.one("shared-alb-2", "aws_vpc_security_group_egress_rule")
    assert (egress["from_port"], egress["to_port"], egress["cidr_ipv4"]) == (1024, 65535, "10.20.0.0/16")

    for stack, balancer in (
        ("acme-dev", "vend-shared"),
        ("globex-dev", "vend-shared"),
        ("initech-dev", "vend-shared-2"),
    ):
        assert synth.one(stack, "aws_lb_listener_rule")  # one rule each
        assert next(iter(synth.stack(stack)["data"]["aws_lb"].values()))["name"] == balancer
        egress = synth.resources(stack, "aws_vpc_security_group_egress_rule").values()
        assert not any("data.aws_security_group" in rule["security_group_id"] for rule in egress)
        records = synth.resources(stack, "aws_route53_record")
        hosts = sorted(record["name"] for record in records.values())
        assert hosts == [f"{stack}.apps.example.com"]  # the custom domain's zone is the customer's
        for record in records.values():
            assert record["zone_id"] == ZONE_ID and record["type"] == "A"
            assert record["alias"]["name"].startswith("${data.aws_lb.shared-alb_load-balancer")
    assert "domain_record" in synth.stack("initech-dev")["output"]
    results = validation.validate(synth.outdir).checked
    assert all(r.valid for r in results), "\n".join(r.summary() for r in results)


def test_the_upgrade_from_one_load_balancer_replaces_nothing(sample_synth):
    """The samples before shards, against today's: the shared group's rules change hands, nothing else
    on the load balancers does."""
    changes = {}
    for before in sorted(BEFORE_SHARDS.glob("*.json")):
        base = synth_diff._strip(json.loads(before.read_text()))
        head = synth_diff._strip(sample_synth.stack(before.stem))
        review = synth_diff.compare_stack(before.stem, base, head)
        changes[before.stem] = sorted((c.action, c.address.split(".")[0]) for c in review.changes)
    assert changes == {
        "shared-alb": [
            ("create", "aws_vpc_security_group_egress_rule"),
            ("update", "data"),  # the log bucket's policy document: the shards' log prefixes
        ],
        # and its database's final snapshot (every retired database keeps one): an update
        "acme-dev": [("delete", "aws_vpc_security_group_egress_rule"), ("update", "aws_db_instance")],
        "acme-prod": [("create", "output")],  # domain_record: a dedicated load balancer keeps its rule
        "globex-prod": [("delete", "aws_vpc_security_group_egress_rule")],
    }


def test_a_moved_environment_is_a_reviewed_change_of_its_rule_and_lookups(config_dir, tmp_path):
    config_dir.platform(shared_alb={"capacity": 2}, dns={"zone_id": ZONE_ID})
    config_dir.customer("acme", "dev")
    config_dir.customer("globex", "dev")
    before = synthesize(config_dir.path, tmp_path / "before")
    lock = config_dir.path / "priorities.lock"
    lock.write_text(lock.read_text().replace("globex-dev: 101", "globex-dev: {priority: 101, shard: 2}"))
    after = synthesize(config_dir.path, tmp_path / "after")
    reviews, gone = synth_diff.compare(before.outdir, after.outdir)
    changed = {r.stack: r for r in reviews if r.changes}
    assert sorted(changed) == ["globex-dev", "shared-alb-2"] and gone == []
    moved = {c.address: c for c in changed["globex-dev"].changes}
    lookups = [c for address, c in moved.items() if address.startswith("data.aws_lb.")]
    assert [value for _, _, value in lookups[0].values] == ["vend-shared-2"]
    assert changed["shared-alb-2"].note  # a new stack: no state yet


def test_a_warm_synth_counts_from_the_cache_and_reads_only_what_it_built(config_dir, tmp_path, monkeypatch):
    """The quotas are counted on every synth; the stacks not built come with their footprint."""
    for name in ("acme", "globex", "initech"):
        config_dir.customer(name, "dev")
    settings = {"synth_cache": tmp_path / "cache"}
    synthesize(config_dir.path, tmp_path / "cdktf.out", **settings)
    read = []
    footprint = quotas.footprint
    monkeypatch.setattr(quotas, "footprint", lambda config: read.append(config) or footprint(config))
    config_dir.customer("globex", "dev", instances={"max": 5})
    synthesize(config_dir.path, tmp_path / "cdktf.out", **settings)
    built = sorted(c["terraform"]["backend"]["s3"]["key"] for c in read)
    assert built == ["customers/globex/dev/infrastructure.tfstate", "customers/globex/dev/pipeline.tfstate"]
    synthesize(config_dir.path, tmp_path / "elsewhere", **settings)  # every stack from the cache's entries
    assert len(read) == 2
