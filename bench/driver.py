"""main.py, timed: each synth process appends ``<pid> <event> <unix time>`` lines to $BENCH_MARKS
when its jsii kernel is up with the assemblies loaded (``ready``) and when its stacks are built
(``constructed``: the kinds of stack it builds imported, and built); synth time is the rest of
its wall time. bench.py runs this in place of main.py.

``--plain`` is the baseline: a plain cdktf app, which imports the provider package whole (every
submodule, in Python and in Node) before anything else; bench.py also runs it with type checks
on (no -O) and in one process.
"""

from __future__ import annotations

import os
import runpy
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def mark(event: str) -> None:
    with open(os.environ["BENCH_MARKS"], "a", encoding="utf-8") as marks:
        marks.write(f"{os.getpid()} {event} {time.time()}\n")


def main() -> None:
    if "--plain" in sys.argv:
        import cdktf_cdktf_provider_aws  # noqa: F401

    runpy.run_path(str(ROOT / "main.py"), run_name="bench")  # main.py's set-up, not what it runs
    # Marks from inside build() without importing vending.synth.app (and the configuration's pydantic)
    # before main() starts the kernel early: build() begins with speedups.install() and ends
    # just before App.synth().
    from vending import speedups
    from vending.cli import synth

    install = speedups.install

    def timed_install(enabled):
        install(enabled)
        from cdktf import App

        synth = App.synth

        def timed_synth(app):
            mark("constructed")
            return synth(app)

        App.synth = timed_synth
        mark("ready")

    speedups.install = timed_install
    synth.main()  # as main.py runs it


if __name__ == "__main__":
    main()
