"""The per-stack synth cache: a stack whose inputs have not changed is not built again.

Synth is a pure function of its inputs. A stack's key is a digest of everything its output
depends on: the platform; for an environment's stacks, the environment, and for its
infrastructure stack the listener-rule priority and the fleet's image; whether the stack is
being destroyed (VENDING_ALLOW_DESTROY) and the emulator endpoint; the code that shapes output
and the dependency locks (synth/code.py); and the Python, Node, jsii, cdktf, provider and
constructs versions. An entry holds the stack's ``cdk.tf.json`` as synthesized, its manifest
entry and a digest of both, checked on every read: a corrupt or partial entry is a miss.

Where it is: ``VENDING_SYNTH_CACHE`` (settings.py). Layout::

    entries/<key[:2]>/<key>/   stack.json, entry.json   (written to tmp/, then renamed in whole)
    outputs/<digest>.json      what an output directory holds: stack → key, size, mtime
    tmp/

Writes are atomic renames, so two synths at once never see each other's half-written entries;
the cache prunes itself to ``limit`` bytes, least recently used first (a hit touches its entry).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from vending.files import write_atomically
from vending.model.naming import platform_stack
from vending.settings import PROJECT
from vending.synth import code, quotas

DEFAULT_LIMIT = 1 << 30  # bytes: about 30,000 stacks


@dataclass(frozen=True)
class Entry:
    stack: bytes  # cdk.tf.json, as synthesized
    manifest: dict  # the stack's entry in manifest.json
    version: str  # the manifest's version (cdktf's)
    footprint: dict | None = None  # what it adds against AWS's quotas (quotas.footprint)


@functools.cache
def code_digest() -> str:
    """A digest of the files that shape synthesized output, by path and content."""
    digest = hashlib.sha256()
    for relative in code.SHAPES_OUTPUT:
        path = PROJECT / relative
        files = sorted(p for p in path.rglob("*") if p.is_file()) if relative.endswith("/") else [path]
        for file in files:
            if "__pycache__" in file.parts or not file.exists():
                continue
            digest.update(file.relative_to(PROJECT).as_posix().encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()


# The packages that write a stack's output (the speed-ups, which may be deleted, pin the same).
PACKAGES = ("jsii", "cdktf", "cdktf-cdktf-provider-aws", "constructs")


@functools.cache
def versions() -> dict[str, str]:
    """The runtimes and packages a stack's output could change with."""
    from importlib import metadata

    node = os.environ.get("JSII_NODE", "node")
    try:
        node_version = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30).stdout.strip()
    except OSError:
        node_version = "missing"
    found = {"python": sys.version, "node": node_version}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "None"
    return found


def _digest(value: object) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


