"""``vending plan --out DIR``: plans saved to be applied exactly as reviewed.

For each stack, in a directory of its own under ``DIR/stacks/<stack>`` (a copy of its
synthesized ``cdk.tf.json``): ``terraform init`` against its real backend, the state's serial
and lineage, ``terraform plan -out=tfplan``, and the state's serial and lineage again (a plan
made while another run wrote the state is refused). ``DIR/plans.json`` is the manifest: per
stack the commit, the state's serial and lineage when it was planned, the plan's digest and
the stack's. Beside it, the review of exactly those plans: ``review.md`` and ``review.json``.

Plans too many for one runner are made in shards (``--shard I/N``, each into its own
directory) and merged into one directory, one manifest and one review (``merge``): each
stack's directory keeps what its review needs (``review.json``).

With the Terraform Cloud backend the saved plan is Terraform's saved cloud plan (Terraform ≥
1.6: the run is planned in the workspace, and the file names it); it is applied the same way.

The plan files hold sensitive values in the clear: keep ``DIR`` as a secret is kept (a CI
artifact of short retention, never committed).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from vending.delivery import records, waves
from vending.delivery import retiring as retiring_stacks
from vending.errors import ConfigError
from vending.ops import progress, terraform
from vending.review import model, plans, report
from vending.review.model import StackReview
from vending.synth import output

MANIFEST = "plans.json"
FORMAT = 1
SHOWN = "(shown)"  # the key of a plans.Shown value in a stack's review.json
LOCK_ID = re.compile(r"ID:\s+([0-9a-fA-F-]{8,})")


@dataclass(frozen=True)
class Saved:
    """One stack's saved plan, as the manifest holds it."""

    commit: str
    backend: str  # s3 or cloud
    serial: int | None  # the state's, when planned (None: no state yet)
    lineage: str | None
    plan_digest: str
    stack_digest: str
    changes: bool
    destroy: bool = False
    retiring: bool = False  # destroyed from what was last applied: its definition is gone


def commit_of(repo: Path) -> str:
    found = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True)
    return found.stdout.strip() or "unknown"


def state(directory: Path, env: dict[str, str]) -> tuple[int | None, str | None]:
    """The serial and lineage of an initialised stack's state (None, None when it has none)."""
    pulled = terraform.run(["state", "pull"], directory, env)
    if pulled.returncode != 0:
        raise RuntimeError(f"terraform state pull failed in {directory}:\n{pulled.stderr.strip()}")
    if not pulled.stdout.strip():
        return None, None
    found = json.loads(pulled.stdout)
    return found.get("serial"), found.get("lineage")


def locked(stack: str, error: str) -> str | None:
    """What to say when Terraform's ``error`` is that another run holds a stack's state lock (or
    held it, and died): the lock's id, and how to release it; None for any other error."""
    if "Error acquiring the state lock" not in error:
        return None
    found = LOCK_ID.search(error)
    lock = found[1] if found else "(see above)"
    return (
        f"{stack}: its state is locked by another run (lock {lock}). If no run is applying it (a runner"
        f" was lost, say), release it: vending unlock {stack} {lock}"
    )


def plan_stack(
    stack: str, source: Path, into: Path, env: dict[str, str], *, commit: str, destroy: bool, retiring: bool = False
) -> StackReview:
    """Plan one stack into ``into`` (its copy of the synthesized stack, then tfplan, plan.txt, saved.json)."""
    into.mkdir(parents=True)
    shutil.copy(source / "cdk.tf.json", into / "cdk.tf.json")
    stack_json = json.loads((into / "cdk.tf.json").read_text(encoding="utf-8"))
    backend = "cloud" if "cloud" in stack_json.get("terraform", {}) else "s3"
    try:
        terraform.init(into, env)
        before = state(into, env)
        try:
            planned = plans.run_plan(into, env, keep=True, destroy=destroy, lock_timeout="10s")
        except RuntimeError as error:
            if message := locked(stack, str(error)):
                raise RuntimeError(message) from None
            raise
        after = state(into, env)
        if after != before:
            raise RuntimeError(f"{stack}: its state changed while it was planned (serial {before[0]} → {after[0]})")
    except (RuntimeError, OSError, ValueError) as error:
        shutil.rmtree(into, ignore_errors=True)
        return StackReview(stack, error=str(error))
    found = model.from_plan(stack, planned)
    saved = Saved(
        commit=commit,
        backend=backend,
        serial=before[0],
        lineage=before[1],
        plan_digest=records.digest((into / plans.PLAN_FILE).read_bytes()),
        stack_digest=records.digest((into / "cdk.tf.json").read_bytes()),
        changes=bool(found.changes),
        destroy=destroy,
        retiring=retiring,
    )
    keep(into, saved, found)
    return found


