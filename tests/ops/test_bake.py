"""The Packer wrapper (`vending bake`): commit metadata, the var-file, the real
`packer validate` and `packer build`, manifests, failures that keep the previous record, and
the recorded AMI reaching synth."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import ROOT, git, synthesize
from vending import cli
from vending.local import emulator as local
from vending.model import images
from vending.model.load import load_config
from vending.ops import bake
from vending.ops.bake import BakeError, Commit

NASTY_MESSAGE = (
    "Fix \"quoted\" 'things' and C:\\path\\ and ${var.region} and %{ if true }x%{ endif }\n\n"
    "\tTabbed body, {{ oops }} {{{ braces }}} and emoji 🚀👩‍💻 — "
) + "long line " * 40
MOTO_AMI = "ami-1e749f67"  # one of the images moto knows in eu-west-1
FAKE_PACKER = """\
#!/bin/bash
# Stands in for packer where the test needs Packer >= 1.7 or a given failure.
echo "$*" >> "$FAKE_PACKER_LOG"
case "$1" in
  version) printf '%b' "$FAKE_PACKER_VERSION" ;;
  validate) echo "files: $(LC_ALL=C ls | tr '\\n' ' ')" >> "$FAKE_PACKER_LOG" ;;
  build)
    echo '1700000000,,ui,say,==> amazon-ebs.image: Creating AMI%!(PACKER_COMMA) fake'
    case "$FAKE_PACKER_BUILD" in
      fail) echo '1700000001,,ui,error,Build failed: boom'; exit 1 ;;
      hang)
        trap 'echo "1700000003,,ui,error,Cancelling build"; echo terminated >> "$FAKE_PACKER_LOG"; kill $!; exit 1' TERM
        sleep 30 & wait $! ;;
      error-exit-0) echo '1700000002,,ui,error,==> amazon-ebs.image: Error interpolating AMI description' ;;
    esac
    run=run-2
    [ "$FAKE_PACKER_BUILD" = no-artifact ] && run=run-3
    cat > manifest.json <<EOF
{"builds": [
  {"name": "image", "builder_type": "amazon-ebs", "build_time": 1, "files": null,
   "artifact_id": "eu-west-1:ami-0aaaaaaaaaaaaaaa1", "packer_run_uuid": "run-1", "custom_data": null},
  {"name": "image", "builder_type": "amazon-ebs", "build_time": 2, "files": null,
   "artifact_id": "eu-west-1:ami-0bbbbbbbbbbbbbbb2", "packer_run_uuid": "run-2", "custom_data": null}],
 "last_run_uuid": "$run"}
EOF
    ;;
