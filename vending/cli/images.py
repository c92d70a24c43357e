"""``vending bake``: an environment's AMI, baked with Packer and recorded for synth."""

from __future__ import annotations

import argparse
import os
import re
import shlex
import sys
from datetime import UTC, datetime
from pathlib import Path

from vending.cli.common import environment
from vending.settings import Settings


def _bake(args: argparse.Namespace, settings: Settings) -> int:
    from vending.model import images
    from vending.ops import bake

    config, customer = environment(settings, args.stack)
    record_path = images.record_path(settings.images_dir, args.stack)

    def log(line: str) -> None:  # stdout carries only the export lines
        print(line, file=sys.stderr)

    try:
        record = bake.bake(
            platform=config.platform,
            customer=customer,
            commit=bake.commit_metadata(Path(args.repo), os.environ),
            build_number=args.build_number,
            images_dir=settings.images_dir,
            endpoint_url=settings.endpoint_url,
            log=log,
        )
    except (bake.BakeError, KeyboardInterrupt) as error:
        log(f"bake {args.stack}: {error or 'interrupted'}")
        log(f"nothing recorded: {record_path} {'is unchanged' if record_path.exists() else 'was not written'}")
        return 130 if isinstance(error, KeyboardInterrupt) else 1
    log(f"{record_path}: {record['ami_id']} recorded; synth uses it")
    for variable, key in (("AMI_ID", "ami_id"), ("AMI_NAME", "ami_name"), ("INSTANCE_NAME", "instance_name")):
        print(f"export {variable}={shlex.quote(record[key])}")
    return 0


def _build_number(text: str) -> int:
    if not re.fullmatch(r"[0-9]+", text):
        raise argparse.ArgumentTypeError(f"must be a non-negative whole number (got {text!r})")
    return int(text)


def register(commands) -> None:
    bake = commands.add_parser("bake", help="bake an environment's AMI with Packer and record it for synth")
    bake.add_argument("stack", metavar="<customer>-<env>", help="the environment, e.g. acme-prod")
    bake.add_argument("--repo", default=".", help="git repository whose HEAD commit the AMI describes (default: .)")
    bake.add_argument(
        "--build-number",
        type=_build_number,
        default=datetime.now(UTC).strftime("%Y%m%d%H%M%S"),
        help="part of the AMI and instance names (default: the UTC time, YYYYMMDDhhmmss)",
    )
    bake.set_defaults(handler=_bake)
