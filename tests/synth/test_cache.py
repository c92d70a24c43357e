"""The synth cache: what did not change comes from it, byte for byte what a cold synth writes;
no jsii kernel starts when everything does; corrupt entries are rebuilt; concurrent synths do
not corrupt it; it prunes itself; and any sequence of edits ends where a cold synth ends."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import ROOT, ConfigDir, run_synth, synthesize, tree
from vending.synth import cache
from vending.synth.cache import Entry, SynthCache

# main.py's set-up and run, then whether jsii or the early kernel were ever loaded.
RUN_AND_TELL = """
import runpy, sys
runpy.run_path("main.py", run_name="tests")
from vending.cli import synth
code = synth.run()
print(code, "jsii" in sys.modules, "vending.speedups.early_kernel" in sys.modules)
"""


def main(customers: Path, outdir: Path, store: Path, *python: str) -> subprocess.CompletedProcess:
    result = run_synth(
        [*python, "-c", RUN_AND_TELL], customers, outdir, VENDING_SYNTH_CACHE=str(store), VENDING_WORKERS="2"
    )
    assert result.returncode == 0, result.stderr
    return result


def summary(result: subprocess.CompletedProcess) -> str:
    return result.stderr.strip().splitlines()[-1]


def synthesized(outdir: Path) -> dict[str, bytes]:
    """The manifest and every file it names: what a synth wrote for its stacks."""
    manifest = json.loads((outdir / "manifest.json").read_text())
    return {"manifest.json": (outdir / "manifest.json").read_bytes()} | {
        entry["synthesizedStackPath"]: (outdir / entry["synthesizedStackPath"]).read_bytes()
        for entry in manifest["stacks"].values()
    }


def test_what_did_not_change_comes_from_the_cache_and_no_kernel_starts(samples_dir, sample_synth, tmp_path):
    customers, store, outdir = tmp_path / "customers", tmp_path / "cache", tmp_path / "cdktf.out"
    shutil.copytree(samples_dir, customers)
    first = main(customers, outdir, store)
    assert summary(first) == "synthesized 7 stack(s): 7 built, 0 from cache"
    assert tree(outdir) == tree(sample_synth.outdir)

    again = main(customers, outdir, store)
    assert summary(again) == "synthesized 7 stack(s): 0 built, 7 from cache"
    assert again.stdout.split() == ["0", "False", "False"]  # neither jsii nor an early kernel
    assert tree(outdir) == tree(sample_synth.outdir)

    (customers / "acme-dev.yaml").write_text((customers / "acme-dev.yaml").read_text().replace("max: 2", "max: 3"))
    edited = main(customers, outdir, store, "-O")
    assert summary(edited) == "synthesized 7 stack(s): 2 built, 5 from cache"
    cold = tmp_path / "cold"
    assert run_synth(["-O", "main.py"], customers, cold, VENDING_SYNTH_CACHE="off").returncode == 0
    assert tree(outdir) == tree(cold)


def test_a_fresh_output_takes_its_stacks_from_the_cache(samples_dir, sample_synth, tmp_path):
    store = tmp_path / "cache"
    main(samples_dir, tmp_path / "first.out", store)
    elsewhere = main(samples_dir, tmp_path / "second.out", store)
    assert summary(elsewhere) == "synthesized 7 stack(s): 0 built, 7 from cache"
    assert tree(tmp_path / "second.out") == tree(sample_synth.outdir)


def test_a_corrupt_or_partial_entry_is_ignored_and_rebuilt(samples_dir, sample_synth, tmp_path):
    store = tmp_path / "cache"
    main(samples_dir, tmp_path / "first.out", store)
    entries = sorted((store / "entries").glob("*/*"))
    (entries[0] / "stack.json").write_text('{"truncated":')  # corrupt
    (entries[1] / "entry.json").unlink()  # partial
    again = main(samples_dir, tmp_path / "second.out", store)
    assert summary(again) == "synthesized 7 stack(s): 2 built, 5 from cache"
    assert tree(tmp_path / "second.out") == tree(sample_synth.outdir)
    assert all(SynthCache(store).lookup(entry.name) for entry in sorted((store / "entries").glob("*/*")))


def test_two_synths_at_once_share_the_cache_without_corrupting_it(samples_dir, sample_synth, tmp_path):
    store = tmp_path / "cache"
    command = [sys.executable, "-c", RUN_AND_TELL]
    running = [
        subprocess.Popen(
            command,
            cwd=ROOT,
            env={
                **os.environ,
                "VENDING_CUSTOMERS_DIR": str(samples_dir),
                "VENDING_IMAGES_DIR": str(tmp_path / "no-images"),
                "CDKTF_OUTDIR": str(tmp_path / f"out{index}"),
                "VENDING_SYNTH_CACHE": str(store),
                "VENDING_WORKERS": "1",
            },
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for index in range(2)
    ]
    for process in running:
        _, stderr = process.communicate(timeout=600)
        assert process.returncode == 0, stderr
    for index in range(2):
        assert tree(tmp_path / f"out{index}") == tree(sample_synth.outdir)
    entries = sorted((store / "entries").glob("*/*"))
    assert len(entries) == 7 and all(SynthCache(store).lookup(entry.name) for entry in entries)
    assert list((store / "tmp").iterdir()) == []


def test_the_cache_prunes_the_least_recently_used_first(tmp_path):
    store = SynthCache(tmp_path / "cache", limit=2500)
    for index, key in enumerate(("a1" * 32, "b2" * 32, "c3" * 32)):
        store.store(key, Entry(b"x" * 1000, {"name": key}, "0.21.0"))
        os.utime(store._entry_dir(key), (1000 + index, 1000 + index))
    assert store.lookup("a1" * 32)  # used now: the most recent
    assert store.prune() == 1
    assert [bool(store.lookup(key)) for key in ("a1" * 32, "b2" * 32, "c3" * 32)] == [True, False, True]


def test_off_means_every_stack_is_built_every_time(samples_dir, tmp_path):
    for _ in range(2):
        result = run_synth(["main.py"], samples_dir, tmp_path / "cdktf.out", VENDING_SYNTH_CACHE="off")
        assert result.returncode == 0 and result.stderr.splitlines()[-1].endswith("7 built, 0 from cache")


# --- any sequence of edits ends where a cold synth ends ---------------------------------------

edits = st.lists(
    st.one_of(
        st.tuples(st.just("add"), st.sampled_from(["initech", "umbrella"]), st.sampled_from(["dev", "prod"])),
        st.tuples(st.just("remove"), st.sampled_from(["acme", "globex"]), st.sampled_from(["dev"])),
        st.tuples(st.just("edit"), st.sampled_from(["acme", "globex"]), st.integers(2, 9)),
        st.tuples(st.just("platform"), st.sampled_from(["team", "cost"]), st.sampled_from(["a", "b"])),
        st.tuples(st.just("bake"), st.sampled_from(["acme-dev", "globex-dev"]), st.integers(0, 9)),
        st.tuples(st.just("code"), st.integers(0, 9), st.just(None)),
    ),
    min_size=2,
    max_size=4,
)


@settings(max_examples=5, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(edits)
def test_any_sequence_of_edits_synthesizes_as_a_cold_synth_does(sample_synth, tmp_path_factory, monkeypatch, sequence):
    root = tmp_path_factory.mktemp("sequence")
    config = ConfigDir(root / "customers").customer("acme", "dev").customer("globex", "dev")
    images, store, outdir = root / "images", root / "cache", root / "cdktf.out"
    images.mkdir()
    digest = cache.code_digest()
    for step, (kind, first, second) in enumerate(sequence):
        if kind == "add":
            config.customer(first, second)
        elif kind == "remove" and (config.path / f"{first}-{second}.yaml").exists():
            (config.path / f"{first}-{second}.yaml").unlink()
        elif kind == "edit" and (config.path / f"{first}-dev.yaml").exists():
            config.customer(first, "dev", instances={"min": 1, "max": second})
        elif kind == "platform":
            config.platform(tags={first: second})
        elif kind == "bake":
            record = {"ami_id": f"ami-0123456789abcdef{second}", "ami_name": "x", "instance_name": "x"}
            (images / f"{first}.json").write_text(json.dumps(record))
        elif kind == "code":  # as if the code that shapes output had changed
            monkeypatch.setattr(cache, "code_digest", lambda first=first: f"{digest}{first}")
        synthesize(config.path, outdir, images_dir=images, synth_cache=store)
        cold = root / f"cold{step}"
        synthesize(config.path, cold, images_dir=images)
        assert synthesized(outdir) == synthesized(cold), (step, kind)
    monkeypatch.undo()
    shutil.rmtree(root)


def test_the_key_follows_each_input(samples_dir):
    from vending.settings import Settings
    from vending.synth.app import prepare

    base = prepare(Settings(customers_dir=samples_dir, images_dir=Path("no-images")))
    keys = SynthCache(Path("unused")).keys(base)
    assert len(set(keys.values())) == len(keys) == 7
    destroying = SynthCache(Path("unused")).keys(
        prepare(Settings(customers_dir=samples_dir, images_dir=Path("no-images"), allow_destroy=("acme-dev",)))
    )
    assert {s for s in keys if keys[s] != destroying[s]} == {"acme-dev"}
    emulated = SynthCache(Path("unused")).keys(
        prepare(Settings(customers_dir=samples_dir, images_dir=Path("no-images"), endpoint_url="http://127.0.0.1:1"))
    )
    assert all(keys[s] != emulated[s] for s in keys)
