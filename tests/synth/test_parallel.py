"""Bulk synth over worker processes: shares, the merged output (the same bytes as one process
writes), and a failing worker (nothing written, no lock update)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import run_python, run_synth, tree, tree_digest
from vending.errors import ConfigError
from vending.model import priorities
from vending.settings import Settings
from vending.synth import output, parallel

# main.py with a share for every stack or two (the samples are too few to be split otherwise),
# and with `fail` set, a worker that fails.
MAIN_IN_SHARES = """
import runpy, sys
from vending.model import rules
from vending.synth import app, parallel
parallel.MIN_STACKS_PER_WORKER = 1
rules._production_database_problems = lambda customer: []  # so that a synth policy finds what it refuses
build = app.build
def failing(prepared, outdir):
    if sys.argv[1] in prepared.stacks:
        raise RuntimeError("boom")
    return build(prepared, outdir)
if len(sys.argv) > 1:
    app.build = failing
runpy.run_path("main.py", run_name="__main__")
"""


def run_in_shares(customers: Path, outdir: Path, *fail: str) -> subprocess.CompletedProcess:
    return run_synth(["-O", "-c", MAIN_IN_SHARES, *fail], customers, outdir, VENDING_WORKERS="3")


@pytest.fixture
def without_jsii(monkeypatch):
    monkeypatch.delitem(sys.modules, "jsii", raising=False)


def test_stacks_are_split_in_contiguous_near_equal_shares(without_jsii):
    stacks = [f"s{i}" for i in range(21)]
    assert parallel.split(stacks, 2) == [tuple(stacks[:11]), tuple(stacks[11:])]
    assert [len(share) for share in parallel.split(stacks, 4)] == [11, 10]  # a worker needs 8 stacks or more
    assert parallel.split(stacks[:15], 2) == [tuple(stacks[:15])]  # too few for two workers
    assert parallel.split(stacks, 1) == [tuple(stacks)]


def test_one_share_when_jsii_is_loaded_here(monkeypatch):
    monkeypatch.setitem(sys.modules, "jsii", sys)
    assert parallel.split([f"s{i}" for i in range(100)], 2) == [tuple(f"s{i}" for i in range(100))]


def test_workers_default_to_one_per_core_and_must_be_positive():
    assert Settings.from_environ({}).workers == len(os.sched_getaffinity(0))
    assert Settings.from_environ({"VENDING_WORKERS": "3"}).workers == 3
    for bad in ("0", "two", "-1"):
        with pytest.raises(ConfigError) as error:
            Settings.from_environ({"VENDING_WORKERS": bad})
        assert error.value.problems == [f"VENDING_WORKERS: must be a whole number ≥ 1 (got {bad!r})"]


def test_the_manifest_is_written_the_way_cdktf_writes_it(sample_synth):
    text = (sample_synth.outdir / "manifest.json").read_text()
    assert output.stable_json(json.loads(text)) == text


def test_synth_in_shares_writes_the_same_bytes_and_the_lock_once(sample_synth, samples_dir, tmp_path):
    customers = tmp_path / "customers"
    shutil.copytree(samples_dir, customers)
    (customers / priorities.LOCK_FILE).unlink()  # the parent allocates and writes it again
    result = run_in_shares(customers, tmp_path / "cdktf.out")
    assert result.returncode == 0, result.stderr
    assert tree(tmp_path / "cdktf.out") == tree(sample_synth.outdir)
    assert priorities.read_lock(customers) == priorities.read_lock(samples_dir)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cdktf.out", "customers"]


def test_each_worker_runs_on_a_core_of_its_own(tmp_path):
    # In a process of its own: a forked worker runs the exit handlers of the process it came from.
    code = (
        "import json, os, sys\n"
        "from pathlib import Path\n"
        "from vending.synth import parallel\n"
        "def synth_share(share, part):\n"
        "    (part / 'stacks' / share[0]).mkdir(parents=True)\n"
        "    (part / 'stacks' / share[0] / 'cores').write_text(json.dumps(sorted(os.sched_getaffinity(0))))\n"
        "    (part / 'manifest.json').write_text(json.dumps({'version': '0', 'stacks': {share[0]: {}}}))\n"
        "cores = sorted(os.sched_getaffinity(0))\n"
        "parallel.synth([(f's{core}',) for core in cores], Path(sys.argv[1]), synth_share)\n"
        "print(json.dumps({c: json.loads(Path(sys.argv[1], 'stacks', f's{c}', 'cores').read_text()) for c in cores}))"
    )
    assert json.loads(run_python(code, str(tmp_path))) == {
        str(core): [core] for core in sorted(os.sched_getaffinity(0))
    }


def test_a_failing_worker_stops_synth_and_changes_nothing(config_dir, tmp_path):
    for name in ("acme", "globex", "initech"):
        config_dir.customer(name, "dev")
    outdir = tmp_path / "cdktf.out"
    (outdir / "stacks" / "acme-dev").mkdir(parents=True)
    (outdir / "manifest.json").write_text('{"previous": true}')
    before = tree_digest(outdir)
    result = run_in_shares(config_dir.path, outdir, "globex-dev")
    assert result.returncode == 1
    assert "RuntimeError: boom" in result.stderr
    stopped = "synth stopped: synth failed in 1 of 3 worker process(es); nothing was written"
    assert result.stderr.splitlines()[-1] == stopped
    assert tree_digest(outdir) == before
    assert not (config_dir.path / priorities.LOCK_FILE).exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cdktf.out", "customers"]


def test_problems_found_in_a_worker_stop_synth_as_in_one_process(samples_dir, tmp_path):
    customers = tmp_path / "customers"
    shutil.copytree(samples_dir, customers)
    prod = customers / "acme-prod.yaml"
    prod.write_text(prod.read_text().replace("storage_gb: 20", "storage_gb: 20\n  deletion_protection: false"))
    result = run_in_shares(customers, tmp_path / "cdktf.out")
    assert result.returncode == 1
    assert result.stderr.splitlines()[-2:] == [
        "acme-prod/database/instance: production database must have deletion protection",
        "synth stopped: 1 problem(s); nothing was written",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["customers"]
