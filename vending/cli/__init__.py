"""The ``vending`` command: one module per command group, each a thin layer over the library.

Every command reads the environment here, at the edge (``Settings.from_environ``), checks its
arguments, calls the library and prints. ``python -m vending …`` is the same command.
"""

from __future__ import annotations

import argparse
import os
import sys

from vending.errors import ConfigError
from vending.settings import Settings


def parser() -> argparse.ArgumentParser:
    from vending.cli import catalog, delivery, deploy, images, kit, local, priorities, quotas, review, status, synth

    root = argparse.ArgumentParser(prog="vending", description="Customer environments on AWS from one YAML file each.")
    commands = root.add_subparsers(dest="command", required=True, metavar="command")
    for group in (synth, priorities, quotas, catalog, images, review, delivery, status, deploy, local, kit):
        group.register(commands)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.handler(args, Settings.from_environ(os.environ))
    except ConfigError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