esac
"""
PACKER_1_6 = "Packer v1.6.6\\n"
PACKER_1_11 = (
    "Packer v1.11.2\\n\\nYour version of Packer is out of date! The latest version\\n"
    "is 1.12.0. You can update by downloading from www.packer.io/downloads\\n"
)


def git_repo(path: Path, message: str) -> Path:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Zoë O'Brien",
        "GIT_AUTHOR_EMAIL": "zoe@example.com",
        "GIT_COMMITTER_NAME": "Zoë O'Brien",
        "GIT_COMMITTER_EMAIL": "zoe@example.com",
        "GIT_AUTHOR_DATE": "2024-05-01T12:00:00+02:00",
        "GIT_COMMITTER_DATE": "2024-05-01T12:00:00+02:00",
    }
    subprocess.run(["git", "init", "-q", str(path)], check=True)
    subprocess.run(
        ["git", "-C", str(path), "commit", "-q", "--allow-empty", "--cleanup=verbatim", "-F", "-"],
        input=message.encode(),
        env=env,
        check=True,
    )
    return path


def commit(message: str = "Fix it", author: str = "Zoë O'Brien <zoe@example.com>") -> Commit:
    return Commit("0123456789abcdef0123456789abcdef01234567", "2024-05-01T12:00:00+02:00", author, message)


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


# --- commit metadata ------------------------------------------------------------------------


def test_commit_from_git_keeps_the_message_as_written(tmp_path):
    repo = git_repo(tmp_path / "repo", NASTY_MESSAGE)
    found = bake.commit_from_git(repo)
    assert len(found.id) == 40
    assert (found.time, found.author) == ("2024-05-01T12:00:00+02:00", "Zoë O'Brien <zoe@example.com>")
    assert found.message == NASTY_MESSAGE.strip()


def test_commit_from_github_actions_without_git(tmp_path):
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"head_commit": {"message": "Ship it", "timestamp": "2024-05-01T10:00:00Z"}}))
    environ = {"GITHUB_SHA": "abc123", "GITHUB_ACTOR": "octocat", "GITHUB_EVENT_PATH": str(event)}
    assert bake.commit_metadata(tmp_path, environ) == Commit("abc123", "2024-05-01T10:00:00Z", "octocat", "Ship it")


def test_commit_from_codebuild_without_git(tmp_path):
    environ = {"CODEBUILD_RESOLVED_SOURCE_VERSION": "def456", "CODEBUILD_INITIATOR": "codepipeline/acme"}
    found = bake.commit_metadata(tmp_path, environ)
    assert (found.id, found.author, found.message) == ("def456", "codepipeline/acme", "")
    assert found.time.endswith("+00:00")  # the bake's own time: CodeBuild does not give the commit's


def test_no_git_and_no_ci_is_a_clear_error(tmp_path):
    with pytest.raises(BakeError) as error:
        bake.commit_metadata(tmp_path, {})
    assert str(error.value).startswith("no commit metadata: git: fatal: not a git repository")
    assert str(error.value).endswith("and no CI variables (GITHUB_SHA or CODEBUILD_RESOLVED_SOURCE_VERSION)")


# --- description and tags -------------------------------------------------------------------


def test_description_format():
    assert bake.description(commit("Fix it\n\nBecause.")) == (
        "commit id: 0123456789abcdef0123456789abcdef01234567\n"
        " time stamp: 2024-05-01T12:00:00+02:00\n"
        " commit by: Zoë O'Brien <zoe@example.com>\n"
        " message: Fix it\n\nBecause."
    )


def test_long_description_cuts_the_message_only():
    text = bake.description(commit(NASTY_MESSAGE))
    head = bake.description(commit("")).removesuffix(" message: ")
    assert 254 <= utf16_length(text) <= 255 and text.startswith(head) and text.endswith("…")


def test_description_never_splits_a_character():
    head = len(bake.description(commit("")))
    text = bake.description(commit("x" * (254 - head - 1) + "🚀" * 10))  # an emoji straddles the limit
    assert utf16_length(text) <= 255
    assert text.endswith("x…")  # the straddling emoji is dropped whole


@given(st.text(max_size=400), st.text(min_size=1, max_size=60))
def test_any_description_fits_and_keeps_id_time_author(message, author):
    text = bake.description(commit(message, author))
    head = f"commit id: {commit().id}\n time stamp: {commit().time}\n commit by: {author}\n"
    assert utf16_length(text) <= 255
    assert text.startswith(bake.without_templates(head))
    assert "{{" not in text  # Packer would render it as a template


def test_description_defuses_packer_templates():
    assert bake.without_templates("a {{ .Foo }} {{{ b") == "a { { .Foo }} { { { b"


def test_tags_carry_the_commit_in_characters_aws_allows(config_dir):
    config_dir.customer("acme", "prod", tags={"team": "web"})
    config = load_config(config_dir.path)
    tags = bake.ami_tags(config.platform, config.customers[0], "ami-acme-prod-42", "42", commit(NASTY_MESSAGE))
    assert tags["vending:commit-id"] == commit().id
    assert tags["vending:commit-author"] == "Zoë O Brien zoe@example.com"
    assert tags["vending:commit-message"].startswith("Fix quoted things and C: path and var.region and if true x endif")
    assert tags["team"] == "web"
    assert tags["Name"] == "ami-acme-prod-42" and tags["vending:build"] == "42"
    assert all(len(value) <= 256 for value in tags.values())
    assert not any(set(value) & set("{}$%\"'\n\t🚀") for value in tags.values())


# --- var-file and the real `packer validate` ---------------------------------------------------


@pytest.mark.parametrize("endpoint", [None, "http://127.0.0.1:4566"], ids=["aws", "emulator"])
def test_nasty_commit_reaches_packer_intact_and_validates(config_dir, tmp_path, endpoint):
    config_dir.customer("acme", "prod")
    config = load_config(config_dir.path)
    variables = bake.packer_variables(config.platform, config.customers[0], 42, commit(NASTY_MESSAGE), endpoint)
    build_dir = tmp_path / "build"
    build_dir.mkdir()
    bake.write_build_dir(build_dir, variables, plugins=False)

    assert json.loads((build_dir / bake.VAR_FILE).read_text(encoding="utf-8")) == variables
    assert variables["ami_description"] == bake.description(commit(NASTY_MESSAGE))
    assert (variables["ami_name"], variables["instance_name"]) == ("ami-acme-prod-42", "acme-prod-42")
    assert variables["communicator"] == ("none" if endpoint else "ssh")
    assert sorted(path.name for path in build_dir.iterdir()) == [
        "codedeploy-agent.sh",
        "image.pkr.hcl",
        "python-runtime.sh",
        bake.VAR_FILE,
    ]
    bake.run_checked(["packer", "validate", *bake.packer_arguments(variables)], build_dir, "packer validate")


# --- packer output and manifests -------------------------------------------------------------


def test_packer_version_detection():
    assert bake.parse_version("Packer v1.6.6\n") == (1, 6, 6) < bake.PLUGINS_SINCE
    newer = "Packer v1.11.2\n\nYour version of Packer is out of date! The latest version\nis 1.12.0.\n"
    assert bake.parse_version(newer) == (1, 11, 2) >= bake.PLUGINS_SINCE
    assert bake.parse_version("Packer v1.7.0") >= bake.PLUGINS_SINCE
    with pytest.raises(BakeError, match="unexpected output"):
        bake.parse_version("command not found")


def test_machine_readable_lines():
    assert bake.ui_line("1700000000,,ui,say,==> amazon-ebs.image: No volumes%!(PACKER_COMMA) skipping\n") == (
        "say",
        "==> amazon-ebs.image: No volumes, skipping",
    )
    assert bake.ui_line("1700000000,,ui,say,--> AMIs were created:\\neu-west-1: ami-1\\n") == (
        "say",
        "--> AMIs were created:\neu-west-1: ami-1",
    )
    assert bake.ui_line("1700000000,,ui,error,Build failed") == ("error", "Build failed")
    assert bake.ui_line("1700000000,amazon-ebs.image,artifact,0,id,eu-west-1:ami-1") is None
    assert bake.ui_line("panic: runtime error\n") == ("raw", "panic: runtime error")


def manifest(*builds: tuple[str, str], last_run: str) -> dict:
    """The shape Packer's manifest post-processor writes (it appends one entry per build)."""
    return {
        "builds": [
            {
                "name": "image",
                "builder_type": "amazon-ebs",
                "build_time": 1700000000 + index,
                "files": None,
                "artifact_id": artifact_id,
                "packer_run_uuid": run,
                "custom_data": None,
            }
            for index, (run, artifact_id) in enumerate(builds)
        ],
        "last_run_uuid": last_run,
    }


