"""cdktf entry point: load and validate the configuration, build the stacks, synthesize.

Knobs (environment): VENDING_CUSTOMERS_DIR, CDKTF_OUTDIR, VENDING_STACKS, VENDING_WORKERS,
VENDING_IMAGES_DIR, AWS_ENDPOINT_URL. See README.md.

``python -O main.py`` (cdktf.json, ``make synth``) is the fast path: without the provider
bindings' runtime type checks, which the test suite keeps on.
"""

import os
import sys
from pathlib import Path

if not __debug__:
    # Bytecode compiled for -O is cached outside the shared virtualenv, even where
    # PYTHONDONTWRITEBYTECODE is set: compiling the bindings anew takes seconds on every run.
    sys.pycache_prefix = sys.pycache_prefix or str(Path(__file__).resolve().parent / ".cache" / "pycache")
    sys.dont_write_bytecode = False

from vending import speedups  # noqa: E402
from vending.errors import ConfigError  # noqa: E402
from vending.settings import Settings  # noqa: E402
from vending.synth import parallel


def main() -> int:
    try:
        settings = Settings.from_environ(os.environ)
        if _synth_runs_here(settings):
            speedups.start_early(settings.speedups)  # Node starts while this process reads the configuration
        from vending.synth.app import synthesize

        prepared = synthesize(settings)
    except parallel.WorkerError as error:
        print(f"synth stopped: {error}; nothing was written", file=sys.stderr)
        return 1
    except ConfigError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        print(f"synth stopped: {len(error.problems)} problem(s); nothing was written", file=sys.stderr)
        return 1
    print(f"synthesized {len(prepared.stacks)} stack(s): {', '.join(prepared.stacks)}", file=sys.stderr)
    return 0


def _synth_runs_here(settings: Settings) -> bool:
    """Whether the stacks are synthesized in this process (see parallel.split), known before the
    configuration is read, with a core to spare for Node meanwhile."""
    if len(os.sched_getaffinity(0)) < 2:
        return False
    return settings.workers == 1 or (
        settings.stacks is not None and parallel.share_count(len(settings.stacks), settings.workers) == 1
    )


if __name__ == "__main__":
    parallel.exit_now(main())
