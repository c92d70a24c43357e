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
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.conftest import DELETE, ConfigDir, git, synthesize
from vending.delivery import apply, plan, retiring
from vending.errors import ConfigError
from vending.model.load import load_config
from vending.ops import terraform
from vending.settings import Settings

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


WORKSPACES = [
    # (name, resources): only vend-initech-dev is retiring.
    ("vend-acme-prod", 40),  # defined
    ("vend-initech-dev", 12),  # its file is in git history
    ("vend-initech-dev-pipeline", 0),  # destroyed already: nothing in it
    ("vend-networking", 9),  # not a stack's name
    ("vend-old-team", 5),  # a stack's name, but no commit has customers/old-team.yaml: not Vending's
    ("other-initech-dev", 3),  # another prefix (the API's search is fuzzy)
]


class WorkspacesApi(BaseHTTPRequestHandler):
    """A stand-in for Terraform Cloud's workspace listing: two pages of ``WORKSPACES``."""

    asked: list[tuple[str, str]] = []

    def do_GET(self):
        type(self).asked.append((self.path, self.headers["Authorization"]))
        page = 2 if "page%5Bnumber%5D=2" in self.path else 1
        listed = WORKSPACES[:3] if page == 1 else WORKSPACES[3:]
        data = [{"attributes": {"name": name, "resource-count": count}} for name, count in listed]
        next_page = f"http://127.0.0.1:{self.server.server_port}{self.path}&page%5Bnumber%5D=2" if page == 1 else None
        body = json.dumps({"data": data, "links": {"next": next_page}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/vnd.api+json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_retiring_workspaces_are_found_through_the_api_and_destroyed_from_history(tmp_path, monkeypatch):
    config = ConfigDir(tmp_path / "customers").customer("acme", "prod").customer("initech", "dev")
    config.platform(
        state={"backend": "cloud", "organization": "acme-platform", "workspace_prefix": "vend-", "bucket": DELETE}
    )
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "customers")
    git(tmp_path, "commit", "-q", "-m", "acme-prod and initech-dev")
    (config.path / "initech-dev.yaml").unlink()
    server = ThreadingHTTPServer(("127.0.0.1", 0), WorkspacesApi)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setattr(retiring, "CLOUD_API", f"http://127.0.0.1:{server.server_port}/api/v2")
    monkeypatch.setenv("TF_TOKEN_app_terraform_io", "stand-in-token")
    settings = Settings(customers_dir=config.path, images_dir=tmp_path / "images")
    platform = load_config(config.path).platform
    try:
        [found] = retiring.find(settings, platform, ["acme-prod", "acme-prod-pipeline"])
    finally:
        server.shutdown()
    assert (found.stack, found.key) == ("initech-dev", "vend-initech-dev")
    assert found.origin.startswith("synthesized from customers/initech-dev.yaml at commit ")
    cloud = json.loads(found.configuration)["terraform"]["cloud"]
    assert cloud == {"organization": "acme-platform", "workspaces": {"name": "vend-initech-dev"}}
    [(path, token), *_] = WorkspacesApi.asked
    assert path == "/api/v2/organizations/acme-platform/workspaces?search%5Bname%5D=vend-&page%5Bsize%5D=100"
    assert token == "Bearer stand-in-token" and len(WorkspacesApi.asked) == 2

    monkeypatch.delenv("TF_TOKEN_app_terraform_io")
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(ConfigError, match="set TF_TOKEN_app_terraform_io, or run `terraform login"):
        retiring.find(settings, platform, [])


def test_a_retiring_workspace_is_planned_for_destruction_in_it(cloud_stacks, tmp_path):
    synth, log = cloud_stacks
    configuration = (synth.outdir / "stacks" / "acme-prod" / "cdk.tf.json").read_bytes()
    gone = retiring.Retiring("acme-prod", "acme-prod", configuration, "synthesized from history")
    review = plan.plan_retiring(gone, tmp_path / "plans", terraform.environment(), commit="c0ffee")
    assert not review.error
    destroy = ["acme-prod", "plan", "-input=false", "-no-color", "-lock-timeout=10s", "-out=tfplan", "-destroy"]
    assert destroy in commands(log)
