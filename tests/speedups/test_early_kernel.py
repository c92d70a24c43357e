"""The kernel main.py starts early (vending/speedups/early_kernel.py): jsii takes it over as it is, or
stops it and starts its own; unused, it stops at exit. Each case runs in a fresh process with its
own temporary directory, where jsii, Node and Vending leave their files."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, tree

# record() counts what jsii sends to the kernel from then on; it imports jsii, so it comes after
# early_kernel.start() (which does nothing once jsii is imported). SYNTH builds and synthesizes
# a small stack.
RECORDING = """import os, sys
from vending.speedups import early_kernel, lazy_provider
sent = []
def record():
    from jsii._kernel.providers import process
    send = process._NodeProcess.send
    def recording(self, request, kind):
        sent.append(type(request).__name__)
        return send(self, request, kind)
    process._NodeProcess.send = recording
"""
SYNTH = """lazy_provider.install()
from cdktf import App, TerraformStack
from cdktf_cdktf_provider_aws.provider import AwsProvider
from jsii._runtime import kernel
app = App(outdir=sys.argv[1])
AwsProvider(TerraformStack(app, "stack"), "aws", region="eu-west-1")
app.synth()
"""


def run(*code: str, tmp_path: Path, python: tuple[str, ...] = (), **env: str) -> list[str]:
    """The lines of ``code`` in a fresh Python (with ``python`` options) and its own TMPDIR; the
    lines it printed. Afterwards nothing of jsii, Node or Vending is left in that TMPDIR."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    result = subprocess.run(
        [sys.executable, *python, "-c", "\n".join(code), str(tmp_path / "out")],
        cwd=ROOT,
        env={**os.environ, "TMPDIR": str(scratch), **env},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in scratch.iterdir()) == []
    return result.stdout.splitlines()