def test_manifest_gives_the_ami_of_the_last_run():
    several = manifest(
        ("run-1", "eu-west-1:ami-0aaaaaaaaaaaaaaa1"),
        ("run-2", "us-east-1:ami-0ccccccccccccccc3,eu-west-1:ami-0bbbbbbbbbbbbbbb2"),
        ("run-3", "eu-west-1:ami-0ddddddddddddddd4"),
        last_run="run-2",
    )
    assert bake.artifact(several, "eu-west-1") == "ami-0bbbbbbbbbbbbbbb2"
    assert bake.artifact(several, "us-east-1") == "ami-0ccccccccccccccc3"


@pytest.mark.parametrize(
    "shape",
    [
        manifest(("run-1", "eu-west-1:ami-0aaaaaaaaaaaaaaa1"), last_run="run-2"),
        manifest(("run-2", "us-east-1:ami-0ccccccccccccccc3"), last_run="run-2"),
        manifest(("run-2", ""), last_run="run-2"),
        {"builds": []},
    ],
    ids=["earlier-run-only", "other-region", "empty-artifact", "no-builds"],
)
def test_manifest_without_an_artifact_of_this_run(shape):
    with pytest.raises(BakeError, match="packer manifest: no AMI in eu-west-1 from this run"):
        bake.artifact(shape, "eu-west-1")


# --- the command, end to end --------------------------------------------------------------------


