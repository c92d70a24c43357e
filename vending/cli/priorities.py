"""``vending priorities``: the shared-listener rule priorities and their lock file."""

from __future__ import annotations

import argparse
import sys

from vending.settings import Settings


def _priorities(args: argparse.Namespace, settings: Settings) -> int:
    from vending.model import priorities
    from vending.model.load import load_config

    config = load_config(settings.customers_dir)
    lock_path = settings.customers_dir / priorities.LOCK_FILE
    lock = priorities.read_lock(settings.customers_dir)
    if args.prune:
        removed = priorities.prune_lock(settings.customers_dir, config, lock)
        print(f"{lock_path}: removed {', '.join(removed) if removed else 'nothing'}")
        return 0
    allocation = priorities.allocate(config, lock, str(lock_path))
    for line in priorities.table(allocation):
        print(line)
    if args.check and allocation.changed(lock):
        print(f"{lock_path}: out of date; run `make synth` and commit it", file=sys.stderr)
        return 1
    return 0


def register(commands) -> None:
    prio = commands.add_parser("priorities", help="show the shared-listener rule priorities")
    prio.add_argument("--check", action="store_true", help="exit 1 if priorities.lock needs an update")
    prio.add_argument("--prune", action="store_true", help="drop entries of environments that are gone")
    prio.set_defaults(handler=_priorities)