def plan_retiring(stack: retiring_stacks.Retiring, out: Path, env: dict[str, str], *, commit: str) -> StackReview:
    """The destruction of a retiring stack, planned from its configuration as last applied."""
    if stack.configuration is None:
        return StackReview(
            stack.stack, error=retiring_stacks.NO_CONFIGURATION.format(stack=stack.stack, why=stack.origin)
        )
    source = out / "retiring" / stack.stack
    source.mkdir(parents=True)
    (source / "cdk.tf.json").write_bytes(stack.configuration)
    found = plan_stack(
        stack.stack, source, out / "stacks" / stack.stack, env, commit=commit, destroy=True, retiring=True
    )
    if model.PREVENTED.search(found.error):
        return StackReview(
            stack.stack, error=f"{found.error}\n\n{retiring_stacks.PRODUCTION_STEP.format(stack=stack.stack)}"
        )
    return found


def keep(into: Path, saved: Saved, found: StackReview) -> None:
    """Beside a stack's saved plan: the plan's text, what the manifest holds of it, its review."""
    (into / "plan.txt").write_text(found.text, encoding="utf-8")
    (into / "saved.json").write_text(json.dumps(asdict(saved)), encoding="utf-8")
    (into / "review.json").write_text(json.dumps(_encoded(asdict(found))), encoding="utf-8")