@pytest.fixture
def workspace(tmp_path, config_dir, monkeypatch):
    """acme-prod configured, a repository with a nasty commit, a previous bake record."""
    config_dir.customer("acme", "prod", image={"source_ami": MOTO_AMI})
    images_dir = tmp_path / "images"
    previous = images.write_record(images_dir, "acme-prod", {"ami_id": "ami-0123456789abcdef0", "previous": True})
    monkeypatch.setenv("VENDING_CUSTOMERS_DIR", str(config_dir.path))
    monkeypatch.setenv("VENDING_IMAGES_DIR", str(images_dir))
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("CHECKPOINT_DISABLE", "1")
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr("tempfile.tempdir", None)  # re-read TMPDIR
    repo = git_repo(tmp_path / "repo", NASTY_MESSAGE)

    class Workspace:
        record = previous
        before = previous.read_bytes()
        command = ["bake", "acme-prod", "--repo", str(repo), "--build-number", "42"]

        def unchanged(self) -> bool:
            """The previous record byte for byte, and no build directory left behind."""
            leftovers = list((tmp_path / "tmp").iterdir())
            return self.record.read_bytes() == self.before and not leftovers

    return Workspace()


@pytest.fixture
def fake_packer(tmp_path, monkeypatch):
    """A `packer` on PATH that logs its calls; FAKE_PACKER_* select its version and build."""
    bin_dir = tmp_path / "fake-bin"
    bin_dir.mkdir()
    (bin_dir / "packer").write_text(FAKE_PACKER)
    (bin_dir / "packer").chmod(0o755)
    log = tmp_path / "packer.log"
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_PACKER_LOG", str(log))
    monkeypatch.setenv("FAKE_PACKER_VERSION", PACKER_1_11)
    monkeypatch.setenv("FAKE_PACKER_BUILD", "ok")
    return log


def run_cli(capsys, command: list[str]) -> tuple[int, str, str]:
    status = cli.main(command)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.mark.parametrize("version", [PACKER_1_11, PACKER_1_6], ids=["1.11", "1.6"])
def test_command_plan_runs_init_only_where_supported(workspace, fake_packer, monkeypatch, capsys, version):
    monkeypatch.setenv("FAKE_PACKER_VERSION", version)
    status, out, err = run_cli(capsys, workspace.command)
    assert status == 0, err
    calls = fake_packer.read_text().splitlines()
    only = "-only=amazon-ebs.image -var-file=variables.pkrvars.json ."
    plugins = "plugins.pkr.hcl " if version == PACKER_1_11 else ""
    files = f"files: codedeploy-agent.sh image.pkr.hcl {plugins}python-runtime.sh variables.pkrvars.json "
    init = ["init ."] if version == PACKER_1_11 else []
    assert calls == ["version", *init, f"validate {only}", files, f"build -machine-readable {only}"]
    assert "==> amazon-ebs.image: Creating AMI, fake" in err
    assert out.splitlines() == [
        "export AMI_ID=ami-0bbbbbbbbbbbbbbb2",
        "export AMI_NAME=ami-acme-prod-42",
        "export INSTANCE_NAME=acme-prod-42",
    ]
    record = json.loads(workspace.record.read_text(encoding="utf-8"))
    assert record["ami_id"] == "ami-0bbbbbbbbbbbbbbb2"
    assert record["commit"]["message"] == NASTY_MESSAGE.strip()
    assert {"ami_name", "instance_name", "region", "build_number", "built_at", "source_ami"} <= set(record)


def test_packer_missing(workspace, tmp_path, monkeypatch, capsys):
    bin_dir = tmp_path / "bin"  # git, and no packer
    bin_dir.mkdir()
    (bin_dir / "git").symlink_to(shutil.which("git"))
    monkeypatch.setenv("PATH", str(bin_dir))
    status, out, err = run_cli(capsys, workspace.command)
    assert (status, out) == (1, "")
    assert "bake acme-prod: packer: not found on PATH" in err
    assert f"nothing recorded: {workspace.record} is unchanged" in err
    assert workspace.unchanged()


def test_validate_failure_shows_packers_message(workspace, tmp_path, monkeypatch, capsys):
    broken = tmp_path / "packer-template"
    shutil.copytree(ROOT / "packer", broken)
    with (broken / "image.pkr.hcl").open("a") as template:
        template.write("\nbuild {\n  nonsense = true\n}\n")
    monkeypatch.setattr(bake, "TEMPLATE_DIR", broken)
    status, out, err = run_cli(capsys, workspace.command)
    assert status == 1
    assert "bake acme-prod: packer validate failed (exit 1):" in err
    assert 'An argument named "nonsense" is not expected here.' in err
    assert workspace.unchanged()


