"""End to end on the local emulator: the demo's flow in a temporary directory.

One session's deployment (shared-alb, acme-prod, acme-prod-pipeline through ``vending plan``
and ``vending apply``, after a real Packer bake), then: state objects at their keys with their
apply records, a second plan with no changes in any stack, the state lock refusing a second
apply, and a new customer deployed with the real ``cdktf deploy`` without touching the others'
state, and its ``cdktf destroy``.
"""

from __future__ import annotations

import json
import re
import subprocess

import pytest

from tests.conftest import E2E_STACKS, lock_held, state_versions
from vending.ops import terraform

pytestmark = pytest.mark.e2e

STACKS = E2E_STACKS
STATE_KEYS = {
    "shared-alb": "platform/shared-alb.tfstate",
    "acme-prod": "customers/acme/prod/infrastructure.tfstate",
    "acme-prod-pipeline": "customers/acme/prod/pipeline.tfstate",
}


@pytest.fixture(scope="module")
def deployed(e2e_deployment):
    return e2e_deployment


def test_outputs_name_the_environment(deployed):
    outputs = deployed.outputs(STACKS)
    assert outputs["acme-prod"]["url"] == "https://shop.acme.com"
    assert outputs["acme-prod"]["autoscaling_group_name"] == "vend-acme-prod"
    baked = json.loads((deployed.images_dir / "acme-prod.json").read_text())
    assert outputs["acme-prod"]["ami_id"] == baked["ami_id"]  # the fleet runs the image just baked
    assert outputs["acme-prod-pipeline"]["pipeline_name"] == "vend-acme-prod"


def test_each_stack_has_its_state_object(deployed):
    keys = {item.split("/", 3)[3] for item in deployed.state_objects()}
    assert set(STATE_KEYS.values()) <= keys
    assert not any(key.endswith(".tflock") for key in keys)


def test_the_stacks_went_in_waves_and_round_by_round(deployed):
    # A stack that looks another up by name is planned once that one exists.
    assert deployed.rounds == ["shared-alb", "acme-prod", "acme-prod-pipeline"]


def test_each_round_says_as_it_goes_which_stack_starts_and_ends(deployed):
    # Not a terminal: plain timestamped lines, then the summary (vending.ops.progress).
    for number, stack in enumerate(STACKS, start=1):
        text = (deployed.workdir / "logs" / f"apply-{number}.log").read_text()
        said = [line.split(" ", 1)[1] for line in text.splitlines() if re.match(r"\d\d:\d\d:\d\d ", line)]
        assert said[0].startswith("apply: "), text  # the round applies this stack, and records the others
        created = re.compile(rf"{stack}: done in \d+s: [1-9]\d* added, 0 changed, 0 destroyed \[\d/\d\]")
        [done] = [index for index, line in enumerate(said) if created.fullmatch(line)]
        assert said.index(f"{stack}: started (init)") < done, text
        [row] = [line for line in text.splitlines() if line.startswith(f"  {stack} ")]
        assert row.split()[2:4] == ["0", "0"] and row.endswith("ok")  # nothing changed or destroyed
        assert "\x1b" not in text


def test_the_second_plan_changes_nothing_in_any_stack(deployed):
    assert deployed.second == {stack: [] for stack in STACKS}


def test_each_apply_is_recorded_next_to_its_state(deployed):
    keys = {item.split("/", 3)[3] for item in deployed.state_objects()}
    assert {f"{key}.applied.json" for key in STATE_KEYS.values()} <= keys


def test_a_second_apply_at_the_same_time_is_refused_by_the_state_lock(deployed):
    directory = deployed.outdir / "stacks" / "acme-prod"
    env = deployed.env()
    terraform.init(directory, env)
    # The first apply stops at its approval prompt, holding the lock (the stack changes nothing,
    # so it is asked to replace a resource, which it never will: the answer is no).
    replace = "-replace=aws_autoscaling_policy.fleet_scale-in_BE8115DC"
    with lock_held(deployed, directory, env, STATE_KEYS["acme-prod"], replace) as first:
        second = subprocess.run(
            ["terraform", "apply", "-auto-approve", "-input=false", "-no-color", "-lock-timeout=0s"],
            cwd=directory,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert second.returncode == 1
        assert "Error acquiring the state lock" in second.stderr
    assert "Apply cancelled" in first[0]
    assert f"{STATE_KEYS['acme-prod']}.tflock" not in state_versions(deployed)


def test_an_added_customer_deploys_without_touching_the_others_then_destroys(deployed):
    before = state_versions(deployed)
    deployed.add_environment("acme-dev")
    try:
        try:
            deployed.cdktf("deploy", ["acme-dev"])
            after = state_versions(deployed)
            assert "customers/acme/dev/infrastructure.tfstate" in after
            for key in STATE_KEYS.values():
                assert after[key] == before[key], f"{key} was rewritten"
            groups = deployed.client("autoscaling").describe_auto_scaling_groups(
                AutoScalingGroupNames=["vend-acme-dev"]
            )
            assert groups["AutoScalingGroups"]
            assert (deployed.customers_dir / "priorities.lock").read_text().strip().endswith("acme-dev: 100")
        finally:
            deployed.cdktf("destroy", ["acme-dev"])  # whatever a failed deploy made too: the tests after expect none
        assert (
            deployed.client("autoscaling").describe_auto_scaling_groups(AutoScalingGroupNames=["vend-acme-dev"])[
                "AutoScalingGroups"
            ]
            == []
        )
        instances = deployed.client("rds").describe_db_instances()["DBInstances"]
        assert [i["DBInstanceIdentifier"] for i in instances] == ["vend-acme-prod"]
        final = state_versions(deployed)
        for key in STATE_KEYS.values():
            assert final[key] == before[key], f"{key} was rewritten"
    finally:
        (deployed.customers_dir / "acme-dev.yaml").unlink()  # the deployment as it was, for the tests after
