"""``vending apply DIR``: exactly the plans ``vending plan`` saved, wave by wave.

Each wave's stacks are applied side by side (``jobs`` at a time); a stack that fails does not
stop the others of its wave, but it stops the waves after it. Before a stack is applied, its
state's serial and lineage must still be those it was planned against: otherwise the plan is
stale and is refused (``stale plan for acme-prod: planned at serial 4, state is at 5; plan
again``). After a successful apply, its record (records.py) says so; nothing else writes one.

SIGTERM or Ctrl-C is passed on to Terraform, which stops cleanly: it saves what it applied and
releases its lock. A Terraform that was killed outright leaves the lock held: the next run says
which lock, and ``vending unlock`` releases it.
"""

from __future__ import annotations

import json
import signal
import subprocess
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from vending.delivery import plan, records, waves
from vending.delivery.plan import Saved
from vending.errors import ConfigError
from vending.ops import progress, terraform
from vending.review import model, plans

STOP_SECONDS = 600  # how long a Terraform told to stop may take to stop cleanly
COUNTED = {"create": "add", "update": "change", "replace": "change", "delete": "destroy"}  # -json hook actions
APPLY_LOG = "apply.log"  # beside a stack's saved plan: Terraform's whole output of its apply


@dataclass(frozen=True)
class Applied:
    stack: str
    ok: bool
    message: str  # what happened, one line (or Terraform's error)


class Terraforms:
    """The Terraform processes running now, so that a SIGTERM reaches every one of them."""

    def __init__(self) -> None:
        self.running: set[subprocess.Popen] = set()
        self.lock = threading.Lock()
        self.stopping = threading.Event()

    def run(
        self, args: list[str], cwd: Path, env: dict[str, str], on_line: Callable[[str], None] | None = None
    ) -> subprocess.CompletedProcess:
        """Terraform with ``args``; with ``on_line``, each line of its output as it comes."""
        if self.stopping.is_set():
            raise KeyboardInterrupt
        command = [terraform.binary(), *args]
        # A session of its own: a Ctrl-C at the terminal reaches this process alone, which passes
        # it on once (Terraform exits at once, state unsaved, on a second one).
        process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
        )
        with self.lock:
            self.running.add(process)
        try:
            if on_line is None:
                out, err = process.communicate()
            else:
                errors: list[str] = []
                drain = threading.Thread(target=lambda: errors.append(process.stderr.read()), daemon=True)
                drain.start()
                lines = []
                for line in process.stdout:
                    lines.append(line)
                    on_line(line)
                process.wait()
                drain.join()
                out, err = "".join(lines), "".join(errors)
        finally:
            with self.lock:
                self.running.discard(process)
        return subprocess.CompletedProcess(command, process.returncode, out, err)

    def stop(self) -> None:
        """Tell every running Terraform to stop (as Ctrl-C does), and wait for them."""
        self.stopping.set()
        with self.lock:
            running = list(self.running)
        for process in running:
            process.send_signal(signal.SIGINT)
        for process in running:
            try:
                process.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()


def selected(
    document: dict,
    *,
    wave: int | None = None,
    shard: tuple[int, int] | None = None,
    which: str | None = None,
    job: str | None = None,
) -> list[waves.Wave]:
    """The waves to apply (all, wave ``wave``, or those of a CI job: waves.JOBS), each narrowed to
    a shard and to ``which`` of its stacks (waves.only)."""
    all_waves, changes = _waves(document), changing(document)
    if job is not None:
        all_waves = waves.job(all_waves, job, changes)
    if wave is not None:
        all_waves = [w for w in all_waves if w.number == wave]
        if not all_waves:
            known = ", ".join(str(w["number"]) for w in document["waves"]) or "none"
            raise ConfigError([f"--wave {wave}: no such wave in these plans (waves: {known})"])

    def narrowed(w: waves.Wave) -> waves.Wave:
        stacks = waves.only(w.stacks, which, changes)
        return replace(w, stacks=waves.shard(stacks, *shard) if shard is not None else stacks)

    return [narrowed(w) for w in all_waves]


def _waves(document: dict) -> list[waves.Wave]:
    return [waves.Wave(w["number"], w["kind"], w["destroy"], tuple(w["stacks"])) for w in document["waves"]]


def changing(document: dict) -> set[str]:
    """The stacks whose saved plans change something."""
    return {stack for stack, saved in document["stacks"].items() if saved["changes"]}


