"""Shared-listener priorities: stable when customers come and go, pinnable, unique."""

from __future__ import annotations

from pathlib import Path

import pytest

from vending.errors import ConfigError
from vending.model import priorities
from vending.model.load import load_config


def allocate(config_dir):
    config = load_config(config_dir.path)
    lock = priorities.read_lock(config_dir.path)
    allocation = priorities.allocate(config, lock)
    priorities.write_lock(config_dir.path, allocation.lock)
    return allocation.priorities


def test_adding_and_removing_customers_keeps_every_other_priority(config_dir):
    for name in ("acme", "globex", "initech"):
        config_dir.customer(name, "dev")
    first = allocate(config_dir)
    assert first == {"acme-dev": 100, "globex-dev": 101, "initech-dev": 102}

    config_dir.customer("aaa", "dev")  # sorts first: must not shift anyone
    (config_dir.path / "globex-dev.yaml").unlink()
    second = allocate(config_dir)
    assert second == {"aaa-dev": 103, "acme-dev": 100, "initech-dev": 102}

    # globex's number stays reserved in the lock until it is pruned.
    assert priorities.read_lock(config_dir.path).priorities["globex-dev"] == 101
    config_dir.customer("zeta", "dev")
    assert allocate(config_dir)["zeta-dev"] == 104


def test_pins_win_and_are_recorded(config_dir):
    config_dir.customer("acme", "dev", priority=120)
    config_dir.customer("globex", "dev")
    assert allocate(config_dir) == {"acme-dev": 120, "globex-dev": 100}
    assert priorities.read_lock(config_dir.path).priorities == {"acme-dev": 120, "globex-dev": 100}


def test_pin_on_a_number_held_by_another_environment_is_an_error(config_dir):
    config_dir.customer("acme", "dev")
    allocate(config_dir)
    config_dir.customer("globex", "dev", priority=100)
    with pytest.raises(ConfigError) as caught:
        allocate(config_dir)
    assert caught.value.problems == [
        f"{config_dir.path}/globex-dev.yaml: priority: 100 is already held by acme-dev in priorities.lock"
    ]


def test_dedicated_load_balancers_take_no_priority(config_dir):
    cert = "arn:aws:acm:eu-west-1:111111111111:certificate/7d1e5a90-4c3b-4f8e-8a2d-6b9c0e1f2a03"
    config_dir.customer("acme", "prod", domain={"name": "shop.acme.com", "certificate_arn": cert})
    config_dir.customer("acme", "dev")
    assert allocate(config_dir) == {"acme-dev": 100}


def test_prune_drops_entries_of_removed_environments(config_dir):
    config_dir.customer("acme", "dev")
    config_dir.customer("globex", "dev")
    allocate(config_dir)
    (config_dir.path / "globex-dev.yaml").unlink()
    config = load_config(config_dir.path)
    assert priorities.prune(config, priorities.read_lock(config_dir.path)).priorities == {"acme-dev": 100}


def test_malformed_lock_is_a_clear_error(config_dir):
    config_dir.customer()
    (config_dir.path / "priorities.lock").write_text("acme-dev: high\n")
    with pytest.raises(ConfigError) as caught:
        priorities.read_lock(config_dir.path)
    assert caught.value.problems == [
        f"{config_dir.path}/priorities.lock: acme-dev: must be a priority 1–50000, or {{priority: …, shard: …}}"
        " (got 'high')"
    ]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("acme-dev: 100\nacme-dev: 101\n", "line 2: invalid YAML: duplicate key 'acme-dev'"),
        ("Acme Dev: 100\n", "'Acme Dev': not an environment's stack name like acme-dev"),
        ("acme: 100\n", "'acme': not an environment's stack name like acme-dev"),
        ("acme-dev: 100\nglobex-dev: 100\n", "globex-dev: priority 100 is also held by acme-dev"),
        ("acme-dev: true\n", "acme-dev: must be a priority 1–50000, or {priority: …, shard: …} (got True)"),
        (
            "acme-dev: {priority: 100}\n",
            "acme-dev: must be a priority 1–50000, or {priority: …, shard: …} (got {'priority': 100})",
        ),
        ("acme-dev: {priority: 100, shard: 0}\n", "acme-dev: shard must be a whole number from 1 (got 0)"),
        ("acme-dev@100: {priority: 100, shard: 2}\n", "acme-dev@100: shard must be a whole number from 1 (got 2)"),
        (
            "acme-dev: 2024-02-30\n",
            "line 1: invalid YAML: not a valid timestamp: '2024-02-30' (day is out of range for month)",
        ),
        ("acme-dev: !!int x\n", "line 1: invalid YAML: not a valid int: 'x'"),
        ("acme-dev@100: 101\n", "acme-dev@100: a previous number must be the number itself (got 101)"),
        ("[a, b]\n", "must be a mapping of keys to values (got list)"),
    ],
)
def test_a_lock_that_is_not_a_lock_is_refused_line_by_line(config_dir, text, problem):
    (config_dir.path / "priorities.lock").write_text(text)
    with pytest.raises(ConfigError) as caught:
        priorities.read_lock(config_dir.path)
    assert caught.value.problems == [f"{config_dir.path}/priorities.lock: {problem}"]


