"""``vending scaffold-app``: the files a customer repository needs for its pipeline."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from vending.cli.common import environment
from vending.settings import Settings


def _scaffold_app(args: argparse.Namespace, settings: Settings) -> int:
    from vending.model.config import HealthCheck, Instances
    from vending.ops import repository_kit

    instances, health_check = Instances(), HealthCheck()  # the defaults: 8080, /health
    if args.environment:
        _, customer = environment(settings, args.environment)
        instances, health_check = customer.instances, customer.health_check
    target = Path(args.directory)
    try:
        written = repository_kit.write(target, instances=instances, health_check=health_check, force=args.force)
    except repository_kit.KitError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        print("nothing was written", file=sys.stderr)
        return 1
    for path in written:
        print(path)
    print(f"{target}: application kit for port {instances.port}, health check {health_check.path}; see README.md")
    return 0


def register(commands) -> None:
    kit = commands.add_parser("scaffold-app", help="write the files a customer repository needs for its pipeline")
    kit.add_argument("directory", help="where to write them (created if missing)")
    kit.add_argument("--environment", help="take the port and health-check path from this environment, e.g. acme-prod")
    kit.add_argument("--force", action="store_true", help="overwrite existing files")
    kit.set_defaults(handler=_scaffold_app)