class SynthCache:
    def __init__(self, root: Path, limit: int = DEFAULT_LIMIT):
        self.root = root
        self.limit = limit

    # --- keys ----------------------------------------------------------------------------------

    def keys(self, prepared) -> dict[str, str]:
        """Each selected stack's key (``prepared`` is synth.app.Prepared)."""
        settings, config = prepared.settings, prepared.config
        common = _digest(
            {
                "code": code_digest(),
                "versions": versions(),
                "endpoint": settings.endpoint_url,
                "platform": config.platform.model_dump(mode="json"),
            }
        )
        # A shard of the shared load balancer takes the platform alone.
        inputs: dict[str, dict] = {stack: {} for stack in prepared.stacks if platform_stack(stack)}
        for customer in config.customers:
            environment = {"customer": customer.model_dump(mode="json")}
            if customer.stack_name in prepared.stacks:
                image = prepared.fleet_images[customer.stack_name]
                inputs[customer.stack_name] = {
                    **environment,
                    "priority": prepared.allocation.priorities.get(customer.stack_name),
                    "shard": prepared.allocation.shards.get(customer.stack_name),
                    "image": [image.ami_id, image.origin],
                }
            inputs[customer.pipeline_stack_name] = environment
        return {
            stack: _digest(
                {"common": common, "stack": stack, "destroying": stack in settings.allow_destroy, **inputs[stack]}
            )
            for stack in prepared.stacks
        }

    # --- entries -------------------------------------------------------------------------------

    def _entry_dir(self, key: str) -> Path:
        return self.root / "entries" / key[:2] / key

    def lookup(self, key: str) -> Entry | None:
        """The entry, read whole and checked, or None (missing, partial or corrupt)."""
        directory = self._entry_dir(key)
        try:
            stack = (directory / "stack.json").read_bytes()
            meta = json.loads((directory / "entry.json").read_text(encoding="utf-8"))
            if meta["sha256"] != hashlib.sha256(stack).hexdigest():
                return None
            entry = Entry(stack, meta["manifest"], meta["version"], meta.get("footprint"))
        except (OSError, ValueError, KeyError, TypeError):
            return None
        with contextlib.suppress(OSError):
            os.utime(directory)  # least recently used goes first
        return entry

    def store(self, key: str, entry: Entry) -> None:
        """Write an entry beside the others, then rename it in whole; a concurrent writer of the
        same key wins the rename, and its entry is the same bytes."""
        target = self._entry_dir(key)
        if target.is_dir() and self.lookup(key) is not None:
            return
        (self.root / "tmp").mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f"{key[:12]}.", dir=self.root / "tmp"))
        try:
            (staging / "stack.json").write_bytes(entry.stack)
            meta = {
                "sha256": hashlib.sha256(entry.stack).hexdigest(),
                "manifest": entry.manifest,
                "footprint": entry.footprint,
            }
            (staging / "entry.json").write_text(json.dumps({**meta, "version": entry.version}), encoding="utf-8")
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.exists():  # partial or corrupt: replaced
                shutil.rmtree(target, ignore_errors=True)
            os.rename(staging, target)
        except OSError:
            pass  # someone else's entry got there first, or the disk is full: a miss next time
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def prune(self) -> int:
        """Remove the least recently used entries until the cache fits its limit; return how many."""
        entries = []
        for directory in (self.root / "entries").glob("*/*"):
            try:
                size = sum(f.stat().st_size for f in directory.iterdir())
                entries.append((directory.stat().st_mtime, size, directory))
            except OSError:
                continue
        total, removed = sum(size for _, size, _ in entries), 0
        for _, size, directory in sorted(entries):
            if total <= self.limit:
                break
            shutil.rmtree(directory, ignore_errors=True)
            total -= size
            removed += 1
        for stale in (self.root / "tmp").glob("*"):  # left by a synth that was killed
            if time.time() - stale.stat().st_mtime > 3600:
                shutil.rmtree(stale, ignore_errors=True)
        return removed

    # --- what an output directory holds --------------------------------------------------------

    def _index(self, outdir: Path) -> Path:
        return self.root / "outputs" / f"{hashlib.sha256(str(outdir.resolve()).encode()).hexdigest()[:32]}.json"

    def held(self, outdir: Path) -> dict[str, dict]:
        """The stacks ``outdir`` holds as the last synth left them (stack → key, size, mtime,
        manifest entry), leaving out any whose file has changed since."""
        try:
            index = json.loads(self._index(outdir).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        held = {}
        for stack, item in index.items() if isinstance(index, dict) else ():
            try:
                found = (outdir / item["manifest"]["synthesizedStackPath"]).stat()
                if [found.st_size, found.st_mtime_ns] == [item["size"], item["mtime"]]:
                    held[stack] = item
            except (OSError, KeyError, TypeError):
                continue
        return held

    def unchanged(self, settings) -> bool:
        """Whether the inputs are, byte for byte, those of the last synth into this output: then
        every stack is a hit, and no jsii kernel need start (cli/synth.py)."""
        try:
            return self._index(settings.outdir).with_suffix(".inputs").read_text() == fingerprint(settings)
        except OSError:
            return False

    def record(self, outdir: Path, stacks: dict[str, tuple[str, dict, dict]], version: str) -> None:
        """Remember what ``outdir`` now holds: stack → (key, manifest entry, quota footprint)."""
        index = self.held(outdir)
        for stack, (key, manifest, footprint) in stacks.items():
            found = (outdir / manifest["synthesizedStackPath"]).stat()
            index[stack] = {
                "key": key,
                "size": found.st_size,
                "mtime": found.st_mtime_ns,
                "manifest": manifest,
                "version": version,
                "footprint": footprint,
            }
        write_atomically(self._index(outdir), json.dumps(index, sort_keys=True))

    def record_inputs(self, settings) -> None:
        write_atomically(self._index(settings.outdir).with_suffix(".inputs"), fingerprint(settings))


def fingerprint(settings) -> str:
    """A digest of the inputs as files (configuration, bake records, code) and knobs, read
    without parsing anything."""
    digest = hashlib.sha256(code_digest().encode())
    knobs = [settings.stacks, settings.endpoint_url, settings.allow_destroy, str(settings.outdir.resolve())]
    digest.update(json.dumps(knobs).encode())
    for directory, pattern in ((settings.customers_dir, "*"), (settings.images_dir, "*.json")):
        for path in sorted(directory.glob(pattern)) if directory.is_dir() else ():
            with contextlib.suppress(OSError):
                digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def entries(stacks: Iterable[str], outdir: Path, manifest: dict, version: str) -> dict[str, Entry]:
    """The entries of stacks just synthesized into ``outdir`` (with its ``manifest``'s stacks)."""
    found = {}
    for stack in stacks:
        data = (outdir / manifest[stack]["synthesizedStackPath"]).read_bytes()
        found[stack] = Entry(data, manifest[stack], version, quotas.footprint(json.loads(data)))
    return found
