"""The cdktf app (cdktf.json runs it): synthesize the stacks the knobs name into CDKTF_OUTDIR.

The work is vending.cli.synth.run(); ``vending synth`` runs this file as cdktf.json does, with
``python -O``: the fast path, without the provider bindings' runtime type checks (the test suite
keeps them on).
"""

import sys
from pathlib import Path

if not __debug__:
    # Bytecode compiled for -O is cached outside the shared virtualenv, even where
    # PYTHONDONTWRITEBYTECODE is set: compiling the bindings anew takes seconds on every run.
    sys.pycache_prefix = sys.pycache_prefix or str(Path(__file__).resolve().parent / ".cache" / "pycache")
    sys.dont_write_bytecode = False

from vending.cli import synth  # noqa: E402

if __name__ == "__main__":
    synth.main()
