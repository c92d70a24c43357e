"""The list of code that shapes synthesized output covers every module a synth runs."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import ROOT, run_python
from vending.synth import code

# Loaded by a synth, and shaping nothing it writes: the command around it, the error type, and
# the atomic write of priorities.lock.
AROUND_SYNTH = ("vending/__init__.py", "vending/cli/", "vending/errors.py", "vending/files.py")


def test_every_module_a_synth_runs_is_code_that_shapes_output(samples_dir, tmp_path):
    loaded = run_python(
        "import os, runpy, sys\n"
        f"os.environ.update(VENDING_CUSTOMERS_DIR={str(samples_dir)!r}, CDKTF_OUTDIR={str(tmp_path / 'out')!r},"
        f" VENDING_IMAGES_DIR={str(tmp_path / 'images')!r}, VENDING_WORKERS='1')\n"
        "runpy.run_path('main.py', run_name='tests')\n"
        "from vending.cli import synth\n"
        "assert synth.run() == 0\n"
        "files = [getattr(m, '__file__', None) for n, m in list(sys.modules.items()) if n.split('.')[0] == 'vending']\n"
        "print(*sorted(f for f in files if f), sep='\\n')"
    ).splitlines()
    paths = [str(Path(f).relative_to(ROOT)) for f in loaded]
    assert "vending/synth/stacks/environment.py" in paths
    assert [p for p in paths if not (code.shapes_output(p) or p.startswith(AROUND_SYNTH))] == []
