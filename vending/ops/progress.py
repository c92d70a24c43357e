"""Progress of long work over many stacks (plan, apply, review, drift, validate, the demo).

Three ways to show it, chosen once per run:

- ``live``: on a terminal, a view that rich redraws in place: stacks done of total, and for each
  stack at work its phase (init, plan, apply), the resource being created or changed (from
  Terraform's ``-json`` stream) and the time it has taken. It is cleared when the run ends.
- ``lines``: in CI, or wherever stderr is not a terminal: one timestamped line as each stack
  starts and ends, and a heartbeat line for a stack still at work after ``HEARTBEAT`` seconds;
  plain text, no control characters.
- ``quiet``: nothing while it runs.

Every way ends with the same summary: per stack, resources added, changed and destroyed, and
its wall time.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TextIO

HEARTBEAT = 60.0  # seconds between the lines that say a stack is still at work (lines mode)
MODES = ("live", "lines", "quiet")


def mode(stream: TextIO, *, quiet: bool = False) -> str:
    """``quiet`` when asked; ``live`` on a terminal outside CI; ``lines`` otherwise."""
    if quiet:
        return "quiet"
    if stream.isatty() and not os.environ.get("CI") and os.environ.get("TERM") != "dumb":
        return "live"
    return "lines"


@dataclass
class StackWork:
    stack: str
    started: float
    phase: str = "queued"
    resource: str = ""  # what Terraform is creating or changing now
    resource_started: float = 0.0
    ended: float | None = None
    ok: bool | None = None
    counts: dict[str, int] = field(default_factory=lambda: {"add": 0, "change": 0, "destroy": 0})
    said_at: float = 0.0  # when a line last said it (lines mode)

    def seconds(self, now: float) -> float:
        return (self.ended or now) - self.started


class Progress:
    """What the stacks of one run are doing; safe to call from the threads that run them."""

    def __init__(
        self, total: int, *, title: str, how: str = "lines", stream: TextIO | None = None, heartbeat: float = HEARTBEAT
    ):
        self.total, self.title, self.how, self.heartbeat = total, title, how, heartbeat
        self.stream = stream or sys.stderr
        self.work: dict[str, StackWork] = {}
        self.lock = threading.Lock()
        self._stop = threading.Event()
        self._live = None
        self._ticker: threading.Thread | None = None

    # --- the run's life ----------------------------------------------------------------

    def __enter__(self) -> Progress:
        if self.how == "live":
            from rich.console import Console
            from rich.live import Live

            console = Console(file=self.stream, force_terminal=True)
            self._live = Live(self._view(), console=console, refresh_per_second=4, transient=True)
            self._live.__enter__()
            self._ticker = threading.Thread(target=self._tick, args=(0.25,), daemon=True)
        elif self.how == "lines":
            self._line(f"{self.title}: {self.total} stack(s)")
            self._ticker = threading.Thread(target=self._tick, args=(min(5.0, self.heartbeat / 2),), daemon=True)
        if self._ticker:
            self._ticker.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._ticker:
            self._ticker.join()
        if self._live is not None:
            self._live.__exit__(*exc)
        self.stream.write(self.summary())
        self.stream.flush()

    # --- what the stacks report --------------------------------------------------------

    def phase(self, stack: str, phase: str) -> None:
        now = time.monotonic()
        with self.lock:
            work = self.work.setdefault(stack, StackWork(stack, now))
            first = work.phase == "queued"
            work.phase, work.resource = phase, ""
        if self.how == "lines" and first:
            self._line(f"{stack}: started ({phase})")

    def resource(self, stack: str, address: str, action: str) -> None:
        with self.lock:
            work = self.work.get(stack)
            if work is not None:
                work.resource, work.resource_started = f"{action} {address}", time.monotonic()

    def resource_done(self, stack: str) -> None:
        with self.lock:
            if (work := self.work.get(stack)) is not None:
                work.resource = ""

    def done(
        self, stack: str, ok: bool, counts: dict[str, int] | None = None, note: str = "", failed: str = "FAILED"
    ) -> None:
        """A stack's end; ``failed``: the word for its failure (a plan that waits for another
        stack's apply is only "not planned" yet)."""
        now = time.monotonic()
        with self.lock:
            work = self.work.setdefault(stack, StackWork(stack, now))
            work.ended, work.ok, work.phase, work.resource = now, ok, "done" if ok else failed.lower(), ""
            if counts:
                work.counts.update(counts)
            finished = sum(w.ended is not None for w in self.work.values())
        if self.how == "lines":
            outcome = "done" if ok else failed
            self._line(
                f"{stack}: {outcome} in {work.seconds(now):.0f}s{_counts(work.counts)}"
                f"{f' ({note})' if note else ''} [{finished}/{self.total}]"
            )

    # --- rendering ---------------------------------------------------------------------

    def summary(self) -> str:
        """Per stack: resources added, changed and destroyed, and wall time."""
        with self.lock:
            works = sorted(self.work.values(), key=lambda w: w.started)
        if not works:
            return ""
        now = time.monotonic()
        width = max(len(w.stack) for w in works)
        lines = [f"{self.title}: {sum(w.ok is True for w in works)} of {len(works)} stack(s) done"]
        lines.append(f"  {'stack'.ljust(width)}  {'add':>5} {'change':>6} {'destroy':>7}  {'time':>7}  result")
        for w in works:
            result = "ok" if w.ok else w.phase if w.ok is False else "not finished"
            c = w.counts
            lines.append(
                f"  {w.stack.ljust(width)}  {c['add']:>5} {c['change']:>6} {c['destroy']:>7}"
                f"  {w.seconds(now):>6.0f}s  {result}"
            )
        return "\n".join(lines) + "\n"

    def _view(self):
        from rich.table import Table

        now = time.monotonic()
        with self.lock:
            works = list(self.work.values())
        finished = sum(w.ended is not None for w in works)
        table = Table.grid(padding=(0, 2))
        table.add_row(f"[bold]{self.title}[/]", f"{finished}/{self.total} stack(s) done")
        for w in works:
            if w.ended is not None or w.phase == "queued":
                continue
            doing = w.resource and f"{w.resource} ({now - w.resource_started:.0f}s)"
            table.add_row(f"  {w.stack}", f"{w.phase}  {w.seconds(now):.0f}s", doing or "")
        return table

    def _tick(self, every: float) -> None:
        while not self._stop.wait(every):
            if self._live is not None:
                self._live.update(self._view())
            elif self.how == "lines":
                self._heartbeat()

    def _heartbeat(self) -> None:
        now = time.monotonic()
        with self.lock:
            due = [w for w in self.work.values() if w.ended is None and w.phase != "queued"]
            due = [w for w in due if now - max(w.said_at, w.started) >= self.heartbeat]
            for w in due:
                w.said_at = now
        for w in due:
            doing = f", {w.resource}" if w.resource else ""
            self._line(f"{w.stack}: still at {w.phase} after {w.seconds(now):.0f}s{doing}")

    def _line(self, text: str) -> None:
        stamp = datetime.now(UTC).strftime("%H:%M:%S")
        with self.lock:
            self.stream.write(f"{stamp} {text}\n")
            self.stream.flush()


def _counts(counts: dict[str, int]) -> str:
    if not any(counts.values()):
        return ""
    return f": {counts['add']} added, {counts['change']} changed, {counts['destroy']} destroyed"