def matrix(document: dict, *, stacks_per_shard: int, max_shards: int) -> dict:
    """The CI jobs that apply these plans (waves.JOBS) with their shards, and the stacks that
    wait for one of them (planned by the next run, once it is applied)."""
    jobs = waves.matrix(_waves(document), changing(document), stacks_per_shard=stacks_per_shard, max_shards=max_shards)
    waiting = sorted(s for s, why in document["not_planned"].items() if why["note"].startswith(model.WAITING))
    return {"jobs": jobs, "waiting": waiting}


def apply_stack(
    stack: str,
    directory: Path,
    saved: Saved,
    env: dict[str, str],
    runner: Terraforms,
    shown: progress.Progress | None = None,
) -> Applied:
    """Apply the stack's saved plan; keep the attempt beside its state (but for a stack retired,
    whose records are gone with it)."""
    stack_json = json.loads((directory / "cdk.tf.json").read_text(encoding="utf-8"))
    events = _Events(stack, shown or progress.Progress(1, title="apply", how="quiet"))
    applied = _apply_stack(stack, stack_json, directory, saved, env, runner, events)
    events.shown.done(stack, applied.ok, events.counts)
    if not (applied.ok and saved.retiring):
        message = applied.message[-records.MESSAGE_MAX :]
        attempt = records.Attempt(saved.commit, records.now(), applied.ok, message, saved.stack_digest)
        records.keep(stack_json, records.ATTEMPT_SUFFIX, attempt)
    return applied


class _Events:
    """Terraform's machine-readable stream (``-json``) of one stack's apply: the resource at work
    for the progress, what changed, and the error diagnostics."""

    def __init__(self, stack: str, shown: progress.Progress):
        self.stack, self.shown = stack, shown
        self.counts = {"add": 0, "change": 0, "destroy": 0}  # as resources complete; then Terraform's own
        self.errors: list[str] = []

    def line(self, text: str) -> None:
        try:
            event = json.loads(text)
        except ValueError:
            return
        kind, hook = event.get("type"), event.get("hook") or {}
        if kind == "apply_start":
            self.shown.resource(self.stack, hook.get("resource", {}).get("addr", ""), hook.get("action", ""))
        elif kind in ("apply_complete", "apply_errored"):
            self.shown.resource_done(self.stack)
            counted = COUNTED.get(hook.get("action", "")) if kind == "apply_complete" else None
            if counted:  # a failed apply says no summary: what it did is counted as it goes
                self.counts[counted] += 1
        elif kind == "change_summary":
            changes = event.get("changes") or {}
            self.counts = {"add": changes.get("add", 0), "change": changes.get("change", 0)}
            self.counts["destroy"] = changes.get("remove", 0)
        elif kind == "diagnostic" and event.get("@level") == "error":
            found = event.get("diagnostic") or {}
            self.errors.append(f"Error: {found.get('summary', '')}\n\n{found.get('detail', '')}".strip())


def failure(done: subprocess.CompletedProcess, errors: list[str], log: Path) -> str:
    """Why Terraform failed: its error diagnostics, else what it wrote to stderr, else how it
    ended (a signal, say); and where its whole output is kept."""
    said = "\n\n".join(errors) or plans.strip_noise(done.stderr).strip()
    if not said:
        ended = f"killed by signal {-done.returncode}" if done.returncode < 0 else f"exit status {done.returncode}"
        said = f"Terraform wrote no error ({ended})"
    return f"{said}\n(Terraform's whole output: {log})"


