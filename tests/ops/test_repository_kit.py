"""`vending scaffold-app`: the customer repository kit parses, its scripts are strict
bash, its hooks exist, and its application answers the health check."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

from tests.conftest import SAMPLES
from vending import cli
from vending.local import emulator as local

HOOKS = ["BeforeInstall", "AfterInstall", "ApplicationStart", "ValidateService"]


def scaffold(*args: str, customers_dir: Path = SAMPLES) -> int:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("VENDING_CUSTOMERS_DIR", str(customers_dir))
        return cli.main(["scaffold-app", *args])


@pytest.fixture(scope="module")
def kit(tmp_path_factory) -> Path:
    """The kit for globex-prod: port 8080, health check /status."""
    target = tmp_path_factory.mktemp("repository") / "globex-portal"
    assert scaffold(str(target), "--environment", "globex-prod") == 0
    return target


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


def test_every_yaml_file_parses_and_nothing_is_left_to_fill_in(kit):
    yaml_files = [p for p in kit.rglob("*") if p.suffix in (".yaml", ".yml")]
    assert sorted(p.name for p in yaml_files) == ["appspec.yml", "buildspec.yaml"]
    for path in yaml_files:
        assert isinstance(load(path), dict), path
    for path in (p for p in kit.rglob("*") if p.is_file()):
        assert "{{" not in path.read_text(), path


def test_buildspec_runs_four_phases_and_packs_the_revision(kit):
    buildspec = load(kit / "buildspec.yaml")
    assert buildspec["version"] == 0.2
    assert list(buildspec["phases"]) == ["install", "pre_build", "build", "post_build"]
    assert all(phase["commands"] for phase in buildspec["phases"].values())
    assert {"appspec.yml", "app/**/*", "scripts/**/*"} <= set(buildspec["artifacts"]["files"])


def test_appspec_hooks_run_scripts_that_exist(kit):
    appspec = load(kit / "appspec.yml")
    assert (appspec["version"], appspec["os"]) == (0.0, "linux")
    assert list(appspec["hooks"]) == HOOKS
    for hook in HOOKS:
        for step in appspec["hooks"][hook]:
            assert (kit / step["location"]).is_file(), step
            assert 0 < step["timeout"] <= 3600 and step["runas"] == "root"
    for entry in appspec["files"]:
        assert (kit / entry["source"]).exists(), entry


def test_hook_scripts_are_strict_executable_bash(kit):
    scripts = sorted((kit / "scripts").glob("*.sh"))
    assert len(scripts) == len(HOOKS)
    for script in scripts:
        lines = script.read_text().splitlines()
        assert lines[0] == "#!/usr/bin/env bash", script
        assert next(line for line in lines[1:] if line and not line.startswith("#")) == "set -euo pipefail", script
        assert os.access(script, os.X_OK), script
        subprocess.run(["bash", "-n", str(script)], check=True)


def test_validate_service_polls_the_environments_health_check(kit):
    script = (kit / "scripts" / "validate_service.sh").read_text()
    assert 'URL="http://localhost:8080/status"' in script
    assert "curl --fail" in script and "for attempt in" in script


def test_systemd_unit_runs_what_appspec_installs(kit):
    unit = (kit / "systemd" / "webapp.service").read_text()
    destinations = {entry["source"]: entry["destination"] for entry in load(kit / "appspec.yml")["files"]}
    assert f"ExecStart=/usr/bin/python3 {destinations['app']}/server.py" in unit
    if shutil.which("systemd-analyze"):
        subprocess.run(["systemd-analyze", "verify", str(kit / "systemd" / "webapp.service")], check=True, timeout=60)


def test_application_answers_its_health_check(kit):
    port = local.free_port()
    app = subprocess.Popen(
        [sys.executable, str(kit / "app" / "server.py")],
        env={**os.environ, "PORT": str(port)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/status", timeout=2) as response:
                    assert response.status == 200
                    break
            except OSError:
                assert app.poll() is None, "the application exited"
                assert time.monotonic() < deadline, "no answer on the health check"
                time.sleep(0.2)
    finally:
        app.terminate()
        app.wait(timeout=10)


def test_the_kits_own_tests_pass_as_the_buildspec_runs_them(kit, tmp_path):
    copy = shutil.copytree(kit, tmp_path / "checkout")
    result = subprocess.run(
        [sys.executable, "-m", "unittest", "discover", "--start-directory", "tests"],
        cwd=copy,
        env={**os.environ, "PYTHONPATH": "app", "PYTHONDONTWRITEBYTECODE": "1"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


def test_defaults_without_an_environment(tmp_path):
    assert scaffold(str(tmp_path / "app")) == 0
    assert 'URL="http://localhost:8080/health"' in (tmp_path / "app" / "scripts" / "validate_service.sh").read_text()


def test_existing_files_are_kept_unless_forced(tmp_path, capsys):
    target = tmp_path / "app"
    assert scaffold(str(target)) == 0
    (target / "buildspec.yaml").write_text("mine\n")
    capsys.readouterr()

    assert scaffold(str(target)) == 1
    errors = capsys.readouterr().err.splitlines()
    assert f"{target / 'buildspec.yaml'}: already exists (use --force to overwrite)" in errors
    assert errors[-1] == "nothing was written"
    assert (target / "buildspec.yaml").read_text() == "mine\n"

    assert scaffold(str(target), "--force") == 0
    assert (target / "buildspec.yaml").read_text().startswith("# CodeBuild runs this file")


def test_clear_errors(tmp_path, capsys):
    assert scaffold(str(tmp_path / "app"), "--environment", "acme-qa") == 1
    assert capsys.readouterr().err == (
        f"acme-qa: no such environment in {SAMPLES} (known: acme-dev, acme-prod, globex-prod)\n"
    )
    (tmp_path / "file").write_text("")
    assert scaffold(str(tmp_path / "file")) == 1
    assert capsys.readouterr().err.splitlines()[0] == f"{tmp_path / 'file'}: exists and is not a directory"
