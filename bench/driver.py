"""main.py, timed: each synth process appends ``<pid> <event> <unix time>`` lines to $BENCH_MARKS
when its imports are done (``ready``) and its stacks constructed (``constructed``); synth time
is the rest of its wall time. bench.py runs this in place of main.py.

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

    entry = runpy.run_path(str(ROOT / "main.py"), run_name="bench")  # main.py's set-up, not main()
    from vending import app, lazy_provider, parallel

    build = app.build

    def timed_build(prepared, outdir):
        lazy_provider.install()  # what build() starts with
        import vending.stacks.environment
        import vending.stacks.pipeline
        import vending.stacks.shared_alb  # noqa: F401

        mark("ready")
        constructed = build(prepared, outdir)
        mark("constructed")
        return constructed

    app.build = timed_build
    parallel.exit_now(entry["main"]())  # as main.py ends


if __name__ == "__main__":
    main()
