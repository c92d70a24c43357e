"""The synthesized output directory (``cdktf.out``): the one reader of its manifest, and the
writers that move a new synth in or merge the workers' shares into one."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

from vending.errors import ConfigError

MANIFEST = "manifest.json"  # cdktf's: each stack's name and paths


def checked(outdir: Path) -> Path:
    """``outdir`` if it holds a synthesized output, else a ConfigError that says so."""
    if not (outdir / MANIFEST).is_file():
        raise ConfigError([f"{outdir}: nothing synthesized there (no {MANIFEST}; run `make synth`)"])
    return outdir


def stacks(outdir: Path) -> dict[str, dict]:
    """The manifest's entry of each stack (its paths), by stack name."""
    return json.loads((outdir / MANIFEST).read_text(encoding="utf-8"))["stacks"]


def sources(outdir: Path, names: Sequence[str] | None = None) -> dict[str, bytes]:
    """Each stack's Terraform JSON as written (every stack, or ``names``), by stack name."""
    entries = stacks(outdir)
    return {
        name: (outdir / entries[name]["synthesizedStackPath"]).read_bytes()
        for name in (entries if names is None else names)
    }


def synthesized(outdir: Path) -> dict[str, dict]:
    """Each stack's Terraform JSON, by stack name."""
    return {name: json.loads(data) for name, data in sources(outdir).items()}


def install(staging: Path, outdir: Path) -> None:
    """Move the new stack directories and manifest into ``outdir``, each directory replaced
    whole. Directories of stacks not synthesized this time stay: with VENDING_STACKS the other
    stacks keep their output, and cdktf's CLI removes orphans itself (it fails if they vanish)."""
    if not outdir.exists():
        staging.rename(outdir)
        return
    (outdir / "stacks").mkdir(exist_ok=True)
    for new in sorted((staging / "stacks").iterdir()):
        target = outdir / "stacks" / new.name
        old = target.with_name(f".{new.name}.old-{os.getpid()}")
        if target.exists():
            target.rename(old)
        new.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    (staging / MANIFEST).replace(outdir / MANIFEST)
    shutil.rmtree(staging, ignore_errors=True)


def merge(parts: Sequence[Path], outdir: Path) -> None:
    """Move the shares' stack directories into ``outdir`` and write the one manifest."""
    stacks: dict = {}
    version = None
    (outdir / "stacks").mkdir(parents=True, exist_ok=True)
    for part in parts:
        manifest = json.loads((part / MANIFEST).read_text(encoding="utf-8"))
        version = manifest["version"]
        stacks.update(manifest["stacks"])
        for directory in sorted((part / "stacks").iterdir()):
            directory.rename(outdir / "stacks" / directory.name)
        shutil.rmtree(part)
    write_manifest(outdir, stacks, version)


def write_manifest(outdir: Path, stacks: dict, version: str | None) -> None:
    """The manifest cdktf writes, byte for byte, for these stack entries."""
    (outdir / MANIFEST).write_text(stable_json({"stacks": stacks, "version": version}), encoding="utf-8")


def stable_json(value: object, indent: str = "") -> str:
    """JSON the way cdktf writes its manifest (json-stable-stringify, two spaces): keys sorted,
    and empty lists and objects broken over two lines as well."""
    inner = indent + "  "
    if isinstance(value, dict):
        items = [f"{json.dumps(key, ensure_ascii=False)}: {stable_json(value[key], inner)}" for key in sorted(value)]
        brackets = "{}"
    elif isinstance(value, list):
        items, brackets = [stable_json(item, inner) for item in value], "[]"
    else:
        return json.dumps(value, ensure_ascii=False)
    return brackets[0] + ",".join(f"\n{inner}{item}" for item in items) + f"\n{indent}{brackets[1]}"
