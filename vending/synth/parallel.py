"""Bulk synth on every core: each worker process synthesizes a share of the stacks into a
directory of its own, and the parent merges the shares into one output with one manifest,
byte for byte what a single process writes.

Workers are forked after the configuration is validated and before cdktf is imported: each
starts its own jsii kernel and inherits everything else (settings, configuration, priorities).
Problems a worker finds (policy violations) come back to the parent as one ConfigError.
"""

from __future__ import annotations

import atexit
import json
import os
import signal
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

from vending.errors import ConfigError
from vending.synth import output

# A worker pays a jsii kernel's start-up (a second or two of CPU): below this many stacks per
# worker, one process is as fast.
MIN_STACKS_PER_WORKER = 8

Share = tuple[str, ...]  # stack names
SynthShare = Callable[[Share, Path], None]  # synthesizes a share into a directory
PROBLEMS = "problems.json"  # a worker's ConfigError, for the parent
FOUND_PROBLEMS = 3  # a worker's exit status when it wrote PROBLEMS


class WorkerError(RuntimeError):
    """A worker failed; it has printed its traceback."""


def split(stacks: Sequence[str], workers: int) -> list[Share]:
    """Split ``stacks`` into contiguous, near-equal shares, one per worker worth starting.

    One share when this process has imported jsii, which may have started its kernel: a forked
    child would share the kernel's pipes.
    """
    count = 1 if "jsii" in sys.modules else share_count(len(stacks), workers)
    size, extra = divmod(len(stacks), count)
    shares, start = [], 0
    for index in range(count):
        end = start + size + (index < extra)
        shares.append(tuple(stacks[start:end]))
        start = end
    return shares


def share_count(stacks: int, workers: int) -> int:
    """How many of ``workers`` are worth starting for ``stacks`` stacks."""
    return max(1, min(workers, stacks // MIN_STACKS_PER_WORKER))


def synth(shares: Sequence[Share], outdir: Path, synth_share: SynthShare) -> None:
    """Run ``synth_share(share, directory)`` for each share in a forked worker, then merge."""
    parts = [outdir / f"share-{index}" for index in range(len(shares))]
    sys.stdout.flush()
    sys.stderr.flush()  # or the children would write what is buffered again
    running: list[int] = []
    try:
        cores = sorted(os.sched_getaffinity(0))
        for index, (share, part) in enumerate(zip(shares, parts, strict=True)):
            pid = os.fork()
            if pid == 0:
                if len(shares) <= len(cores):
                    # Each jsii call wakes Node and then Python again: on one core that is a
                    # context switch, across cores a costlier cross-processor wake-up.
                    os.sched_setaffinity(0, {cores[index]})  # Node, started later, inherits it
                _work(synth_share, share, part)
            running.append(pid)
        codes = []
        while running:
            _, status = os.waitpid(running[0], 0)
            running.pop(0)
            codes.append(os.waitstatus_to_exitcode(status))
    finally:
        for pid in running:  # interrupted: stop the remaining workers
            os.kill(pid, signal.SIGTERM)
            os.waitpid(pid, 0)
    failed = sum(code not in (0, FOUND_PROBLEMS) for code in codes)
    if failed:
        raise WorkerError(f"synth failed in {failed} of {len(shares)} worker process(es)")
    problems = [
        line
        for part, code in zip(parts, codes, strict=True)
        if code == FOUND_PROBLEMS
        for line in json.loads((part / PROBLEMS).read_text(encoding="utf-8"))
    ]
    if problems:
        raise ConfigError(problems)
    output.merge(parts, outdir)


def _work(synth_share: SynthShare, share: Share, part: Path) -> None:
    code = 1
    try:
        synth_share(share, part)
        code = 0
    except ConfigError as error:
        part.mkdir(parents=True, exist_ok=True)
        (part / PROBLEMS).write_text(json.dumps(error.problems), encoding="utf-8")
        code = FOUND_PROBLEMS
    except BaseException:
        traceback.print_exc()
    finally:
        exit_now(code)


def exit_now(code: int) -> None:
    """End the process: run the exit handlers (jsii stops Node and removes its temporary files),
    but skip the interpreter's teardown, which frees every object one by one (slow after a synth)."""
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
