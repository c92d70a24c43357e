"""``vending catalog``: the catalogs of what AWS offers that configuration is checked against."""

from __future__ import annotations

import argparse

from vending.settings import Settings


def _show(args: argparse.Namespace, settings: Settings) -> int:
    from vending.model import catalog

    print(catalog.age())
    return 0


def _refresh(args: argparse.Namespace, settings: Settings) -> int:
    import boto3

    from vending.ops import catalog

    print(catalog.refresh(boto3.session.Session(), args.region))
    return 0


def register(commands) -> None:
    command = commands.add_parser("catalog", help="the catalogs of instance types, zones and RDS engines")
    verbs = command.add_subparsers(dest="verb", required=True, metavar="verb")
    verbs.add_parser("show", help="when each catalog was taken").set_defaults(handler=_show)
    refresh = verbs.add_parser(
        "refresh", help="take the EC2 catalog anew from DescribeInstanceTypes (needs credentials)"
    )
    refresh.add_argument("--region", default="us-east-1", help="where to describe the instance types (us-east-1)")
    refresh.set_defaults(handler=_refresh)
