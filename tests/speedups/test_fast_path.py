"""The fast path (``python -O main.py``, as cdktf.json and ``make synth`` run it: no runtime type
checks in the bindings) writes exactly what the test suite's checked path writes; and
constructing the stacks reads no attribute from Node twice."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import run_synth, tree


def synth_with(python_args: list[str], customers: Path, outdir: Path, **env: str) -> None:
    result = run_synth(python_args, customers, outdir, **env)
    assert result.returncode == 0, result.stderr


def test_fast_path_writes_the_same_bytes(sample_synth, samples_dir, tmp_path):
    synth_with(["-O", "main.py"], samples_dir, tmp_path / "cdktf.out")
    assert tree(tmp_path / "cdktf.out") == tree(sample_synth.outdir)


def test_no_attribute_is_read_from_node_twice(sample_synth):
    # Every attribute read (``bucket.arn``) is a round trip to Node: components read each once
    # and hand the value on.
    reads = sample_synth.attribute_reads
    assert len(reads) > 100  # the counting saw the stacks being built
    assert {f"{kind}.{name}": count for (kind, _, name), count in reads.items() if count > 1} == {}
