"""The knobs (VENDING_*, CDKTF_OUTDIR, AWS_ENDPOINT_URL), read from the environment once, at the
edge (the CLI), and checked all at once before any work starts."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from vending.errors import ConfigError

PROJECT = Path(__file__).resolve().parents[1]  # the checkout: main.py, vending/, .cache/
# An emulator's address: http(s), a host name or address, an optional port, nothing else.
_ENDPOINT = re.compile(r"https?://(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?/?")


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
    synth_cache: Path | None = None  # VENDING_SYNTH_CACHE; None: off (from the environment: .cache/synth)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Settings:
        """The knobs; a ConfigError with one line per knob that is wrong."""
        problems: list[str] = []

        def checked(parse, knob: str, default=None):
            text = environ.get(knob, "")
            try:
                return parse(text) if text.strip() else default
            except ValueError as error:
                problems.append(f"{knob}: {error} (got {text!r})")
                return default

        settings = cls(
            customers_dir=Path(environ.get("VENDING_CUSTOMERS_DIR") or "customers"),
            outdir=Path(environ.get("CDKTF_OUTDIR") or "cdktf.out"),
            images_dir=Path(environ.get("VENDING_IMAGES_DIR") or "images"),
            stacks=checked(_names, "VENDING_STACKS"),
            endpoint_url=checked(_endpoint, "AWS_ENDPOINT_URL"),
            allow_destroy=checked(_names, "VENDING_ALLOW_DESTROY", ()),
            workers=checked(_count, "VENDING_WORKERS") or len(os.sched_getaffinity(0)),  # default: the cores we get
            speedups=checked(_switch, "VENDING_SPEEDUPS", True),
            synth_cache=checked(_cache, "VENDING_SYNTH_CACHE", PROJECT / ".cache" / "synth"),
        )
        for knob, path in (
            ("CDKTF_OUTDIR", settings.outdir),
            ("VENDING_IMAGES_DIR", settings.images_dir),
            ("VENDING_SYNTH_CACHE", settings.synth_cache),
        ):
            if path is not None and (reason := _not_a_directory(path)):
                problems.append(f"{knob}: {reason} (got {str(path)!r})")
        if problems:
            raise ConfigError(problems)
        return settings


def _names(text: str) -> tuple[str, ...]:
    names = tuple(name.strip() for name in text.split(",") if name.strip())
    if not names:
        raise ValueError("names no stack")
    return names


def _count(text: str) -> int:
    if not re.fullmatch(r"[0-9]+", text.strip()) or int(text) < 1:
        raise ValueError("must be a whole number ≥ 1")
    return int(text)


def _switch(text: str) -> bool:
    value = text.strip().lower()
    if value not in ("on", "off"):
        raise ValueError("must be on or off")
    return value == "on"


def _cache(text: str) -> Path | None:
    return None if text.strip() == "off" else Path(text)


def _endpoint(text: str) -> str:
    if not _ENDPOINT.fullmatch(text.strip()):
        raise ValueError("must be an http(s) address like http://127.0.0.1:5000, with no path")
    return text.strip()


def _not_a_directory(path: Path) -> str | None:
    """Why ``path`` cannot be (or become) a directory, if it cannot."""
    for part in (path, *path.parents):
        if part.exists():
            if part.is_dir():
                return None
            return "is a file, not a directory" if part == path else f"is inside {part}, which is a file"
    return None