def test_a_moved_pin_keeps_the_old_number_until_pruned(config_dir):
    config_dir.customer("acme", "dev")
    assert allocate(config_dir) == {"acme-dev": 100}
    config_dir.customer("acme", "dev", priority=150)  # the deployed rule still holds 100
    config_dir.customer("globex", "dev")
    assert allocate(config_dir) == {"acme-dev": 150, "globex-dev": 101}
    lock = priorities.read_lock(config_dir.path)
    assert lock.priorities == {"acme-dev": 150, "acme-dev@100": 100, "globex-dev": 101}
    config = load_config(config_dir.path)
    assert priorities.prune(config, lock).priorities == {"acme-dev": 150, "globex-dev": 101}


def test_a_pin_may_move_back_to_its_own_previous_number(config_dir):
    config_dir.customer("acme", "dev")
    allocate(config_dir)
    config_dir.customer("acme", "dev", priority=150)
    allocate(config_dir)
    config_dir.customer("acme", "dev", priority=100)
    assert allocate(config_dir) == {"acme-dev": 100}
    assert priorities.read_lock(config_dir.path).priorities == {"acme-dev": 100, "acme-dev@150": 150}


def test_sample_lock_is_up_to_date():
    config = load_config("customers")
    lock = priorities.read_lock(Path("customers"))
    assert not priorities.allocate(config, lock).changed(lock), "run make synth and commit customers/priorities.lock"


def test_the_update_line_names_the_first_new_numbers_and_counts_the_rest():
    names = [f"bench{index:04d}-dev" for index in range(500)]
    lock = priorities.Lock({name: 100 + index for index, name in enumerate(names)})
    assert priorities.added(priorities.Allocation({}, {}, lock, names)) == (
        ", ".join(f"bench{index:04d}-dev → {100 + index}" for index in range(10)) + ", … and 490 more"
    )
    one = priorities.Lock({"acme-dev": 100})
    assert priorities.added(priorities.Allocation({}, {}, one, ["acme-dev"])) == "acme-dev → 100"
    assert priorities.added(priorities.Allocation({}, {}, one, [])) == "pins recorded"


