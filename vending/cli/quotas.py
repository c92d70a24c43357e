"""``vending quotas``: what the synthesized platform holds against AWS's quotas."""

from __future__ import annotations

import argparse
import dataclasses
import sys

from vending.errors import ConfigError
from vending.settings import Settings


def _quotas(args: argparse.Namespace, settings: Settings) -> int:
    from vending.synth import output, quotas

    counts = quotas.count(output.synthesized(output.checked(settings.outdir)))
    if args.live:
        import boto3
        from botocore.exceptions import BotoCoreError, ClientError

        from vending.model.load import load_config
        from vending.ops import account_limits

        region = load_config(settings.customers_dir).platform.region
        try:
            limits = account_limits.read(boto3.session.Session(), region)
        except (BotoCoreError, ClientError) as error:
            raise ConfigError([f"the account's limits could not be read: {error}"]) from None
        counts = [dataclasses.replace(c, quota=limits.get(c.what, c.quota)) for c in counts]
    for count in counts:
        if count.shared:
            print(count.line)
    problems = quotas.over(counts) + quotas.account_warnings(counts)
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


def register(commands) -> None:
    command = commands.add_parser(
        "quotas", help="count every shared load balancer, shared security group and the account against AWS's quotas"
    )
    command.add_argument("--live", action="store_true", help="against the account's own limits (needs credentials)")
    command.set_defaults(handler=_quotas)