def _encoded(value: Any) -> Any:
    """JSON of a review, keeping which values are shown in place of others (plans.Shown)."""
    if isinstance(value, plans.Shown):
        return {SHOWN: str(value)}
    if isinstance(value, dict):
        return {key: _encoded(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_encoded(item) for item in value]
    return value


def _decoded(value: Any) -> Any:
    if isinstance(value, dict):
        return plans.Shown(value[SHOWN]) if set(value) == {SHOWN} else {k: _decoded(v) for k, v in value.items()}
    if isinstance(value, list):
        return tuple(_decoded(item) for item in value)
    return value


def stack_review(directory: Path) -> StackReview:
    """A planned stack's review, as ``plan_stack`` found it (``directory``: its plan's)."""
    found = _decoded(json.loads((directory / "review.json").read_text(encoding="utf-8")))
    changes = {key: tuple(plans.ResourceChange(**c) for c in found[key]) for key in ("changes", "drift")}
    return StackReview(**(found | changes))


def plan(
    outdir: Path,
    stacks: Iterable[str],
    out: Path,
    env: dict[str, str],
    *,
    commit: str,
    destroy: Iterable[str] = (),
    jobs: int = 2,
    intro: str = "",
    removed: list[str] = (),
    shard: str | None = None,
    images: dict[str, list[str]] | None = None,
    refused: Mapping[str, list[str]] | None = None,
    retiring: Iterable[retiring_stacks.Retiring] = (),
    how: str = "quiet",
) -> list[StackReview]:
    """Plan ``stacks`` of the synthesized ``outdir`` into ``out`` (which must not exist yet) and
    write its manifest and review; the reviews, one per stack. ``shard`` (``I/N``): these are the
    I-th of N shards of a run's stacks, to be merged. ``images``: the review's cautions about
    the fleets' images, by stack (review.provenance). ``refused``: the stacks the preflight
    refused, with why; they are not planned. ``retiring``: stacks no longer defined, planned for
    destruction from the configuration kept with their last apply. ``how``: the progress's way
    (progress.MODES)."""
    _fresh(out)
    stacks, destroying, retired = list(stacks), set(destroy), {r.stack: r for r in retiring}
    manifest = output.stacks(outdir) if stacks else {}
    missing = [stack for stack in stacks if stack not in manifest and stack not in retired]
    if missing:
        raise ConfigError([f"{stack}: not in {outdir}: synthesize it first" for stack in missing])

    shown = progress.Progress(len(stacks), title="plan", how=how)

    def one(stack: str) -> StackReview:
        shown.phase(stack, "plan")
        found = planned_one(stack)
        # An error may yet be a wait for a stack applied in this run (model.waiting, once all are planned).
        shown.done(stack, not found.error, found.counts(), found.note, failed="not planned")
        return found

    def planned_one(stack: str) -> StackReview:
        if refused and stack in refused:
            return model.preflight_refused(stack, refused[stack])
        if stack in retired:
            return plan_retiring(retired[stack], out, env, commit=commit)
        source = outdir / manifest[stack]["workingDirectory"]
        return plan_stack(stack, source, out / "stacks" / stack, env, commit=commit, destroy=stack in destroying)

    with shown, ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        planned = list(pool.map(one, stacks))
    fates = {stack: retiring_stacks.said(r) for stack, r in retired.items() if stack in stacks}
    return write(
        out, planned, commit=commit, intro=intro, removed=list(removed), shard=shard, images=images, retiring=fates
    )


def write(
    out: Path,
    planned: list[StackReview],
    *,
    commit: str,
    intro: str,
    removed: list[str],
    shard: str | None = None,
    images: dict[str, list[str]] | None = None,
    retiring: Mapping[str, list[str]] | None = None,
) -> list[StackReview]:
    """The manifest and review of the stacks planned in ``out``; their reviews. ``retiring``: the
    stacks being retired, with what becomes of their data."""
    # A retiring stack waits for nothing: its error (production's missing step, say) stands.
    reviews = [r if r.stack in (retiring or {}) else model.waiting(r, planned) for r in planned]
    saved = {
        r.stack: json.loads((out / "stacks" / r.stack / "saved.json").read_text())
        for r in reviews
        if (out / "stacks" / r.stack / "saved.json").exists()
    }
    all_waves = waves.waves({stack: entry["destroy"] for stack, entry in saved.items()})
    document = {
        "format": FORMAT,
        "commit": commit,
        "created": records.now(),
        "intro": intro,
        "removed": removed,
        "shard": shard,
        "image_cautions": images or {},
        "retiring": dict(retiring or {}),
        "stacks": saved,
        "waves": [{**asdict(w), "stacks": list(w.stacks)} for w in all_waves],
        "not_planned": {r.stack: {"error": r.error, "note": r.note} for r in reviews if r.stack not in saved},
    }
    out.mkdir(parents=True, exist_ok=True)
    (out / MANIFEST).write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    (out / "review.md").write_text(
        report.render(
            reviews,
            intro=intro,
            removed=removed,
            full_plan=lambda s: f"`{out}/stacks/{s}/plan.txt`",
            commit="" if commit == "unknown" else commit,
            images=images,
            retiring=retiring,
        ),
        encoding="utf-8",
    )
    found = report.as_data(reviews, removed=removed, images=images, retiring=retiring)
    (out / "review.json").write_text(json.dumps(found, indent=2) + "\n")
    return reviews


def merge(parts: Iterable[Path], out: Path) -> list[StackReview]:
    """Merge plan directories made in shards of one run (``vending plan --shard``) into ``out``."""
    _fresh(out)
    documents = [(part, read(part)) for part in parts]
    commits = {document["commit"] for _, document in documents}
    if len(commits) > 1:
        raise ConfigError([f"plans of different commits ({', '.join(sorted(commits))}): plan them again together"])
    shards = sorted(str(document["shard"]) for _, document in documents)
    total = shards[0].rpartition("/")[2]
    expected = sorted(f"{i}/{total}" for i in range(1, int(total) + 1)) if total.isdecimal() else ["I/N"]
    if shards != expected:
        these, wanted = ", ".join(shards), ", ".join(expected)
        raise ConfigError([f"to merge: the shards of one run, each once (these: {these}; expected: {wanted})"])
    seen: dict[str, Path] = {}
    for part, document in documents:
        for stack in [*document["stacks"], *document["not_planned"]]:
            if stack in seen:
                raise ConfigError([f"{stack}: planned in both {seen[stack]} and {part}"])
            seen[stack] = part
    planned = []
    for part, document in documents:
        for stack in document["stacks"]:
            (out / "stacks").mkdir(parents=True, exist_ok=True)
            shutil.copytree(part / "stacks" / stack, out / "stacks" / stack, symlinks=True)
            planned.append(stack_review(out / "stacks" / stack))
        planned += [StackReview(stack, **why) for stack, why in document["not_planned"].items()]
    planned.sort(key=lambda r: r.stack)
    first = documents[0][1]
    images = {stack: lines for _, document in documents for stack, lines in document["image_cautions"].items()}
    retiring = {stack: fate for _, document in documents for stack, fate in document.get("retiring", {}).items()}
    return write(
        out,
        planned,
        commit=commits.pop(),
        intro=first["intro"],
        removed=first["removed"],
        images=images,
        retiring=retiring,
    )


def _fresh(out: Path) -> None:
    if out.exists() and any(out.iterdir()):
        raise ConfigError([f"{out}: holds plans already; plan into a new directory"])


def read(out: Path) -> dict:
    """The manifest of a plan directory, checked."""
    try:
        document = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ConfigError([f"{out}: no plans to apply ({MANIFEST}: {error}); run vending plan --out {out}"]) from None
    if document.get("format") != FORMAT:
        raise ConfigError([f"{out / MANIFEST}: written by another version (format {document.get('format')})"])
    return document
