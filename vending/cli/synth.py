"""``vending synth`` (what main.py, the cdktf app, runs), ``validate`` and ``scan``.

``run()`` is main.py's whole work: the knobs, the kernel started early when the synth runs in
this process, validate → build → synthesize, and one line per problem. It imports nothing slow
before the early start: the configuration's pydantic and cdktf come after.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from vending import speedups
from vending.errors import ConfigError
from vending.settings import PROJECT, Settings
from vending.synth import output, parallel
from vending.synth.cache import SynthCache

MAIN = PROJECT / "main.py"


def main() -> None:
    """main.py: synthesize, then end without the interpreter's teardown (parallel.exit_now)."""
    parallel.exit_now(run())


def run() -> int:
    """Synthesize as the knobs say."""
    try:
        settings = Settings.from_environ(os.environ)
        if _builds_here(settings):
            speedups.start_early(settings.speedups)  # Node starts while this process reads the configuration
        from vending.synth.app import synthesize

        synthesize(settings)  # says what it did
    except parallel.WorkerError as error:
        print(f"synth stopped: {error}; nothing was written", file=sys.stderr)
        return 1
    except ConfigError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        print(f"synth stopped: {len(error.problems)} problem(s); nothing was written", file=sys.stderr)
        return 1
    return 0


def _builds_here(settings: Settings) -> bool:
    """Whether this process will build stacks, as far as can be told before the configuration is
    read, with a core to spare for Node meanwhile: the synth runs here (see parallel.split), or
    the cache will hold most stacks and this process builds the rest. Not when the inputs are
    those of the last synth: then every stack comes from the cache and no kernel starts."""
    if len(os.sched_getaffinity(0)) < 2:
        return False
    store = SynthCache(settings.synth_cache) if settings.synth_cache else None
    if store and store.unchanged(settings):
        return False
    return (
        store is not None
        or settings.workers == 1
        or (settings.stacks is not None and parallel.share_count(len(settings.stacks), settings.workers) == 1)
    )


def _synth(args: argparse.Namespace, settings: Settings) -> int:
    """main.py on the fast path (``python -O``: no runtime type checks in the provider bindings)."""
    env = {**os.environ, "VENDING_STACKS": ",".join(args.stacks)} if args.stacks else dict(os.environ)
    sys.stdout.flush()
    os.execve(sys.executable, [sys.executable, "-O", str(MAIN)], env)
    return 0  # not reached


def _validate(args: argparse.Namespace, settings: Settings) -> int:
    from vending.ops import validation

    outdir = output.checked(Path(args.outdir) if args.outdir else settings.outdir)
    validated = validation.validate(outdir, args.stacks or None, cache=settings.synth_cache)
    for result in validated.checked:
        if not result.valid or args.verbose:
            print(result.summary())
    print(validated.summary, file=sys.stderr)
    return 0 if validated.valid else 1


def _scan(args: argparse.Namespace, settings: Settings) -> int:
    from vending.ops import scan

    try:
        result = scan.scan(Path(args.outdir) if args.outdir else settings.outdir)
    except scan.ScanError as error:
        print(f"scan: {error}", file=sys.stderr)
        return 1
    for line in result.lines():
        print(line)
    return 0 if result.ok else 1


def register(commands) -> None:
    synth = commands.add_parser("synth", help="synthesize the stacks into CDKTF_OUTDIR (what the cdktf app runs)")
    synth.add_argument("stacks", nargs="*", metavar="STACK", help="build only these (VENDING_STACKS; default: all)")
    synth.set_defaults(handler=_synth)

    validate = commands.add_parser("validate", help="terraform validate the synthesized stacks")
    validate.add_argument("stacks", nargs="*", help="stack names (default: all in the output)")
    validate.add_argument("--outdir", help="synth output (default: CDKTF_OUTDIR or cdktf.out)")
    validate.add_argument("--verbose", action="store_true", help="say 'valid' of each valid stack too")
    validate.set_defaults(handler=_validate)

    scan = commands.add_parser("scan", help="checkov over every synthesized stack, against scan-allowlist.yaml")
    scan.add_argument("outdir", nargs="?", help="synth output (default: CDKTF_OUTDIR or cdktf.out)")
    scan.set_defaults(handler=_scan)
