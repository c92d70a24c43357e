"""``vending bake``: an environment's AMI, baked with Packer and recorded for synth; ``vending
images``: its AMIs listed and pruned, and the pull request that records new ones."""

from __future__ import annotations

import argparse
import os
import re
import shlex
import sys
from datetime import UTC, datetime
from pathlib import Path

from vending.cli.common import emit, environment
from vending.settings import Settings


def _bake(args: argparse.Namespace, settings: Settings) -> int:
    from vending.model import images
    from vending.ops import bake

    config, customer = environment(settings, args.stack)
    record_path = images.record_path(settings.images_dir, args.stack)
    repo = Path(args.repo)
    dirty = bake.uncommitted_changes(repo)
    if dirty and not args.allow_dirty:
        print(f"uncommitted changes in {repo}: commit or stash them, or pass --allow-dirty", file=sys.stderr)
        return 1

    def log(line: str) -> None:  # stdout carries only the export lines
        print(line, file=sys.stderr)

    try:
        record = bake.bake(
            platform=config.platform,
            customer=customer,
            commit=bake.commit_metadata(repo, os.environ),
            build_number=args.build_number,
            images_dir=settings.images_dir,
            endpoint_url=settings.endpoint_url,
            dirty=dirty,
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


def _images_in_use(settings: Settings, name: str) -> tuple[object, list, dict[str, str]]:
    """The environment's EC2 client, its AMIs (newest first), and the ones in use and why."""
    import boto3

    from vending.model import images
    from vending.ops import images as amis

    config, customer = environment(settings, name)
    ec2 = boto3.session.Session().client("ec2", region_name=config.platform.region)
    in_use = {}
    if record := images.read_record(settings.images_dir, name):
        in_use[record["ami_id"]] = f"bake record {images.record_path(settings.images_dir, name)}"
    if customer.image.ami_id:
        in_use[customer.image.ami_id] = "image.ami_id pin"
    return ec2, amis.images(ec2, name), in_use


def _list(args: argparse.Namespace, settings: Settings) -> int:
    from vending.ops import images as amis

    _, found, in_use = _images_in_use(settings, args.environment)
    print("\n".join(amis.table(found, in_use, datetime.now(UTC))))
    return 0


def _prune(args: argparse.Namespace, settings: Settings) -> int:
    from vending.ops import images as amis

    ec2, found, in_use = _images_in_use(settings, args.environment)
    doomed = amis.prunable(found, args.keep, set(in_use))
    kept = len(found) - len(doomed)
    if not args.apply:
        for image in doomed:
            snapshots = ", ".join(image.snapshots) or "no snapshot"
            print(f"would deregister {image.ami_id} ({image.name}) and delete {snapshots}")
        print(f"dry run: {len(doomed)} of {len(found)} AMI(s) to prune, {kept} kept; nothing changed (--apply prunes)")
        return 0
    amis.prune(ec2, doomed, print)
    print(f"pruned {len(doomed)} of {len(found)} AMI(s); {kept} kept")
    return 0


def _pull_request(args: argparse.Namespace, settings: Settings) -> int:
    from vending.ops import images as amis

    emit(amis.pull_request_body(settings.images_dir), args.out)
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
        "--allow-dirty",
        action="store_true",
        help="bake although tracked files have uncommitted changes (recorded as dirty: true, and tagged)",
    )
    bake.add_argument(
        "--build-number",
        type=_build_number,
        default=datetime.now(UTC).strftime("%Y%m%d%H%M%S"),
        help="part of the AMI and instance names (default: the UTC time, YYYYMMDDhhmmss)",
    )
    bake.set_defaults(handler=_bake)

    group = commands.add_parser("images", help="an environment's AMIs: list, prune, the pull request of new records")
    actions = group.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="the environment's AMIs: build, commit, age, and which are in use")
    listing.add_argument("environment", metavar="ENV", help="e.g. acme-prod")
    listing.set_defaults(handler=_list)
    prune = actions.add_parser(
        "prune", help="the AMIs beyond the newest N (never the record's or the pin's): a dry run unless --apply"
    )
    prune.add_argument("environment", metavar="ENV", help="e.g. acme-prod")
    prune.add_argument("--keep", type=_build_number, required=True, metavar="N", help="how many of the newest to keep")
    prune.add_argument("--apply", action="store_true", help="deregister them and delete their snapshots")
    prune.set_defaults(handler=_prune)
    body = actions.add_parser("pull-request", help="the text of the pull request that commits new bake records")
    body.add_argument("--out", metavar="FILE", help="write it here (default: stdout)")
    body.set_defaults(handler=_pull_request)
