"""From settings to ``cdktf.out``: validate everything first, then build and synthesize what the
synth cache (cache.py) does not already hold.

Synthesis writes into a temporary directory next to the output and moves the result in only
when it succeeded, so a failed synth leaves the previous ``cdktf.out`` exactly as it was.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from vending import speedups
from vending.errors import ConfigError
from vending.model import images, naming, priorities
from vending.model.config import Config
from vending.model.load import load_config
from vending.settings import Settings
from vending.synth import cache, output, parallel, policies, quotas
from vending.synth.cache import SynthCache


@dataclass(frozen=True)
class Prepared:
    """Everything synth needs, checked: nothing after this point reads a file."""

    settings: Settings
    config: Config
    allocation: priorities.Allocation
    previous_lock: priorities.Lock
    fleet_images: dict[str, images.FleetImage]
    stacks: tuple[str, ...]

    def warnings(self) -> list[str]:
        shown = [
            self.fleet_images[c.stack_name].warning(c.stack_name)
            for c in self.config.customers
            if c.stack_name in self.stacks
        ]
        return [w for w in shown if w]


def all_stacks(config: Config, shard_count: int = 1) -> list[str]:
    """Every stack, in the platform's order: the shared load balancer's shards, then each
    environment and its pipeline."""
    names = [naming.shared_alb_stack(shard) for shard in range(1, shard_count + 1)]
    for customer in config.customers:
        names += [customer.stack_name, customer.pipeline_stack_name]
    return names


def _refuse_unknown(knob: str, stacks: tuple[str, ...], known: list[str]) -> None:
    unknown = [s for s in stacks if s not in known]
    if unknown:
        raise ConfigError([f"{knob}: unknown stack {s!r} (known: {', '.join(known)})" for s in unknown])


def allocate(settings: Settings) -> tuple[Config, priorities.Lock, priorities.Allocation]:
    """The configuration, its lock file, and every environment's priority and shard."""
    config = load_config(settings.customers_dir)
    lock = priorities.read_lock(settings.customers_dir)
    return config, lock, priorities.allocate(config, lock, str(settings.customers_dir / priorities.LOCK_FILE))


def known_stacks(settings: Settings) -> list[str]:
    """Every stack the configuration defines."""
    config, _, allocation = allocate(settings)
    return all_stacks(config, allocation.shard_count)


def fleets(config: Config, images_dir: Path, stacks: Iterable[str]) -> dict[str, images.FleetImage]:
    """The image each fleet runs, for the environments of ``stacks`` (an environment's or its
    pipeline's)."""
    wanted = {stack.removesuffix(naming.PIPELINE_SUFFIX) for stack in stacks}
    return {
        c.stack_name: images.choose(c, images.read_record(images_dir, c.stack_name))
        for c in config.customers
        if c.stack_name in wanted
    }


def prepare(settings: Settings) -> Prepared:
    config, lock, allocation = allocate(settings)
    known = all_stacks(config, allocation.shard_count)
    if settings.stacks is None:
        selected = tuple(known)
    else:
        _refuse_unknown("VENDING_STACKS", settings.stacks, known)
        selected = tuple(s for s in known if s in settings.stacks)
    _refuse_unknown("VENDING_ALLOW_DESTROY", settings.allow_destroy, known)
    fleet_images = fleets(config, settings.images_dir, selected)
    return Prepared(settings, config, allocation, lock, fleet_images, selected)


def build(prepared: Prepared, outdir: Path) -> tuple[Any, list[policies.Checked]]:
    """Construct the selected stacks in a cdktf App, with production's destroy protection on every
    stack; return the App and the policy checks its stacks get after synth. cdktf, the provider
    bindings and each kind of stack are imported only now, and only when selected: imports are
    most of a small synth's time."""
    speedups.install(prepared.settings.speedups)
    from cdktf import App

    from vending.synth import protection

    config, endpoint = prepared.config, prepared.settings.endpoint_url
    app = App(outdir=str(outdir), stack_traces=False)
    stacks = []  # (name, stack): names kept here, since reading one back from Node costs two calls
    for shard in range(1, prepared.allocation.shard_count + 1):
        name = naming.shared_alb_stack(shard)
        if name in prepared.stacks:
            from vending.synth.stacks.shared_alb import SharedAlbStack

            stacks.append((name, SharedAlbStack(app, platform=config.platform, shard=shard, endpoint_url=endpoint)))
    for customer in config.customers:
        if customer.stack_name in prepared.stacks:
            from vending.synth.stacks.environment import EnvironmentStack

            stack = EnvironmentStack(
                app,
                platform=config.platform,
                customer=customer,
                image=prepared.fleet_images[customer.stack_name],
                priority=prepared.allocation.priorities.get(customer.stack_name),
                shard=prepared.allocation.shards.get(customer.stack_name),
                endpoint_url=endpoint,
            )
            stacks.append((customer.stack_name, stack))
        if customer.pipeline_stack_name in prepared.stacks:
            from vending.synth.stacks.pipeline import PipelineStack

            stack = PipelineStack(app, platform=config.platform, customer=customer, endpoint_url=endpoint)
            stacks.append((customer.pipeline_stack_name, stack))
    retiring = {s for c in config.customers if c.retire for s in (c.stack_name, c.pipeline_stack_name)}
    checks = []
    for name, stack in stacks:
        destroying = name in prepared.settings.allow_destroy or name in retiring
        checks.append(policies.Checked(name, stack.production, destroying))
        if destroying or not stack.production:  # outside production, a retired stack takes its buckets
            protection.apply(stack, protection.AllowDestroy() if destroying else protection.EmptiedOnDestroy())
        if stack.production and not destroying:
            protection.apply(stack, protection.PreventDestroy())
    return app, checks