def test_a_lock_holding_every_priority_reads_back(tmp_path):
    """The lock grows with the platform: unlike a customer file, it is not held to 256 KiB."""
    numbers = {f"customer{number:05d}-staging": number for number in range(1, priorities.RULE_PRIORITY_MAX + 1)}
    lock = priorities.Lock(numbers, {name: 2 + number // 80 for name, number in numbers.items() if number >= 80})
    priorities.write_lock(tmp_path, lock)
    assert (tmp_path / priorities.LOCK_FILE).stat().st_size > 1024 * 1024
    assert priorities.read_lock(tmp_path) == lock
    (tmp_path / priorities.LOCK_FILE).write_text(priorities.HEADER)
    assert priorities.read_lock(tmp_path) == priorities.Lock()  # comments only


# --- shards of the shared load balancer -------------------------------------------------------

ZONE = {"dns": {"zone_id": "Z0123456789ABCDEFGHIJ"}}
CERT = "arn:aws:acm:eu-west-1:111111111111:certificate/7d1e5a90-4c3b-4f8e-8a2d-6b9c0e1f2a03"


def shards(config_dir) -> dict[str, int]:
    config = load_config(config_dir.path)
    allocation = priorities.allocate(config, priorities.read_lock(config_dir.path))
    priorities.write_lock(config_dir.path, allocation.lock)
    return allocation.shards


def test_new_environments_fill_a_shard_then_open_the_next_and_never_move(config_dir):
    config_dir.platform(shared_alb={"capacity": 2}, **ZONE)
    for name in ("acme", "globex", "initech"):
        config_dir.customer(name, "dev")
    assert shards(config_dir) == {"acme-dev": 1, "globex-dev": 1, "initech-dev": 2}
    lock_text = (config_dir.path / "priorities.lock").read_text()
    assert "acme-dev: 100\n" in lock_text and "initech-dev: {priority: 102, shard: 2}\n" in lock_text

    (config_dir.path / "acme-dev.yaml").unlink()  # its rule may still be deployed: its place is held
    config_dir.customer("aaa", "dev")  # sorts first: moves nobody
    assert shards(config_dir) == {"aaa-dev": 2, "globex-dev": 1, "initech-dev": 2}
    priorities.prune_lock(config_dir.path, load_config(config_dir.path), priorities.read_lock(config_dir.path))
    config_dir.customer("zeta", "dev")
    assert shards(config_dir) == {"aaa-dev": 2, "globex-dev": 1, "initech-dev": 2, "zeta-dev": 1}


def test_custom_domains_count_against_the_certificates_of_a_shard(config_dir):
    config_dir.platform(shared_alb={"capacity": 10, "certificates": 1}, **ZONE)
    for name in ("acme", "globex"):
        config_dir.customer(name, "dev", domain={"name": f"{name}.example.org", "certificate_arn": CERT})
    config_dir.customer("initech", "dev")
    assert shards(config_dir) == {"acme-dev": 1, "globex-dev": 2, "initech-dev": 1}


def test_moving_an_environment_is_an_edit_of_its_entry(config_dir):
    config_dir.platform(shared_alb={"capacity": 2}, **ZONE)
    config_dir.customer("acme", "dev")
    config_dir.customer("globex", "dev")
    assert shards(config_dir) == {"acme-dev": 1, "globex-dev": 1}
    lock = config_dir.path / "priorities.lock"
    lock.write_text(lock.read_text().replace("globex-dev: 101", "globex-dev: {priority: 101, shard: 3}"))
    assert shards(config_dir) == {"acme-dev": 1, "globex-dev": 3}
    assert priorities.allocate(load_config(config_dir.path), priorities.read_lock(config_dir.path)).shard_count == 3


def test_without_a_zone_an_environment_past_capacity_is_refused_naming_the_way_out(config_dir):
    config_dir.platform(shared_alb={"capacity": 2})
    for name in ("acme", "globex"):
        config_dir.customer(name, "dev")
    shards(config_dir)
    config_dir.customer("initech", "dev")
    with pytest.raises(ConfigError) as caught:
        shards(config_dir)
    assert caught.value.problems == [
        f"{config_dir.path}/initech-dev.yaml: no room on the shared load balancer vend-shared: it holds 2"
        " environments, platform.yaml: shared_alb.capacity is 2 (AWS allows 100 target groups per load"
        " balancer, not adjustable); set platform.yaml: dns.zone_id (the platform domain's Route 53 zone)"
        " so that environments spread over more load balancers"
    ]


def test_without_a_zone_a_certificate_past_capacity_is_refused(config_dir):
    config_dir.platform(shared_alb={"certificates": 1})
    config_dir.customer("acme", "dev", domain={"name": "acme.example.org", "certificate_arn": CERT})
    config_dir.customer("globex", "dev", domain={"name": "globex.example.org", "certificate_arn": CERT})
    with pytest.raises(ConfigError) as caught:
        shards(config_dir)
    assert "shared_alb.certificates is 1 (AWS allows 25 per load balancer)" in caught.value.problems[0]
    assert caught.value.problems[0].startswith(f"{config_dir.path}/globex-dev.yaml: no room")


def test_a_shard_recorded_without_a_zone_is_refused(config_dir):
    config_dir.customer("acme", "dev")
    (config_dir.path / "priorities.lock").write_text("acme-dev: {priority: 100, shard: 2}\n")
    with pytest.raises(ConfigError) as caught:
        shards(config_dir)
    assert caught.value.problems == [
        "priorities.lock: acme-dev: shard 2 needs platform.yaml: dns.zone_id (without a Route 53 zone there is"
        " one shared load balancer: several cannot share one wildcard record)"
    ]
