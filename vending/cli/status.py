"""``vending status``: the fleet at a glance, as a table, JSON or a self-contained page."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from vending.cli.common import emit
from vending.settings import Settings


def _status(args: argparse.Namespace, settings: Settings) -> int:
    from vending.delivery import plan
    from vending.status import model, page, table

    fleet = model.only(model.build(settings, plan.commit_of(Path.cwd())), args.only)
    if args.format == "json":
        text = json.dumps(fleet.data(), indent=2, sort_keys=True) + "\n"
    elif args.format == "html":
        text = page.render(fleet)
    else:
        text = table.render(fleet)
    emit(text, args.out)
    return 0


def register(commands) -> None:
    status = commands.add_parser(
        "status",
        help="every environment's last apply, pending changes, drift, image and failures (starts no Terraform)",
    )
    status.add_argument("--format", choices=["table", "json", "html"], default="table")
    status.add_argument("--out", metavar="FILE", help="write it here (default: stdout)")
    status.add_argument("--only", choices=["production", "other"], help="production's environments, or the others")
    status.set_defaults(handler=_status)