def _synth_app(prepared: Prepared, outdir: Path) -> None:
    """Build and synthesize the selected stacks; policy violations are a ConfigError."""
    app, checks = build(prepared, outdir)
    app.synth()
    violations = policies.found(outdir, checks)
    if violations:
        raise ConfigError(violations)


def _synth(prepared: Prepared, outdir: Path) -> None:
    """Synthesize the selected stacks into ``outdir``: in this process, or spread over
    ``settings.workers`` processes when there are enough stacks to be worth it."""
    shares = parallel.split(prepared.stacks, prepared.settings.workers)
    if len(shares) == 1:
        _synth_app(prepared, outdir)
    else:
        parallel.synth(shares, outdir, lambda share, part: _synth_app(replace(prepared, stacks=share), part))


def _within_quotas(footprints: dict[str, dict]) -> list[str]:
    """Count the stacks against AWS's quotas: a load balancer or security group past one is a
    ConfigError; the account's quotas are warnings."""
    counts = quotas.total(footprints.values())
    if problems := quotas.over(counts):
        raise ConfigError(problems)
    return quotas.account_warnings(counts)


@dataclass(frozen=True)
class Synthesized:
    """What a synth did: the stacks it wrote, and how many it built (the rest came from the cache)."""

    prepared: Prepared
    built: int

    @property
    def summary(self) -> str:
        count = len(self.prepared.stacks)
        return f"synthesized {count:,} stack(s): {self.built:,} built, {count - self.built:,} from cache"


def _stderr(line: str) -> None:
    print(line, file=sys.stderr)


def synthesize(settings: Settings, log: Callable[[str], None] = _stderr) -> Synthesized:
    """Validate; synthesize the stacks the cache does not hold into a temporary directory, beside
    the ones it does; move the result in; update the lock. Says what it did on ``log``."""
    prepared = prepare(settings)
    for warning in prepared.warnings():
        log(warning)
    store = SynthCache(settings.synth_cache) if settings.synth_cache else None
    keys = store.keys(prepared) if store else {}
    outdir = settings.outdir
    held = store.held(outdir) if store else {}
    current = {s: held[s] for s in prepared.stacks if s in held and held[s]["key"] == keys[s]}
    cached = {s: e for s in prepared.stacks if s not in current and store and (e := store.lookup(keys[s]))}
    to_build = tuple(s for s in prepared.stacks if s not in current and s not in cached)
    outdir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{outdir.name}.new-", dir=outdir.parent))
    try:
        manifest, version, footprints = {}, None, {}
        if to_build:
            _synth(replace(prepared, stacks=to_build), staging)
            built = json.loads((staging / output.MANIFEST).read_text(encoding="utf-8"))
            manifest, version = built["stacks"], built["version"]
            for stack, entry in cache.entries(to_build, staging, manifest, version).items():
                footprints[stack] = entry.footprint
                if store:
                    store.store(keys[stack], entry)
        for stack, entry in cached.items():
            (staging / "stacks" / stack).mkdir(parents=True)
            (staging / "stacks" / stack / "cdk.tf.json").write_bytes(entry.stack)
            manifest[stack], version = entry.manifest, entry.version
            footprints[stack] = entry.footprint or quotas.footprint(json.loads(entry.stack))
        for stack, item in current.items():
            manifest[stack], version = item["manifest"], item["version"]
            kept = outdir / item["manifest"]["synthesizedStackPath"]
            footprints[stack] = item.get("footprint") or quotas.footprint(json.loads(kept.read_bytes()))
        (staging / "stacks").mkdir(exist_ok=True)
        output.write_manifest(staging, manifest, version)
        for warning in _within_quotas(footprints):
            log(warning)
        output.install(staging, outdir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    allocation = prepared.allocation
    if allocation.changed(prepared.previous_lock):
        priorities.write_lock(settings.customers_dir, allocation.lock)
        log(f"{settings.customers_dir / priorities.LOCK_FILE}: updated ({priorities.added(allocation)}); commit it")
    if store:
        store.record(outdir, {s: (keys[s], manifest[s], footprints[s]) for s in (*to_build, *cached)}, version)
        store.record_inputs(settings)  # after the lock's update, which is an input too
        if to_build:
            store.prune()
    done = Synthesized(prepared, len(to_build))
    log(done.summary)
    return done
