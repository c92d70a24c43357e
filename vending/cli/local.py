"""``vending local`` (the emulator) and ``vending demo`` (the whole flow against it)."""

from __future__ import annotations

import argparse
import os
import shlex
import sys

from vending.settings import Settings


def _local(args: argparse.Namespace, settings: Settings) -> int:
    from vending.local import emulator

    state = emulator.STATE_FILE
    if args.action == "up":
        running, started = emulator.up(state)
        print(
            f"emulator {'started' if started else 'already running'}: {running.url} (pid {running.pid})",
            file=sys.stderr,
        )
        for name, value in running.environment(os.environ.get("AWS_REGION", "eu-west-1")).items():
            print(f"export {name}={shlex.quote(value)}")
        return 0
    if args.action == "down":
        stopped = emulator.down(state)
        print(f"emulator stopped (pid {stopped.pid})" if stopped else "no emulator was running", file=sys.stderr)
        return 0
    running = emulator.running(state)
    print(f"emulator running: {running.url} (pid {running.pid})" if running else "emulator not running")
    return 0 if running else 3


def _demo(args: argparse.Namespace, settings: Settings) -> int:
    from vending.local import demo

    if args.down:
        print(demo.down(demo.DEMO_DIR))
        return 0
    return demo.run(demo.DEMO_DIR)


def register(commands) -> None:
    local = commands.add_parser("local", help="the local AWS emulator (moto on 127.0.0.1)")
    local.add_argument("action", choices=["up", "down", "status"])
    local.set_defaults(handler=_local)

    demo = commands.add_parser("demo", help="the whole flow against the local emulator")
    demo.add_argument("--down", action="store_true", help="stop the demo's emulator and remove .demo/")
    demo.set_defaults(handler=_demo)
