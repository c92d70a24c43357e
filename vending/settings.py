"""The knobs (DESIGN §6), read from the environment once, at the edge (main.py / the CLI)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    customers_dir: Path = Path("customers")
    outdir: Path = Path("cdktf.out")
    images_dir: Path = Path("images")
    stacks: tuple[str, ...] | None = None  # None: every stack
    endpoint_url: str | None = None  # an AWS emulator (AWS_ENDPOINT_URL); None: real AWS
    allow_destroy: tuple[str, ...] = ()  # stacks whose production resources may be destroyed

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
        )