def alive(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists() and "Z" not in Path(f"/proc/{pid}/stat").read_text().split(")")[-1][:3]


def test_jsii_takes_over_the_early_kernel_and_sends_no_load_again(tmp_path):
    lines = run(
        RECORDING,
        "early_kernel.start()",
        "early = early_kernel._early.process.pid",
        "record()",
        SYNTH,
        "print(kernel.provider._process._process.pid == early)",
        "print(sent.count('LoadRequest'), len(sent) > 3)",
        "print(early)",
        tmp_path=tmp_path,
    )
    assert lines[:2] == ["True", "0 True"]
    assert (tmp_path / "out" / "stacks" / "stack" / "cdk.tf.json").is_file()
    assert not alive(int(lines[2]))  # stopped with the process, by jsii


def test_an_early_kernel_unlike_what_jsii_would_start_is_stopped_and_jsii_starts_its_own(tmp_path):
    lines = run(
        RECORDING,
        "early_kernel.start()",
        "early = early_kernel._early.process",
        "record()",
        "os.environ['VENDING_SOMETHING_NEW'] = '1'",  # jsii would start Node with another environment
        SYNTH,
        "print(kernel.provider._process._process.pid != early.pid)",
        "print(early.returncode, sent.count('LoadRequest'))",
        tmp_path=tmp_path,
    )
    assert lines == ["True", "0 3"]


def test_main_hands_its_early_kernel_to_jsii_and_writes_the_same_bytes(sample_synth, samples_dir, tmp_path):
    # The fast path with one stack named, as `cdktf deploy acme-prod` runs it.
    lines = run(
        RECORDING,
        "import runpy",
        "started, start = [], early_kernel.start",
        "early_kernel.start = lambda: start() or started.append(early_kernel._early.process.pid) or record()",
        "runpy.run_path('main.py', run_name='tests')",  # main.py's set-up, then what it runs
        "from vending.cli import synth",
        "code = synth.run()",
        "from jsii._runtime import kernel",
        "print(code, started == [kernel.provider._process._process.pid], sent.count('LoadRequest'))",
        "from vending.synth.parallel import exit_now",
        "exit_now(0)",
        tmp_path=tmp_path,
        python=("-O",),
        VENDING_STACKS="acme-prod",
        VENDING_CUSTOMERS_DIR=str(samples_dir),
        VENDING_IMAGES_DIR=str(tmp_path / "no-images"),
        CDKTF_OUTDIR=str(tmp_path / "out"),
    )
    assert lines == ["0 True 0"]
    stack = Path("stacks") / "acme-prod"
    assert tree(tmp_path / "out" / stack) == tree(sample_synth.outdir / stack)


def test_a_load_the_early_kernel_did_otherwise_is_sent_by_jsii(tmp_path):
    lines = run(
        RECORDING,
        "found = early_kernel.assemblies()",  # cdktf's early load asks for a tarball that is not there
        "early_kernel.assemblies = lambda: [(n, v, t + '.missing' if n == 'cdktf' else t) for n, v, t in found]",
        "early_kernel.start()",
        "early = early_kernel._early.process.pid",
        "record()",
        SYNTH,
        "print(kernel.provider._process._process.pid == early)",
        "print(sent.count('LoadRequest'))",
        tmp_path=tmp_path,
    )
    assert lines == ["True", "1"]
    assert (tmp_path / "out" / "stacks" / "stack" / "cdk.tf.json").is_file()


def test_an_unused_early_kernel_stops_at_exit(tmp_path):
    lines = run(
        "from vending.speedups import early_kernel",
        "early_kernel.start()",
        "print(early_kernel._early.process.pid)",
        "from vending.synth.parallel import exit_now",
        "exit_now(0)",  # as main.py ends, after a configuration error
        tmp_path=tmp_path,
    )
    assert not alive(int(lines[0]))


def test_no_early_kernel_once_jsii_is_imported(tmp_path):
    # jsii may have started its own kernel then (the plain cdktf baseline imports the provider first).
    lines = run(
        "import jsii",
        "from vending.speedups import early_kernel",
        "early_kernel.start()",
        "print(early_kernel._early)",
        tmp_path=tmp_path,
    )
    assert lines == ["None"]


def test_no_early_kernel_when_node_cannot_start(tmp_path):
    # Nothing to hand over: jsii fails in its own words when it starts Node itself.
    code = ("from vending.speedups import early_kernel", "early_kernel.start()", "print(early_kernel._early)")
    assert run(*code, tmp_path=tmp_path, JSII_NODE=str(tmp_path / "no-node")) == ["None"]


def test_the_loads_are_read_from_the_packages_as_jsii_makes_them():
    import jsii._embedded.jsii as embedded

    from vending.speedups import early_kernel, kernel

    loads = early_kernel.assemblies()
    assert [(name, version) for name, version, _ in loads] == [
        ("constructs", "10.4.2"),
        ("cdktf", "0.21.0"),
        ("@cdktf/provider-aws", "20.1.0"),
    ]
    assert all(Path(tarball).is_file() for _, _, tarball in loads)
    # The kernel program is copied as jsii's runtime copies it, found without importing jsii.
    program = kernel.kernel_program()
    copied = sorted(f"lib/{p.name}" for p in program.parent.iterdir())
    assert copied == sorted(name for name in embedded.EMBEDDED_FILES.values() if name.startswith("lib/"))


OFF = {"VENDING_SYNTH_CACHE": "off"}


@pytest.mark.parametrize(
    ("environment", "cores", "early"),
    [
        ({**OFF, "VENDING_STACKS": "acme-prod"}, 2, True),
        ({**OFF, "VENDING_STACKS": "acme-prod", "VENDING_WORKERS": "2"}, 2, True),
        ({**OFF, "VENDING_WORKERS": "1"}, 2, True),
        ({**OFF, "VENDING_WORKERS": "2"}, 2, False),  # every stack: how many is known only after reading them
        ({**OFF, "VENDING_STACKS": ",".join(f"s{i}" for i in range(16)), "VENDING_WORKERS": "2"}, 2, False),
        ({**OFF, "VENDING_STACKS": "acme-prod"}, 1, False),  # no core for Node to start on meanwhile
        ({"VENDING_WORKERS": "2"}, 2, True),  # with the cache, most stacks come from it: the rest builds here
    ],
)
def test_main_starts_the_kernel_early_only_when_it_builds_in_its_process(
    environment, cores, early, monkeypatch, tmp_path
):
    from vending.cli import synth
    from vending.settings import Settings

    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(cores)))
    settings = Settings.from_environ({"VENDING_SYNTH_CACHE": str(tmp_path / "cache"), **environment})
    assert synth._builds_here(settings) is early
