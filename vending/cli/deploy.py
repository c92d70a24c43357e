"""``vending deploy`` (cdktf deploy of named stacks) and ``vending bootstrap`` (the state backend)."""

from __future__ import annotations

import argparse
import dataclasses
import sys

from vending.settings import Settings


def _deploy(args: argparse.Namespace, settings: Settings) -> int:
    from vending.ops import deploy

    deploy.cdktf_deploy(dataclasses.replace(settings, stacks=tuple(args.stacks)), auto_approve=args.auto_approve)
    return 0  # not reached: cdktf takes over this process


def _bootstrap(args: argparse.Namespace, settings: Settings) -> int:
    import boto3

    from vending.model.load import load_config
    from vending.ops.bootstrap import BootstrapError, bootstrap

    config = load_config(settings.customers_dir)
    try:
        steps = bootstrap(config.platform, boto3.session.Session())
    except BootstrapError as error:
        print(f"bootstrap: {error}", file=sys.stderr)
        return 1
    for what, changed in steps:
        print(f"{'changed ' if changed else 'ok      '} {what}")
    changes = sum(changed for _, changed in steps)
    print(f"state backend ready: {changes} change(s)" if changes else "state backend ready: nothing to change")
    return 0


def register(commands) -> None:
    deploy = commands.add_parser("deploy", help="cdktf deploy the named stacks, building only those")
    deploy.add_argument("stacks", nargs="+", metavar="stack", help="e.g. acme-prod acme-prod-pipeline")
    deploy.add_argument("--auto-approve", action="store_true", help="passed to cdktf deploy")
    deploy.set_defaults(handler=_deploy)

    boot = commands.add_parser("bootstrap", help="create or check the state bucket (and lock table)")
    boot.set_defaults(handler=_bootstrap)
