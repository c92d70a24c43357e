"""Which stack is applied when, how a wave splits over runners, and the CI job matrix."""

from __future__ import annotations

import pytest

from vending.delivery import waves

STACKS = [
    "shared-alb",
    "acme-dev",
    "acme-dev-pipeline",
    "acme-prod",
    "acme-prod-pipeline",
    "globex-prod",
    "globex-prod-pipeline",
]


def test_shared_alb_goes_first_then_environments_then_pipelines():
    found = waves.waves({stack: False for stack in reversed(STACKS)})
    assert [(w.number, w.kind, w.destroy) for w in found] == [
        (1, "platform", False),
        (2, "environments", False),
        (3, "pipelines", False),
    ]
    assert found[1].stacks == ("globex-prod", "acme-prod", "acme-dev")  # in the order given


def test_destroys_go_first_and_the_other_way_round():
    found = waves.waves({"acme-dev": True, "acme-dev-pipeline": True, "shared-alb": False, "globex-prod": False})
    assert [(w.kind, w.destroy) for w in found] == [
        ("pipelines", True),
        ("environments", True),
        ("platform", False),
        ("environments", False),
    ]
    assert [w.number for w in found] == [1, 2, 3, 4]


@pytest.mark.parametrize("count", [1, 2, 3, 7, 10])
def test_shards_are_even_contiguous_and_cover_the_wave_once(count):
    stacks = [f"s{i}" for i in range(23)]
    shards = [waves.shard(stacks, index, count) for index in range(1, count + 1)]
    assert [s for shard in shards for s in shard] == stacks
    assert max(map(len, shards)) - min(map(len, shards)) <= 1


def test_a_shard_outside_its_count_is_refused():
    with pytest.raises(ValueError, match="shard 3/2"):
        waves.shard(["a"], 3, 2)


def test_the_matrix_records_the_unchanged_then_applies_the_platform_then_others_then_production():
    found = waves.waves({stack: False for stack in STACKS})
    changing = set(STACKS) - {"globex-prod-pipeline"}
    matrix = waves.matrix(found, changing, stacks_per_shard=1, max_shards=5)
    assert list(matrix) == [
        "unchanged",
        "retire-other",
        "retire-production",
        "platform",
        "other-environments",
        "other-pipelines",
        "production-environments",
        "production-pipelines",
    ]
    assert matrix["unchanged"] == {"stacks": 1, "shard": ["1/1"]}
    assert matrix["platform"] == {"stacks": 1, "shard": ["1/1"]}
    assert matrix["other-environments"] == {"stacks": 1, "shard": ["1/1"]}
    assert matrix["production-environments"] == {"stacks": 2, "shard": ["1/2", "2/2"]}
    assert matrix["production-pipelines"] == {"stacks": 1, "shard": ["1/1"]}
    nothing = waves.matrix(waves.waves({"acme-dev": False}), set(), stacks_per_shard=20, max_shards=20)
    assert nothing["platform"] == {"stacks": 0, "shard": []}
    assert nothing["unchanged"]["shard"] == ["1/1"]


def test_the_selections_of_the_jobs_cover_every_stack_once():
    changing = {"shared-alb", "acme-dev", "acme-prod-pipeline"}
    chosen = [s for which in ("unchanged", "production", "other") for s in waves.only(STACKS, which, changing)]
    assert sorted(chosen) == sorted(STACKS)
    assert waves.only(STACKS, "production", changing) == ("shared-alb", "acme-prod-pipeline")
    assert waves.only(STACKS, None, changing) == tuple(STACKS)


@pytest.mark.parametrize(
    ("count", "per_shard", "cap", "expected"),
    [(0, 20, 20, 0), (1, 20, 20, 1), (20, 20, 20, 1), (21, 20, 20, 2), (1000, 20, 20, 20), (500, 50, 20, 10)],
)
def test_a_job_has_as_few_shards_as_keep_its_share_and_no_more_than_the_cap(count, per_shard, cap, expected):
    found = waves.shards(count, stacks_per_shard=per_shard, max_shards=cap)
    assert found == [f"{i}/{expected}" for i in range(1, expected + 1)]


def test_retirements_have_jobs_of_their_own_first_production_in_its_own():
    destroying = {"acme-dev-pipeline": True, "acme-dev": True, "acme-prod": True, "globex-prod": False}
    found = waves.waves(destroying)
    matrix = waves.matrix(found, {"acme-dev", "acme-prod", "globex-prod"}, stacks_per_shard=20, max_shards=5)
    assert list(matrix)[:3] == ["unchanged", "retire-other", "retire-production"]
    assert matrix["retire-other"]["stacks"] == 2  # the pipeline (no changes: still retired), then the environment
    assert matrix["retire-production"]["stacks"] == 1
    assert matrix["unchanged"]["stacks"] == 0 and matrix["production-environments"]["stacks"] == 1
    assert [w.stacks for w in waves.job(found, "retire-other", set())] == [("acme-dev-pipeline",), ("acme-dev",)]