def test_build_failure_against_an_unreachable_endpoint(workspace, monkeypatch, capsys):
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{local.free_port()}")  # nothing listens
    status, out, err = run_cli(capsys, workspace.command)
    assert status == 1
    assert "==> amazon-ebs.unprovisioned: Prevalidating" in err  # the real Packer's progress, streamed
    assert "connection refused" in err
    assert "bake acme-prod: packer build failed (exit 1" in err
    assert workspace.unchanged()


@pytest.mark.parametrize(
    ("build", "message"),
    [
        ("fail", "packer build failed (exit 1, 1 error message(s))"),
        ("error-exit-0", "packer build failed (exit 0, 1 error message(s))"),
        ("no-artifact", "packer manifest: no AMI in eu-west-1 from this run (run-3)"),
    ],
)
def test_failed_builds_record_nothing(workspace, fake_packer, monkeypatch, capsys, build, message):
    monkeypatch.setenv("FAKE_PACKER_BUILD", build)
    status, out, err = run_cli(capsys, workspace.command)
    assert (status, out) == (1, "")
    assert f"bake acme-prod: {message}" in err
    assert workspace.unchanged()


def test_sigterm_stops_packer_and_keeps_the_record(workspace, fake_packer, monkeypatch):
    monkeypatch.setenv("FAKE_PACKER_BUILD", "hang")
    process = subprocess.Popen(
        [sys.executable, "-m", "vending", *workspace.command],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    for line in process.stderr:  # wait until the build runs
        if "Creating AMI" in line:
            break
    time.sleep(0.2)
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 130
    assert out == ""
    assert "interrupted: stopping packer" in err and "Cancelling build" in err
    assert "terminated" in fake_packer.read_text()  # packer was told to stop and clean up
    assert workspace.unchanged()


# --- synth reads the record -------------------------------------------------------------------


def test_synthesized_launch_template_uses_the_recorded_ami(samples_dir, tmp_path):
    images_dir = tmp_path / "images"
    images.write_record(images_dir, "acme-prod", {"ami_id": "ami-0feedfacecafe0042", "ami_name": "ami-acme-prod-42"})
    synth = synthesize(samples_dir, tmp_path / "cdktf.out", images_dir=images_dir, stacks=("acme-prod",))
    assert synth.one("acme-prod", "aws_launch_template")["image_id"] == "ami-0feedfacecafe0042"
    output = synth.stack("acme-prod")["output"]["ami_id"]
    assert output["value"] == "ami-0feedfacecafe0042"
    assert "baked" in output["description"]


# --- a real bake against the local emulator -------------------------------------------------------


@pytest.fixture
def moto_server(tmp_path):
    port = local.free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(url, timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("moto_server did not start")
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.mark.e2e
def test_real_bake_against_the_emulator(workspace, moto_server, monkeypatch, capsys):
    import boto3

    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    status, out, err = run_cli(capsys, workspace.command)
    assert status == 0, err
    record = json.loads(workspace.record.read_text(encoding="utf-8"))
    assert out.splitlines()[0] == f"export AMI_ID={record['ami_id']}"
    assert (record["ami_name"], record["region"], record["source_ami"]) == ("ami-acme-prod-42", "eu-west-1", MOTO_AMI)
    # The AMI exists (Packer 1.6 deregisters it, yet exits 0, when a late step fails).
    ec2 = boto3.client("ec2", endpoint_url=moto_server, region_name="eu-west-1")
    (image,) = ec2.describe_images(ImageIds=[record["ami_id"]])["Images"]
    tags = {tag["Key"]: tag["Value"] for tag in image["Tags"]}
    assert tags["vending:commit-id"] == record["commit"]["id"]
    assert tags["vending:stack"] == "acme-prod"
    assert tags["vending:commit-message"].startswith("Fix quoted things")


# --- a dirty tree ----------------------------------------------------------------------------


def make_dirty(repo: Path) -> None:
    """A tracked file with uncommitted changes."""
    (repo / "app.txt").write_text("committed\n")
    git(repo, "add", "app.txt")
    git(repo, "commit", "-qm", "app")
    (repo / "app.txt").write_text("changed, not committed\n")


def test_a_dirty_tree_stops_the_bake_before_packer_starts(workspace, fake_packer, capsys):
    repo = Path(workspace.command[workspace.command.index("--repo") + 1])
    make_dirty(repo)
    (repo / "untracked.txt").write_text("untracked files do not count\n")
    status, out, err = run_cli(capsys, workspace.command)
    assert (status, out) == (1, "")
    assert err.strip() == f"uncommitted changes in {repo}: commit or stash them, or pass --allow-dirty"
    assert not fake_packer.exists()  # packer never ran
    assert workspace.unchanged()

    status, out, err = run_cli(capsys, [*workspace.command, "--allow-dirty"])
    assert status == 0, err
    assert json.loads(workspace.record.read_text())["dirty"] is True


def test_a_dirty_bake_is_tagged_and_a_clean_one_is_not(config_dir):
    config = load_config(config_dir.customer("acme", "prod").path)
    customer = config.customer("acme-prod")
    dirty = bake.packer_variables(config.platform, customer, 1, commit(), None, dirty=True)["tags"]
    clean = bake.packer_variables(config.platform, customer, 1, commit(), None)["tags"]
    assert dirty["vending:dirty"] == "true" and "vending:dirty" not in clean


@pytest.mark.e2e
def test_dirty_then_clean_bakes_and_prune_against_the_emulator(workspace, moto_server, monkeypatch, capsys):
    """With the real Packer: a dirty tree refused, then allowed; a clean bake; then prune, dry
    and applied: the newest AMI (the record's) stays, the older one goes with its snapshots."""
    import boto3

    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    ec2 = boto3.client("ec2", endpoint_url=moto_server, region_name="eu-west-1")
    repo = Path(workspace.command[workspace.command.index("--repo") + 1])
    make_dirty(repo)
    assert run_cli(capsys, workspace.command)[0] == 1
    assert ec2.describe_images(Owners=["self"])["Images"] == []

    status, _, err = run_cli(capsys, [*workspace.command, "--allow-dirty"])
    assert status == 0, err
    dirty = json.loads(workspace.record.read_text())
    (image,) = ec2.describe_images(ImageIds=[dirty["ami_id"]])["Images"]
    assert {"Key": "vending:dirty", "Value": "true"} in image["Tags"] and dirty["dirty"] is True

    git(repo, "checkout", "-q", "app.txt")
    clean_command = [*workspace.command[:-1], "43"]  # the next build number
    status, _, err = run_cli(capsys, clean_command)
    assert status == 0, err
    clean = json.loads(workspace.record.read_text())
    assert "dirty" not in clean

    def state() -> tuple[set[str], set[str]]:
        amis = ec2.describe_images(Owners=["self"])["Images"]
        snapshots = {s["SnapshotId"] for s in ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"]}
        return {a["ImageId"] for a in amis}, snapshots

    amis, snapshots = state()
    assert amis == {dirty["ami_id"], clean["ami_id"]}
    (older_image,) = ec2.describe_images(ImageIds=[dirty["ami_id"]])["Images"]
    its_snapshots = {m["Ebs"]["SnapshotId"] for m in older_image["BlockDeviceMappings"] if "Ebs" in m}
    assert its_snapshots and its_snapshots <= snapshots
    status, out, _ = run_cli(capsys, ["images", "list", "acme-prod"])
    assert status == 0
    [header, newest, older] = out.splitlines()
    assert newest.startswith(clean["ami_id"]) and "bake record" in newest
    assert older.startswith(dirty["ami_id"]) and "(dirty)" in older

    status, out, _ = run_cli(capsys, ["images", "prune", "acme-prod", "--keep", "1"])
    assert status == 0
    assert f"would deregister {dirty['ami_id']} (ami-acme-prod-42)" in out
    assert out.splitlines()[-1] == "dry run: 1 of 2 AMI(s) to prune, 1 kept; nothing changed (--apply prunes)"
    assert state() == (amis, snapshots)

    status, out, _ = run_cli(capsys, ["images", "prune", "acme-prod", "--keep", "1", "--apply"])
    assert status == 0 and out.splitlines()[-1] == "pruned 1 of 2 AMI(s); 1 kept"
    # One AMI left, and no orphan: exactly the pruned AMI's snapshots are gone.
    assert state() == ({clean["ami_id"]}, snapshots - its_snapshots)
    # The record's AMI is never pruned, however many are kept.
    assert run_cli(capsys, ["images", "prune", "acme-prod", "--keep", "0", "--apply"])[1].splitlines()[-1] == (
        "pruned 0 of 1 AMI(s); 1 kept"
    )
