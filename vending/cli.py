"""Command-line interface. Each command reads the environment here, at the edge."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from vending import priorities
from vending.config import ConfigError, load_config
from vending.settings import Settings


def _validate(args: argparse.Namespace, settings: Settings) -> int:
    from vending import terraform

    outdir = Path(args.outdir) if args.outdir else settings.outdir
    if not (outdir / "manifest.json").is_file():
        print(f"{outdir}: nothing synthesized yet (run `make synth`)", file=sys.stderr)
        return 1
    results = terraform.validate(outdir, args.stacks or None)
    for result in results:
        print(result.summary())
    return 0 if all(r.valid for r in results) else 1


def _priorities(args: argparse.Namespace, settings: Settings) -> int:
    config = load_config(settings.customers_dir)
    lock_path = settings.customers_dir / priorities.LOCK_FILE
    lock = priorities.read_lock(settings.customers_dir)
    if args.prune:
        pruned = priorities.prune(config, lock)
        removed = sorted(set(lock) - set(pruned))
        if removed:
            priorities.write_lock(settings.customers_dir, pruned)
        print(f"{lock_path}: removed {', '.join(removed) if removed else 'nothing'}")
        return 0
    allocation = priorities.allocate(config, lock, str(lock_path))
    for name, number in sorted(allocation.priorities.items(), key=lambda item: item[1]):
        state = "new" if name in allocation.added else "locked"
        print(f"{number:>6}  {name}  ({state})")
    retired = sorted(set(allocation.lock) - set(allocation.priorities))
    for name in retired:
        print(f"{allocation.lock[name]:>6}  {name}  (retired: no longer on the shared listener; see --prune)")
    if args.check and allocation.changed(lock):
        print(f"{lock_path}: out of date; run `make synth` and commit it", file=sys.stderr)
        return 1
    return 0


def _scaffold_app(args: argparse.Namespace, settings: Settings) -> int:
    from vending import repository_kit
    from vending.config import HealthCheck, Instances

    instances, health_check = Instances(), HealthCheck()  # the defaults: 8080, /health
    if args.environment:
        config = load_config(settings.customers_dir)
        try:
            customer = config.customer(args.environment)
        except KeyError:
            known = ", ".join(c.stack_name for c in config.customers)
            print(
                f"{args.environment}: no such environment in {settings.customers_dir} (known: {known})", file=sys.stderr
            )
            return 1
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


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m vending", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True, metavar="command")

    validate = commands.add_parser("validate", help="terraform validate the synthesized stacks")
    validate.add_argument("stacks", nargs="*", help="stack names (default: all in the output)")
    validate.add_argument("--outdir", help="synth output (default: CDKTF_OUTDIR or cdktf.out)")
    validate.set_defaults(handler=_validate)

    prio = commands.add_parser("priorities", help="show the shared-listener rule priorities")
    prio.add_argument("--check", action="store_true", help="exit 1 if priorities.lock needs an update")
    prio.add_argument("--prune", action="store_true", help="drop entries of environments that are gone")
    prio.set_defaults(handler=_priorities)

    kit = commands.add_parser("scaffold-app", help="write the files a customer repository needs for its pipeline")
    kit.add_argument("directory", help="where to write them (created if missing)")
    kit.add_argument("--environment", help="take the port and health-check path from this environment, e.g. acme-prod")
    kit.add_argument("--force", action="store_true", help="overwrite existing files")
    kit.set_defaults(handler=_scaffold_app)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    settings = Settings.from_environ(os.environ)
    try:
        return args.handler(args, settings)
    except ConfigError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
