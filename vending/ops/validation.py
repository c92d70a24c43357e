"""``terraform validate`` at platform scale: few provider start-ups, and no stack checked twice.

Validating a stack on its own costs a Terraform process that starts the AWS provider and loads
its schema (about two seconds here) before it checks anything. So stacks are validated in
batches, one per core, side by side: a generated root per batch calls each stack's directory (a
copy, its backend and provider blocks set aside) as a module, under one provider configuration,
so Terraform loads the schema once per batch; it reports every error against its stack's file,
and the error names the stack and the attribute.

A stack's provider block is the batch's root provider when the stack is first in its batch;
the others' are checked to have the same attributes (their values differ only in tags and the
region, which the configuration checks), and a stack whose provider block differs in shape is
validated on its own, as is every stack of a batch with a diagnostic Terraform could not place.

Results are cached by what decides them, the digest of the stack's ``cdk.tf.json`` and the
Terraform version (the provider version is in the stack): a stack whose output was validated
before is not validated again. Only a valid stack is remembered.
"""

from __future__ import annotations

import functools
import hashlib
import json
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from vending.ops import terraform
from vending.synth import output

STACKS = "stacks"  # where a batch root keeps its modules
# A batch pays a schema load (about two seconds here) and then a quarter of a second per stack:
# below this many stacks per batch, one batch is as fast as two side by side.
MIN_STACKS_PER_BATCH = 10


@dataclass(frozen=True)
class Validation:
    stack: str
    valid: bool
    diagnostics: list[dict]

    def summary(self) -> str:
        if self.valid:
            return f"{self.stack}: valid"
        lines = [f"{self.stack}: INVALID"]
        for d in self.diagnostics:
            where = d.get("range", {}).get("filename", "")
            lines.append(f"  {d.get('severity')}: {d.get('summary')} {d.get('detail', '')} {where}".rstrip())
        return "\n".join(lines)


@dataclass(frozen=True)
class Validated:
    checked: list[Validation]  # the stacks validated this time
    unchanged: int  # the stacks validated before, as they are now

    @property
    def valid(self) -> bool:
        return all(result.valid for result in self.checked)

    @property
    def summary(self) -> str:
        count = len(self.checked) + self.unchanged
        return (
            f"validated {count:,} stack(s): {len(self.checked):,} checked, {self.unchanged:,} unchanged since validated"
        )


@functools.cache
def terraform_version() -> str:
    return terraform.run(["version", "-json"], Path.cwd(), terraform.environment()).stdout


def validate(
    outdir: Path, stacks: list[str] | None = None, *, cache: Path | None = None, workers: int = 2
) -> Validated:
    """Validate the synthesized stacks (all, or ``stacks``) that ``cache`` has not seen valid."""
    sources = output.sources(outdir, sorted(stacks) if stacks else None)
    names = sorted(sources)
    keys = {
        name: hashlib.sha256(terraform_version().encode() + b"\0" + data).hexdigest() for name, data in sources.items()
    }
    seen = cache / "validated" if cache else None
    todo = [name for name in names if not (seen and (seen / keys[name]).exists())]
    count = max(1, min(workers, len(todo) // MIN_STACKS_PER_BATCH))
    batches = [todo[index::count] for index in range(count)] if todo else []
    with ThreadPoolExecutor(max_workers=count) as pool:
        checked = [result for results in pool.map(lambda b: in_batch(b, sources), batches) for result in results]
    if seen:
        seen.mkdir(parents=True, exist_ok=True)
        for result in checked:
            if result.valid:
                (seen / keys[result.stack]).touch()
    order = {name: index for index, name in enumerate(names)}
    return Validated(sorted(checked, key=lambda r: order[r.stack]), len(names) - len(todo))


def in_batch(names: list[str], sources: dict[str, bytes]) -> list[Validation]:
    """Validate ``names`` in one Terraform process (see the module's docstring)."""
    if not names:
        return []
    stacks = {name: json.loads(sources[name]) for name in names}
    shape = _provider_shape(stacks[names[0]])
    alone = [name for name in names[1:] if _provider_shape(stacks[name]) != shape]
    batched = [name for name in names if name not in alone]
    with tempfile.TemporaryDirectory(prefix="vending-validate-") as scratch:
        root = Path(scratch)
        modules = {}
        for name in batched:
            module = {key: value for key, value in _without_backend(stacks[name]).items() if key != "provider"}
            (root / STACKS / name).mkdir(parents=True)
            (root / STACKS / name / "cdk.tf.json").write_text(json.dumps(module), encoding="utf-8")
            modules[name] = {"source": f"./{STACKS}/{name}"}
        first = stacks[names[0]]
        required = first.get("terraform", {}).get("required_providers", {})
        main = {"terraform": {"required_providers": required}, "provider": first.get("provider", {}), "module": modules}
        (root / "main.tf.json").write_text(json.dumps(main), encoding="utf-8")
        diagnostics = _run(root)
    placed: dict[str, list[dict]] = {name: [] for name in batched}
    unplaced = []
    for diagnostic in diagnostics:
        filename = diagnostic.get("range", {}).get("filename", "")
        parts = Path(filename).parts
        if len(parts) >= 2 and parts[0] == STACKS and parts[1] in placed:
            placed[parts[1]].append(diagnostic)
        elif diagnostic.get("severity") == "error":
            unplaced.append(diagnostic)
    if unplaced:  # an error Terraform could not place: every stack of the batch on its own
        return [on_its_own(name, sources[name]) for name in names]
    results = [_result(name, found) for name, found in placed.items()]
    return results + [on_its_own(name, sources[name]) for name in alone]


def on_its_own(name: str, source: bytes) -> Validation:
    """Validate one stack in a Terraform process of its own (its backend set aside)."""
    with tempfile.TemporaryDirectory(prefix="vending-validate-") as scratch:
        (Path(scratch) / "cdk.tf.json").write_text(json.dumps(_without_backend(json.loads(source))), encoding="utf-8")
        return _result(name, _run(Path(scratch)))


def _without_backend(stack: dict) -> dict:
    """The stack with its backend (or cloud) block set aside: validation reads no state."""
    terraform = {k: v for k, v in stack.get("terraform", {}).items() if k not in ("backend", "cloud")}
    return {**stack, "terraform": terraform}


def _result(name: str, diagnostics: list[dict]) -> Validation:
    return Validation(name, not any(d.get("severity") == "error" for d in diagnostics), diagnostics)


def _run(root: Path) -> list[dict]:
    """``init -backend=false`` and ``validate -json`` in ``root``; the diagnostics."""
    env = terraform.environment()
    terraform.init(root, env, backend="-backend=false")
    result = terraform.run(["validate", "-json", "-no-color"], root, env)
    try:
        return json.loads(result.stdout).get("diagnostics", [])
    except json.JSONDecodeError:
        return [{"severity": "error", "summary": (result.stderr or result.stdout).strip()}]


def _provider_shape(stack: dict) -> object:
    """A provider block's attributes, nested, without their values."""

    def shape(value: object) -> object:
        if isinstance(value, dict):
            return {key: shape(item) for key, item in value.items() if key != "tags"}
        if isinstance(value, list):
            return [shape(item) for item in value]
        return type(value).__name__

    return shape(stack.get("provider", {}))


def per_stack(names: list[str], sources: dict[str, bytes], workers: int = 2) -> list[Validation]:
    """Each stack in a process of its own, ``workers`` at a time: what batches are measured
    against (make bench)."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda name: on_its_own(name, sources[name]), names))