def _apply_stack(
    stack: str,
    stack_json: dict,
    directory: Path,
    saved: Saved,
    env: dict[str, str],
    runner: Terraforms,
    events: _Events,
) -> Applied:
    plan_file = directory / plans.PLAN_FILE
    if records.digest(plan_file.read_bytes()) != saved.plan_digest:
        return Applied(stack, False, f"{stack}: the plan file is not the one reviewed (its digest differs); plan again")
    try:
        events.shown.phase(stack, "init")
        init = runner.run(["init", "-input=false", "-no-color", "-reconfigure"], directory, env)
        if init.returncode != 0:
            return Applied(stack, False, f"{stack}: terraform init failed:\n{init.stderr.strip()}")
        serial, lineage = plan.state(directory, env)
        if (serial, lineage) != (saved.serial, saved.lineage):
            if lineage != saved.lineage and saved.lineage is not None:
                why = f"planned against state lineage {saved.lineage}, state is lineage {lineage}"
            else:
                why = f"planned at serial {_serial(saved.serial)}, state is at {_serial(serial)}"
            return Applied(stack, False, f"stale plan for {stack}: {why}; plan again")
        if saved.changes:
            events.shown.phase(stack, "apply")
            # Terraform's machine-readable stream says which resource is at work; a cloud run
            # streams the workspace's own output instead.
            streamed = saved.backend != "cloud"
            args = ["apply", "-input=false", "-no-color", "-lock-timeout=10s", *(["-json"] if streamed else [])]
            done = runner.run([*args, plans.PLAN_FILE], directory, env, on_line=events.line if streamed else None)
            log = directory / APPLY_LOG
            log.write_text(done.stdout + done.stderr, encoding="utf-8")
            if done.returncode != 0:
                error = failure(done, events.errors, log)
                return Applied(stack, False, plan.locked(stack, error) or f"{stack}: terraform apply failed:\n{error}")
    except RuntimeError as error:
        return Applied(stack, False, str(error))
    if saved.retiring:
        records.forget(stack_json)
        return Applied(stack, True, f"{stack}: retired (its state, record and configuration removed)")
    record = records.Record(saved.commit, records.now(), saved.plan_digest, saved.stack_digest)
    kept = records.write(stack_json, record, (directory / "cdk.tf.json").read_bytes())
    what = "applied" if saved.changes else "no changes"
    return Applied(stack, True, f"{stack}: {what}" + ("" if kept else " (the cloud backend keeps its own record)"))


def _serial(serial: int | None) -> str:
    return "(no state)" if serial is None else str(serial)


def apply(
    out: Path,
    env: dict[str, str],
    *,
    wave: int | None = None,
    shard: tuple[int, int] | None = None,
    which: str | None = None,
    job: str | None = None,
    jobs: int = 2,
    say=print,
    how: str = "quiet",
) -> list[Applied]:
    """Apply the saved plans in ``out``; what happened to each stack. Stops after a wave in which
    a stack failed. Raises KeyboardInterrupt (after Terraform has stopped) when interrupted.
    ``how``: the progress's way (progress.MODES); its summary ends the run."""
    document = plan.read(out)
    runner = Terraforms()
    results: list[Applied] = []
    chosen = selected(document, wave=wave, shard=shard, which=which, job=job)
    shown = progress.Progress(sum(len(w.stacks) for w in chosen), title="apply", how=how)
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        with shown:
            _waves_applied(chosen, document, out, env, runner, shown, jobs, say, results)
    finally:
        signal.signal(signal.SIGTERM, previous)
    return results


def _waves_applied(chosen, document, out, env, runner, shown, jobs, say, results: list[Applied]) -> None:
    """Each wave's stacks side by side; a wave with a failed stack is the last."""
    for current in chosen:
        if not current.stacks:
            continue
        say(f"{current.title}: {', '.join(current.stacks)}")

        def one(stack: str) -> Applied:
            saved = Saved(**document["stacks"][stack])
            return apply_stack(stack, out / "stacks" / stack, saved, env, runner, shown)

        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            futures = [pool.submit(one, stack) for stack in current.stacks]
            try:
                done = [future.result() for future in futures]
            except KeyboardInterrupt:
                runner.stop()
                raise
        for result in done:
            say(f"  {result.message}")
            if result.ok and result.stack in document.get("retiring", {}):
                for fate in document["retiring"][result.stack]:  # the final snapshot's name, say
                    say(f"    {fate}")
        results += done
        if not all(result.ok for result in done):
            break  # the later waves look up what this one should have made


def unlock(stack: str, lock: str, out: Path | None, outdir: Path, env: dict[str, str]) -> str:
    """Release a stack's state lock that no run holds any more (``terraform force-unlock``)."""
    directory = out / "stacks" / stack if out and (out / "stacks" / stack).is_dir() else outdir / "stacks" / stack
    if not (directory / "cdk.tf.json").is_file():
        raise ConfigError([f"{stack}: not synthesized in {outdir} (nor planned in {out}); synthesize it first"])
    terraform.init(directory, env)
    done = terraform.run(["force-unlock", "-force", lock], directory, env)
    if done.returncode != 0:
        raise ConfigError([f"{stack}: terraform force-unlock failed: {plans.strip_noise(done.stderr).strip()}"])
    return f"{stack}: lock {lock} released"
