"""Production safety in state: prevent_destroy on production's stateful resources, and the
explicit opt-in VENDING_ALLOW_DESTROY."""

from __future__ import annotations

import pytest

from tests.conftest import synthesize
from vending.errors import ConfigError
from vending.settings import Settings
from vending.synth.app import prepare


def prevent_destroy(synth, stack: str) -> list[bool]:
    # Imported here: vending.protection imports cdktf, which would start jsii's kernel while the
    # tests are collected, before speedups.install() can set it up as the app does.
    from vending.synth.protection import STATEFUL_TYPES

    return [
        resource.get("lifecycle", {}).get("prevent_destroy", False)
        for kind in sorted(STATEFUL_TYPES)
        for resource in synth.resources(stack, kind).values()
    ]


def test_production_state_cannot_be_destroyed_by_a_plan(sample_synth):
    for stack in ("shared-alb", "acme-prod", "acme-prod-pipeline", "globex-prod-pipeline"):
        flags = prevent_destroy(sample_synth, stack)
        assert flags and all(flags), stack
    for stack in ("acme-dev", "acme-dev-pipeline"):
        assert not any(prevent_destroy(sample_synth, stack)), stack


def test_opt_in_lifts_prevent_destroy_and_deletion_protection(samples_dir, tmp_path):
    out = synthesize(samples_dir, tmp_path / "cdktf.out", stacks=("acme-prod",), allow_destroy=("acme-prod",))
    assert not any(prevent_destroy(out, "acme-prod"))
    assert out.one("acme-prod", "aws_db_instance")["deletion_protection"] is False
    assert out.one("acme-prod", "aws_lb")["enable_deletion_protection"] is False
    # The final snapshot is still taken.
    assert out.one("acme-prod", "aws_db_instance")["skip_final_snapshot"] is False


def test_opt_in_must_name_a_known_stack(samples_dir):
    with pytest.raises(ConfigError) as caught:
        prepare(Settings(customers_dir=samples_dir, allow_destroy=("acme-prd",)))
    assert caught.value.problems[0].startswith("VENDING_ALLOW_DESTROY: unknown stack 'acme-prd' (known: shared-alb,")


def test_opt_in_is_read_from_the_environment():
    assert Settings.from_environ({"VENDING_ALLOW_DESTROY": " acme-prod, acme-prod-pipeline"}).allow_destroy == (
        "acme-prod",
        "acme-prod-pipeline",
    )
    assert Settings.from_environ({}).allow_destroy == ()
