"""The Terraform Cloud path of ``vending plan`` and ``vending apply``: a saved cloud plan is made
and applied with the same commands as an S3 one, in the stack's workspace. There is no Terraform
Cloud here, so a stand-in ``terraform`` on PATH records the commands and answers as Terraform
does for a workspace of remote execution (its saved plan file names the run); the stacks are
real synthesized cloud stacks."""

from __future__ import annotations

import json
import os
import stat
import sys
import textwrap

import pytest

from tests.conftest import DELETE, ConfigDir, synthesize
from vending.delivery import apply, plan
from vending.ops import terraform

STAND_IN = textwrap.dedent(
    """\
    #!{python}
    import json, os, sys
    args = sys.argv[1:]
    with open({log!r}, "a") as log:
        log.write(json.dumps([os.path.basename(os.getcwd()), *args]) + "\\n")
    if args[:2] == ["state", "pull"]:
        print(json.dumps({{"version": 4, "serial": 7, "lineage": "workspace-lineage", "resources": []}}))
    elif args[0] == "plan":
        open("tfplan", "w").write('{{"run": "run-CloudPlan123"}}')  # a saved cloud plan names its run
        print("Running plan in HCP Terraform.")
    elif args[:2] == ["show", "-json"]:
        group = {{"address": "aws_autoscaling_group.fleet", "type": "aws_autoscaling_group", "mode": "managed"}}
        change = {{"actions": ["update"], "before": {{"max_size": 6}}, "after": {{"max_size": 8}}}}
        change["after_unknown"] = {{}}
        print(json.dumps({{
            "prior_state": {{"values": {{"root_module": {{"resources": [{{**group, "values": {{}}}}]}}}}}},
            "resource_changes": [{{**group, "change": change}}],
        }}))
    elif args[0] == "show":
        print("  ~ max_size = 6 -> 8")
    """
)


@pytest.fixture
def cloud_stacks(tmp_path, monkeypatch):
    config = ConfigDir(tmp_path / "customers").customer("acme", "prod")
    config.platform(state={"backend": "cloud", "organization": "acme-platform", "bucket": DELETE})
    synth = synthesize(config.path, tmp_path / "cdktf.out", stacks=("acme-prod",))
    log = tmp_path / "commands.log"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "terraform"
    script.write_text(STAND_IN.format(python=sys.executable, log=str(log)))
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    return synth, log


def commands(log) -> list[list[str]]:
    return [json.loads(line) for line in log.read_text().splitlines()]


def test_a_saved_cloud_plan_is_made_in_the_workspace_and_applied_as_planned(cloud_stacks, tmp_path):
    synth, log = cloud_stacks
    out = tmp_path / "plans"
    env = terraform.environment()
    [review] = plan.plan(synth.outdir, ["acme-prod"], out, env, commit="c0ffee")

    assert review.changes and not review.error
    assert commands(log) == [
        ["acme-prod", "init", "-input=false", "-no-color", "-reconfigure"],
        ["acme-prod", "state", "pull"],
        ["acme-prod", "plan", "-input=false", "-no-color", "-lock-timeout=10s", "-out=tfplan"],
        ["acme-prod", "show", "-json", "tfplan"],
        ["acme-prod", "show", "-no-color", "tfplan"],
        ["acme-prod", "state", "pull"],
    ]
    document = plan.read(out)
    saved = document["stacks"]["acme-prod"]
    assert {k: saved[k] for k in ("backend", "commit", "serial", "lineage", "changes")} == {
        "backend": "cloud",
        "commit": "c0ffee",
        "serial": 7,
        "lineage": "workspace-lineage",
        "changes": True,
    }
    assert json.loads((out / "stacks" / "acme-prod" / "cdk.tf.json").read_text())["terraform"]["cloud"] == {
        "organization": "acme-platform",
        "workspaces": {"name": "acme-prod"},
    }

    log.write_text("")
    [applied] = apply.apply(out, env, say=lambda line: None)
    assert applied.ok and "the cloud backend keeps its own record" in applied.message
    assert commands(log) == [
        ["acme-prod", "init", "-input=false", "-no-color", "-reconfigure"],
        ["acme-prod", "state", "pull"],
        ["acme-prod", "apply", "-input=false", "-no-color", "-lock-timeout=10s", "tfplan"],
    ]
