"""The GitHub workflows: zizmor (pinned, in its own virtualenv, offline) finds nothing of medium
or high severity, every action is pinned by its full commit SHA, and their structure: on main,
plan, then the apply jobs of vending's matrix in order, production's in its environment, one
run at a time; on pull requests, the priorities checked and no newer review overwritten."""

from __future__ import annotations

import json
import re
import subprocess

import yaml

from tests.conftest import ROOT
from vending.delivery import waves

ZIZMOR = ROOT / ".zizmor" / "bin" / "zizmor"
GITHUB = ROOT / ".github"


def test_zizmor_finds_nothing_of_medium_or_high_severity():
    assert ZIZMOR.is_file(), "zizmor is not installed (make setup)"
    done = subprocess.run(
        [str(ZIZMOR), "--offline", "--min-severity", "medium", "--format", "json", str(GITHUB)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    findings = json.loads(done.stdout)
    assert [(f["ident"], f["determinations"]["severity"]) for f in findings] == []
    assert done.returncode == 0, done.stderr


def test_every_action_is_pinned_by_commit_with_its_version_beside_it():
    uses = [
        line.split("uses:", 1)[1].strip()
        for path in sorted(GITHUB.rglob("*.yml"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if re.match(r"\s*(-\s*)?uses:", line)
    ]
    remote = [use for use in uses if not use.startswith("./")]
    assert remote, "no action found"
    assert [use for use in remote if not re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+)*", use)] == []


def workflow(name: str) -> dict:
    data = yaml.safe_load((GITHUB / "workflows" / name).read_text(encoding="utf-8"))
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as true
    return data


APPLY_JOBS = [name for name, *_ in waves.JOBS]


def test_main_plans_then_applies_the_same_plans_job_by_job_one_run_at_a_time():
    found = workflow("apply.yml")
    assert set(found["on"]) == {"push", "workflow_dispatch"} and found["on"]["push"] == {"branches": ["main"]}
    assert found["concurrency"] == {"group": "apply-main", "cancel-in-progress": False}  # queued, never cancelled
    assert found["permissions"] == {"contents": "read"}
    jobs = found["jobs"]
    assert list(jobs) == ["pending", "plan", "plans", *APPLY_JOBS, "retired", "finish"]
    assert jobs["plan"]["needs"] == "pending" and jobs["plans"]["needs"] == "plan"
    # Each apply job waits for every one before it (the unchanged plans, only recorded, for none).
    for index, name in enumerate(APPLY_JOBS):
        job = jobs[name]
        before = APPLY_JOBS[1:index]  # the unchanged plans, only recorded, wait for none
        assert job["needs"] == (["plans", *before] if before else "plans"), name
        assert "!failure() && !cancelled()" in job["if"] and f"jobs['{name}'].stacks > 0" in job["if"]
        strategy = job["strategy"]
        assert strategy["fail-fast"] is False and "vars.MAX_PARALLEL" in strategy["max-parallel"]
        assert strategy["matrix"]["shard"] == f"${{{{ fromJSON(needs.plans.outputs.apply).jobs['{name}'].shard }}}}"
        [shard] = [step for step in job["steps"] if step.get("uses") == "./.github/actions/apply-shard"]
        assert shard["with"]["job"] == name and "AWS_APPLY_ROLE_ARN" in shard["with"]["role"]
        production = waves.JOB_SELECTIONS[name][1] == "production"
        assert job.get("environment") == ("production" if production else None), name
    assert set(jobs["finish"]["needs"]) == {"plans", *APPLY_JOBS, "retired"}


def test_after_retirements_what_retired_environments_leave_goes_through_one_pull_request():
    job = workflow("apply.yml")["jobs"]["retired"]
    assert job["needs"] == ["plans", "retire-other", "retire-production"]
    assert "jobs['retire-other'].stacks > 0" in job["if"] and "jobs['retire-production'].stacks > 0" in job["if"]
    assert job["permissions"] == {"contents": "write", "pull-requests": "write", "id-token": "write"}
    runs = "\n".join(step.get("run", "") for step in job["steps"])
    assert 'vending retired --apply --out "$RUNNER_TEMP/retired-pr.md"' in runs
    [pull_request] = [s for s in job["steps"] if "create-pull-request" in s.get("uses", "")]
    assert pull_request["with"]["add-paths"].split() == ["images/*.json", "customers/priorities.lock"]
    assert pull_request["with"]["body-path"] == "${{ runner.temp }}/retired-pr.md"


def test_main_computes_every_matrix_with_vending_and_keeps_the_plans_whole():
    jobs = workflow("apply.yml")["jobs"]
    runs = {name: "\n".join(step.get("run", "") for step in job.get("steps", [])) for name, job in jobs.items()}
    assert "vending plan --since-applied --matrix" in runs["pending"]
    assert 'vending plan --since-applied --shard "$SHARD"' in runs["plan"]
    assert "vending plan --merge parts/* --out plans" in runs["plans"]
    assert "vending apply plans --matrix" in runs["plans"]
    assert "GITHUB_STEP_SUMMARY" in runs["plans"]  # the review, where the approvers read it
    uploads = [step for job in jobs.values() for step in job["steps"] if "upload-artifact" in step.get("uses", "")]
    assert len(uploads) == 2
    for upload in uploads:  # each stack's provider lock file, not its installed providers
        assert upload["with"]["include-hidden-files"] is True and upload["with"]["retention-days"] <= 7
    assert "!part/stacks/*/.terraform/" in uploads[0]["with"]["path"]
    shard = yaml.safe_load((GITHUB / "actions" / "apply-shard" / "action.yml").read_text())
    assert shard["runs"]["steps"][-1]["run"] == '.venv/bin/vending apply plans --job "$JOB" --shard "$SHARD"'


def test_pull_requests_check_priorities_and_never_overwrite_a_newer_review():
    found = workflow("plan-review.yml")
    assert list(found["on"]) == ["pull_request"]
    [job] = found["jobs"].values()
    steps = job["steps"]
    runs = "\n".join(step.get("run", "") for step in steps)
    assert "vending priorities --check" in runs
    assert runs.count('--commit "$HEAD_SHA"') == 2  # the plan review and the synth diff
    assert runs.count('"${strict[@]}"') == 2 and "vars.REVIEW_STRICT || 'true'" in str(steps)
    scripts = [step["with"]["script"] for step in steps if "github-script" in step.get("uses", "")]
    mark, comment = scripts
    assert "vending-plan-review-commit" in mark and "Outdated" in mark
    assert "pull.head.sha !== ours" in comment  # an older run leaves the comment alone


def test_images_are_baked_in_ci_and_recorded_through_one_pull_request():
    found = workflow("bake.yml")
    assert found["on"]["push"] == {
        "branches": ["main"],
        "paths": ["packer/**", "vending/assets/codedeploy-agent.sh", "customers/*.yaml"],
    }
    assert found["on"]["schedule"] and "environments" in found["on"]["workflow_dispatch"]["inputs"]
    assert found["permissions"] == {"contents": "read"}
    jobs = found["jobs"]
    assert list(jobs) == ["which", "bake", "record"]
    runs = {name: "\n".join(step.get("run", "") for step in job["steps"]) for name, job in jobs.items()}
    assert 'vending affected --bake --base "$BEFORE" --format json' in runs["which"]
    assert jobs["bake"]["strategy"]["matrix"]["environment"] == "${{ fromJSON(needs.which.outputs.environments) }}"
    assert jobs["bake"]["permissions"]["id-token"] == "write" and 'vending bake "$ENVIRONMENT"' in runs["bake"]
    role = [s for s in jobs["bake"]["steps"] if "configure-aws-credentials" in s.get("uses", "")][0]
    assert role["with"]["role-to-assume"] == "${{ vars.AWS_APPLY_ROLE_ARN }}"
    assert jobs["record"]["needs"] == ["which", "bake"]
    assert jobs["record"]["permissions"] == {"contents": "write", "pull-requests": "write"}
    assert "vending images pull-request" in runs["record"]
    [pull_request] = [s for s in jobs["record"]["steps"] if "create-pull-request" in s.get("uses", "")]
    assert pull_request["with"]["branch"] == "vending/images" and pull_request["with"]["add-paths"] == "images/*.json"


def test_the_fleets_status_is_published_every_night_as_a_page_with_minimal_permissions():
    found = workflow("status.yml")
    assert found["on"]["schedule"] and "workflow_dispatch" in found["on"]
    assert found["permissions"] == {"contents": "read"}
    [job] = found["jobs"].values()
    assert job["permissions"] == {"contents": "read", "id-token": "write"}
    role = [s for s in job["steps"] if "configure-aws-credentials" in s.get("uses", "")][0]
    assert role["with"]["role-to-assume"] == "${{ vars.AWS_PLAN_ROLE_ARN }}"  # never the apply role
    runs = "\n".join(step.get("run", "") for step in job["steps"])
    assert runs.index(".venv/bin/vending drift") < runs.index(".venv/bin/vending status --format html")
    assert "|| [ $? -eq 2 ]" in runs  # drift found is the page's news, not a failed run
    [upload] = [s for s in job["steps"] if "upload-artifact" in s.get("uses", "")]
    assert upload["with"]["path"] == "status/" and upload["with"]["retention-days"] <= 90
