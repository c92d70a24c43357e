"""Shared fixtures. The expensive part, jsii's start-up, is paid once per session: the sample
customers are synthesized once and every synth test reads that output."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml

import vending  # noqa: F401 - silences jsii's Node version warnings, here and in the processes tests start

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "customers"

os.environ.setdefault("CHECKPOINT_DISABLE", "1")
# Every synth of the suite builds what it writes, so that comparing two outputs compares two
# synths; the cache's own tests give it a directory of their own.
os.environ["VENDING_SYNTH_CACHE"] = "off"


def git(repo: Path, *args: str) -> str:
    """Run git in ``repo`` as a test author; its output, stripped."""
    command = ["git", "-c", "user.name=Test", "-c", "user.email=test@example.com", *args]
    return subprocess.run(command, cwd=repo, check=True, capture_output=True, text=True).stdout.strip()


def tree(directory: Path) -> dict[str, bytes]:
    """Every file below ``directory``, by relative path."""
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def tree_digest(directory: Path) -> str:
    """One digest of the paths and contents below ``directory``."""
    digest = hashlib.sha256()
    for path in sorted(directory.rglob("*")):
        digest.update(str(path.relative_to(directory)).encode())
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


# The expressions synth itself writes: references to resources and data sources, and element().
OWN_EXPRESSION = re.compile(r"\$\{(?:aws_[a-z0-9_]+\.|data\.|element\()")


def live_expressions(value) -> list[str]:
    """Every string of Terraform JSON that Terraform would evaluate as an expression it was not
    written by synth: a ``${`` or ``%{`` not escaped as ``$${`` / ``%%{``. cdktf's ``//`` metadata
    is a comment, which Terraform does not read."""
    if isinstance(value, dict):
        return [
            found
            for key, item in value.items()
            if key != "//"
            for found in live_expressions(key) + live_expressions(item)
        ]
    if isinstance(value, list):
        return [found for item in value for found in live_expressions(item)]
    if isinstance(value, str):
        text = value.replace("$${", "").replace("%%{", "")
        if "%{" in text or any(
            not OWN_EXPRESSION.match(text, i) for i in (m.start() for m in re.finditer(r"\$\{", text))
        ):
            return [value]
    return []


def run_python(code: str, *argv: str) -> str:
    """``python -c code argv…`` in the repository; what it printed (it must succeed)."""
    result = subprocess.run([sys.executable, "-c", code, *argv], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def run_synth(python_args: list[str], customers: Path, outdir: Path, **env: str) -> subprocess.CompletedProcess:
    """``python python_args…`` in the repository, synthesizing ``customers`` into ``outdir``."""
    return subprocess.run(
        [sys.executable, *python_args],
        cwd=ROOT,
        env={
            **os.environ,
            "VENDING_CUSTOMERS_DIR": str(customers),
            "VENDING_IMAGES_DIR": str(outdir.parent / "no-images"),
            "CDKTF_OUTDIR": str(outdir),
            **env,
        },
        capture_output=True,
        text=True,
        timeout=600,
    )


def run_main(config_dir: Path, outdir: Path, **env) -> subprocess.CompletedProcess:
    """``main.py`` as cdktf runs it, in the configuration directory's parent."""
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py")],
        cwd=config_dir.parent,
        env={**os.environ, "VENDING_CUSTOMERS_DIR": config_dir.name, "CDKTF_OUTDIR": str(outdir), **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


class Synth:
    """A synthesized output directory with helpers to read stacks."""

    def __init__(self, outdir: Path):
        self.outdir = outdir
        # (class, object id, attribute) → how often it was read from Node while building; the
        # session's sample synth counts them (each read is a round trip to Node).
        self.attribute_reads: Counter[tuple[str, int, str]] = Counter()

    def stack_names(self) -> list[str]:
        from vending.synth import output

        return sorted(output.stacks(self.outdir))

    def stack(self, name: str) -> dict:
        return json.loads((self.outdir / "stacks" / name / "cdk.tf.json").read_text())

    def resources(self, name: str, kind: str) -> dict:
        return self.stack(name).get("resource", {}).get(kind, {})

    def one(self, name: str, kind: str) -> dict:
        found = self.resources(name, kind)
        assert len(found) == 1, f"{name}: expected one {kind}, got {sorted(found)}"
        return next(iter(found.values()))


def synthesize(customers_dir: Path, outdir: Path, images_dir: Path | None = None, **settings) -> Synth:
    from vending.settings import Settings
    from vending.synth.app import synthesize as run

    run(
        Settings(
            customers_dir=customers_dir, outdir=outdir, images_dir=images_dir or outdir.parent / "no-images", **settings
        ),
        log=lambda line: None,
    )
    return Synth(outdir)


@pytest.fixture(scope="session")
def samples_dir(tmp_path_factory) -> Path:
    """A copy of the sample customers (synth may write priorities.lock)."""
    target = tmp_path_factory.mktemp("samples") / "customers"
    shutil.copytree(SAMPLES, target)
    return target


@pytest.fixture(scope="session")
def sample_synth(samples_dir, tmp_path_factory) -> Synth:
    """The sample customers, synthesized once for the whole session, counting attribute reads."""
    import jsii

    reads: Counter[tuple[str, int, str]] = Counter()
    read = jsii.get

    def counting_read(obj, name):
        reads[type(obj).__name__, id(obj), name] += 1  # objects stay alive: jsii's reference map holds them
        return read(obj, name)

    jsii.get = counting_read
    try:
        synth = synthesize(samples_dir, tmp_path_factory.mktemp("synth") / "cdktf.out")
    finally:
        jsii.get = read
    synth.attribute_reads = reads
    return synth


# --- writing configurations for config tests ------------------------------------------------

PLATFORM = {
    "name": "vend",
    "region": "eu-west-1",
    "domain": "apps.example.com",
    "certificate_arn": "arn:aws:acm:eu-west-1:111111111111:certificate/0b6f3c6e-2d7a-4b59-9a55-3f1e8f2a1c01",
    "network": {"cidr": "10.20.0.0/16", "availability_zones": 2},
    "state": {"backend": "s3", "bucket": "vend-tfstate-111111111111", "region": "eu-west-1", "lock": "lockfile"},
}
CONNECTION = "arn:aws:codestar-connections:eu-west-1:111111111111:connection/5f2d8c1a-9b7e-4e3f-a6d1-2c8b0e4f7a19"


def customer(name: str = "acme", environment: str = "dev", **overrides) -> dict:
    data = {
        "customer": name,
        "environment": environment,
        "image": {"source_ami": "ami-0a1b2c3d4e5f60718"},
        "pipeline": {
            "repository": f"{name}/app",
            "connection_arn": CONNECTION,
            "test_image": "111111111111.dkr.ecr.eu-west-1.amazonaws.com/test:latest",
        },
    }
    if environment == "prod":
        data["pipeline"]["approval_emails"] = ["ops@example.com"]
    return merge(data, overrides)


def merge(base: dict, overrides: dict) -> dict:
    result = dict(base)
    for key, value in overrides.items():
        if value is DELETE:
            result.pop(key, None)
        elif isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merge(result[key], value)
        else:
            result[key] = value
    return result


DELETE = object()


class ConfigDir:
    """A configuration directory under tmp_path, written file by file."""

    def __init__(self, path: Path):
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        self.platform()

    def platform(self, **overrides) -> ConfigDir:
        self.write("platform.yaml", merge(PLATFORM, overrides))
        return self

    def customer(
        self, name: str = "acme", environment: str = "dev", *, filename: str | None = None, **overrides
    ) -> ConfigDir:
        self.write(filename or f"{name}-{environment}.yaml", customer(name, environment, **overrides))
        return self

    def write(self, filename: str, data: dict | str) -> Path:
        text = data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False)
        target = self.path / filename
        target.write_text(textwrap.dedent(text) if isinstance(data, str) else text)
        return target


@pytest.fixture
def config_dir(tmp_path) -> ConfigDir:
    return ConfigDir(tmp_path / "customers")


# --- the end-to-end deployment on the local emulator (tests marked e2e) ------------------------


@pytest.hookimpl(tryfirst=True)  # before xdist turns the groups into node ids
def pytest_collection_modifyitems(items):
    """With pytest-xdist (`make test` runs `-n 2 --dist loadgroup`), all e2e tests share one
    worker and its one deployment, while the other worker runs everything else."""
    for item in items:
        if item.get_closest_marker("e2e"):
            item.add_marker(pytest.mark.xdist_group("e2e"))


E2E_STACKS = ["shared-alb", "acme-prod", "acme-prod-pipeline"]


def state_versions(demo) -> dict[str, str]:
    """Current version id of every state object of a deployment (the bucket is versioned)."""
    bucket = demo.state_objects()[0].split("/")[2]
    listed = demo.client("s3").list_object_versions(Bucket=bucket)["Versions"]
    return {v["Key"]: v["VersionId"] for v in listed if v["IsLatest"]}


def run_vending(deployed, *args: str, knobs: dict[str, str] | None = None, check: bool = True):
    """``vending args…`` against an emulator deployment (with ``knobs``: its configuration
    changed); with ``check``, it must exit 0 or 2."""
    done = subprocess.run(
        [sys.executable, "-m", "vending", *args],
        cwd=ROOT,
        env={**deployed.env(), **(knobs or {})},
        capture_output=True,
        text=True,
        timeout=900,
    )
    if check:
        assert done.returncode in (0, 2), done.stderr
    return done


@contextmanager
def lock_held(deployed, directory: Path, env: dict[str, str], key: str, *args: str) -> Iterator[list[str]]:
    """A ``terraform apply`` in ``directory`` stopped at its approval prompt, holding the state
    lock of ``key``, until the block ends; then it is answered no. Yields a list that holds its
    output afterwards."""
    holder = subprocess.Popen(
        ["terraform", "apply", "-no-color", *args],
        cwd=directory,
        env={name: value for name, value in env.items() if name != "TF_INPUT"},  # it must prompt
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output: list[str] = []
    try:
        deadline = time.monotonic() + 120
        while f"{key}.tflock" not in state_versions(deployed):
            assert time.monotonic() < deadline and holder.poll() is None, "the apply never took the lock"
            time.sleep(0.2)
        yield output
    finally:
        output.append(holder.communicate("no\n", timeout=300)[0])


def _claim_the_deployment(tmp_path_factory) -> None:
    """Stop, rather than deploy a second time, when xdist has split the e2e tests over workers."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker is None:
        return
    claim = tmp_path_factory.getbasetemp().parent / "e2e-deployment"  # shared by this run's workers
    try:
        with open(claim, "x") as mine:
            mine.write(worker)
    except FileExistsError:
        pytest.fail(
            f"e2e tests on {worker} and on {claim.read_text()}: pytest-xdist did not keep the xdist_group "
            "together (pytest 9.2 breaks --dist loadgroup, pytest-xdist#1386; the Pipfile pins pytest)",
            pytrace=False,
        )


@pytest.fixture(scope="session")
def e2e_deployment(tmp_path_factory):
    """The demo's flow, once per session: emulator, seed, bootstrap, a real Packer bake, then
    ``vending plan`` and ``vending apply`` of shared-alb, acme-prod and acme-prod-pipeline,
    round by round, and the second plan (``demo.rounds``, ``demo.second``). Tests that change
    the deployment must put it back as they found it."""
    from vending.local.demo import Demo

    _claim_the_deployment(tmp_path_factory)
    demo = Demo(workdir=tmp_path_factory.mktemp("e2e"), log=lambda line: None)
    demo.start_emulator()
    try:
        demo.seed()
        demo.bootstrap()
        demo.bake("acme-prod")
        demo.rounds = demo.deploy(E2E_STACKS)
        demo.second = demo.second_plan(E2E_STACKS)
        yield demo
    finally:
        demo.stop()
