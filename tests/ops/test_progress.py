"""Progress of a run over stacks: plain timestamped lines (CI), nothing but the summary (quiet),
and a live view on a terminal that it leaves clean (a pseudo-terminal here)."""

from __future__ import annotations

import io
import os
import pty
import re
import subprocess
import sys
import time

from vending.ops import progress

LINE = re.compile(r"\d\d:\d\d:\d\d [^\x00-\x1f\x7f]*")  # a time, then printable text


def run_two(shown: progress.Progress) -> None:
    with shown:
        shown.phase("shared-alb", "init")
        shown.phase("shared-alb", "apply")
        shown.resource("shared-alb", "aws_lb.shared", "create")
        time.sleep(0.3)
        shown.resource_done("shared-alb")
        shown.done("shared-alb", True, {"add": 12, "change": 0, "destroy": 0})
        shown.phase("acme-prod", "init")
        shown.done("acme-prod", False, note="terraform apply failed")


def test_ci_lines_name_each_stack_start_and_end_in_order_with_a_heartbeat():
    stream = io.StringIO()
    run_two(progress.Progress(2, title="apply", how="lines", stream=stream, heartbeat=0.2))
    text = stream.getvalue()
    lines, summary = text.split("apply: 1 of 2 stack(s) done\n")
    events = [line.split(" ", 1)[1] for line in lines.splitlines()]
    assert all(LINE.fullmatch(line) for line in lines.splitlines()), lines
    assert events[0] == "apply: 2 stack(s)"
    assert events[1] == "shared-alb: started (init)"
    assert any(e.startswith("shared-alb: still at apply after") and "create aws_lb.shared" in e for e in events)
    assert re.fullmatch(r"shared-alb: done in \ds: 12 added, 0 changed, 0 destroyed \[1/2\]", events[-3])
    assert events[-2:] == ["acme-prod: started (init)", "acme-prod: FAILED in 0s (terraform apply failed) [2/2]"]
    assert "\x1b" not in text
    rows = summary.splitlines()
    assert rows[0].split() == ["stack", "add", "change", "destroy", "time", "result"]
    assert rows[1].split()[:4] == ["shared-alb", "12", "0", "0"] and rows[1].endswith("ok")
    assert rows[2].split()[0] == "acme-prod" and rows[2].endswith("failed")


def test_quiet_prints_the_summary_alone():
    stream = io.StringIO()
    run_two(progress.Progress(2, title="apply", how="quiet", stream=stream))
    assert stream.getvalue().startswith("apply: 1 of 2 stack(s) done\n  stack")


def test_the_mode_follows_the_terminal(monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert progress.mode(Terminal()) == "live" and progress.mode(io.StringIO()) == "lines"
    assert progress.mode(Terminal(), quiet=True) == "quiet"
    monkeypatch.setenv("CI", "true")
    assert progress.mode(Terminal()) == "lines"


def test_a_terminal_shows_the_live_view_and_is_left_clean():
    code = (
        "import time\n"
        "from vending.ops import progress\n"
        "shown = progress.Progress(1, title='apply', how=progress.mode(__import__('sys').stderr))\n"
        "with shown:\n"
        "    shown.phase('acme-prod', 'apply')\n"
        "    shown.resource('acme-prod', 'aws_autoscaling_group.fleet', 'update')\n"
        "    time.sleep(1)\n"
        "    shown.done('acme-prod', True, {'add': 0, 'change': 1, 'destroy': 0})\n"
    )
    leader, follower = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k != "CI"} | {"TERM": "xterm", "COLUMNS": "120"}
    child = subprocess.Popen([sys.executable, "-c", code], stdin=follower, stdout=follower, stderr=follower, env=env)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert child.wait(timeout=30) == 0
    screen = b"".join(chunks).decode()
    assert "update aws_autoscaling_group.fleet" in screen and "0/1 stack(s) done" in screen  # the live view
    assert screen.count("\x1b[?25l") == screen.count("\x1b[?25h") == 1  # the cursor hidden, then shown again
    last = screen.rsplit("\x1b[?25h", 1)[1]  # after the view: cleared, then the summary in plain text
    summary = last[last.index("apply: 1 of 1 stack(s) done") :]
    assert "\x1b" not in summary and "acme-prod" in summary and summary.rstrip().endswith("ok")
