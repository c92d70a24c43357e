"""The knobs (VENDING_*, CDKTF_OUTDIR, AWS_ENDPOINT_URL), read from the environment once, at the edge (the CLI)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from vending.errors import ConfigError


@dataclass(frozen=True)
class Settings:
    customers_dir: Path = Path("customers")
    outdir: Path = Path("cdktf.out")
    images_dir: Path = Path("images")
    stacks: tuple[str, ...] | None = None  # None: every stack
    endpoint_url: str | None = None  # an AWS emulator (AWS_ENDPOINT_URL); None: real AWS
    allow_destroy: tuple[str, ...] = ()  # stacks whose production resources may be destroyed
    workers: int = 1  # synth processes (VENDING_WORKERS; from the environment: one per core)
    speedups: bool = True  # vending.speedups (VENDING_SPEEDUPS=off: jsii and cdktf as they come)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Settings:
        stacks = environ.get("VENDING_STACKS", "").strip()
        allow_destroy = environ.get("VENDING_ALLOW_DESTROY", "")
        return cls(
            customers_dir=Path(environ.get("VENDING_CUSTOMERS_DIR") or "customers"),
            outdir=Path(environ.get("CDKTF_OUTDIR") or "cdktf.out"),
            images_dir=Path(environ.get("VENDING_IMAGES_DIR") or "images"),
            stacks=tuple(s.strip() for s in stacks.split(",") if s.strip()) if stacks else None,
            endpoint_url=environ.get("AWS_ENDPOINT_URL") or None,
            allow_destroy=tuple(s.strip() for s in allow_destroy.split(",") if s.strip()),
            workers=_workers(environ.get("VENDING_WORKERS", "")),
            speedups=_switch("VENDING_SPEEDUPS", environ.get("VENDING_SPEEDUPS", "")),
        )


def _workers(text: str) -> int:
    if not text.strip():
        return len(os.sched_getaffinity(0))  # the cores this process may run on
    if not text.strip().isdigit() or int(text) < 1:
        raise ConfigError([f"VENDING_WORKERS: must be a whole number ≥ 1 (got {text!r})"])
    return int(text)


def _switch(knob: str, text: str) -> bool:
    value = text.strip().lower()
    if value not in ("", "on", "off"):
        raise ConfigError([f"{knob}: must be on or off (got {text!r})"])
    return value != "off"
