"""What several command groups share: finding an environment, choosing stacks, writing a report."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from vending.errors import ConfigError
from vending.settings import Settings


def environment(settings: Settings, name: str):
    """The configuration and its environment ``name`` (e.g. acme-prod), or a ConfigError naming the known ones."""
    from vending.model.load import load_config

    config = load_config(settings.customers_dir)
    try:
        return config, config.customer(name)
    except KeyError:
        known = ", ".join(c.stack_name for c in config.customers)
        raise ConfigError([f"{name}: no such environment in {settings.customers_dir} (known: {known})"]) from None


def stacks(settings: Settings, names: list[str]) -> list[str]:
    """The stacks named, checked and in the platform's order, or every stack when none is."""
    from vending.synth.app import known_stacks

    known = known_stacks(settings)
    unknown = [name for name in names if name not in known]
    if unknown:
        raise ConfigError([f"{name}: no such stack (known: {', '.join(known)})" for name in unknown])
    return [name for name in known if name in names] if names else known


def emit(text: str, out: str | None) -> None:
    """Write a report to ``out``, or to stdout."""
    if out:
        Path(out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


def count(text: str) -> int:
    """An argument that is a whole number ≥ 1."""
    if not re.fullmatch(r"[0-9]+", text) or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number ≥ 1 (got {text!r})")
    return int(text)
