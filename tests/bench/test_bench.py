"""The benchmark (bench/bench.py) runs: its quick mode, one customer, both variants, once."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT


def test_the_benchmark_runs_at_one_customer(tmp_path):
    command = [sys.executable, "bench/bench.py", "--quick", "--out", str(tmp_path)]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr
    (size,) = json.loads((tmp_path / "report.json").read_text())["results"]
    assert (size["customers"], size["stacks"], size["identical"]) == (1, 1, True)
    assert sorted(size["median"]) == ["fast", "plain"]
    assert all(size["median"][variant]["wall"] > 0 for variant in ("fast", "plain"))
    assert "| 1 | 1 |" in (tmp_path / "REPORT.md").read_text()


def test_the_generated_platforms_are_valid_configurations(tmp_path):
    """The benchmark's platforms, of every sample's kind (its generator, not a synth)."""
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import bench
    finally:
        sys.path.remove(str(ROOT / "bench"))
    from vending.model.load import load_config

    stacks = bench.generate(tmp_path / "customers", 25)
    config = load_config(tmp_path / "customers")
    assert sorted(c.stack_name for c in config.customers) == sorted(stacks)
    assert sum(c.dedicated_alb for c in config.customers) == 3  # one in ten, the first among them
    assert config.platform.dns is not None


def test_the_status_benchmark_runs_on_the_emulator(tmp_path):
    command = [sys.executable, "bench/status.py", "--environments", "3", "--repeat", "1", "--out", str(tmp_path)]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr
    report = json.loads((tmp_path / "status.json").read_text())
    assert report["stacks"] == 7 and sum(report["summary"].values()) == 3  # 3 environments, 1 shard
    assert report["status_median"] > 0 and "| `vending status --format json` |" in (tmp_path / "STATUS.md").read_text()
