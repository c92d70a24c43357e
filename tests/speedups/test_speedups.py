"""The speed-ups as a unit: pinned to the versions they were written for, off with
VENDING_SPEEDUPS=off or when the versions differ (a warning, once), and the same bytes either way."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT, run_synth, tree
from vending import speedups


def test_the_pins_are_the_pipfiles_and_are_installed():
    pipfile = (ROOT / "Pipfile").read_text()
    assert all(f'{name} = "=={version}"' in pipfile for name, version in speedups.PINS.items())
    assert speedups.installed() == speedups.PINS


def test_other_versions_leave_jsii_alone_with_one_warning():
    code = (
        "import sys\n"
        "from vending import speedups\n"
        "speedups.installed = lambda: {**speedups.PINS, 'jsii': '1.999.0'}\n"
        "speedups.start_early(True)\n"
        "speedups.install(True)\n"
        "speedups.install(True)\n"
        "print('jsii' in sys.modules, 'cdktf_cdktf_provider_aws' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False False"
    assert result.stderr.splitlines() == [
        "warning: speed-ups off: jsii 1.999.0 (pinned 1.142.0); they rely on those versions' internals"
    ]


def test_off_writes_the_same_bytes(sample_synth, samples_dir, tmp_path):
    # Without them, synth is plain cdktf: the provider imported whole, jsii's own runtime.
    # PYTHONDONTWRITEBYTECODE: read the virtualenv's bytecode, never write there.
    result = run_synth(
        ["main.py"], samples_dir, tmp_path / "cdktf.out", VENDING_SPEEDUPS="off", PYTHONDONTWRITEBYTECODE="1"
    )
    assert result.returncode == 0, result.stderr
    assert tree(tmp_path / "cdktf.out") == tree(sample_synth.outdir)
