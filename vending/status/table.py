"""The fleet's status as a table for the terminal: a summary line, then one row per environment."""

from __future__ import annotations

from vending.status.model import STATES, EnvironmentStatus, Fleet, StackStatus

COLUMNS = ("environment", "prod", "state", "stacks", "last apply", "drift checked", "image", "priority")


def render(fleet: Fleet) -> str:
    rows = [COLUMNS, *(_row(e) for e in fleet.environments)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    lines = [summary(fleet), ""]
    lines += ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]
    for stack in fleet.platform:
        lines.append(f"platform {stack.stack}: {stack.state}{_applied(stack)}")
    failures = [(e.name, s) for e in fleet.environments for s in e.stacks if s.last_apply and not s.last_apply.ok]
    for name, stack in failures:
        first = (stack.last_apply.message.strip().splitlines() or ["(no message)"])[-1]
        lines.append(f"failed {stack.stack} ({name}): {first}")
    return "\n".join(lines) + "\n"


def summary(fleet: Fleet) -> str:
    counts = ", ".join(f"{fleet.summary[state]} {state}" for state in STATES if fleet.summary[state])
    return f"{len(fleet.environments)} environment(s) at {fleet.commit[:12]} ({fleet.generated_at}): {counts or 'none'}"


def _row(environment: EnvironmentStatus) -> tuple[str, ...]:
    stacks = " · ".join(f"{s.kind} {s.state}" for s in environment.stacks)
    latest = max((s.last_apply for s in environment.stacks if s.last_apply), key=lambda a: a.at, default=None)
    last = f"{latest.commit[:8]} {latest.at[:16].replace('T', ' ')}{'' if latest.ok else ' FAILED'}" if latest else "–"
    checks = [s.drift for s in environment.stacks if s.drift]
    drift = f"{min(checks, key=lambda d: d.at).at[:10]} {_drift(checks)}" if checks else "never"
    return (
        environment.name,
        "yes" if environment.production else "no",
        environment.state,
        stacks,
        last,
        drift,
        _image(environment),
        "–" if environment.priority is None else str(environment.priority),
    )


def _drift(checks) -> str:
    drifted = sum(len(d.resources) for d in checks if not d.before_last_apply)
    return f"{drifted} changed" if drifted else ("error" if any(d.message for d in checks) else "in sync")


def _image(environment: EnvironmentStatus) -> str:
    image = environment.image
    if image is None:
        return "–"
    if image.origin == "baked":
        age = f", {image.age_days} d old" if image.age_days is not None else ""
        return f"{image.ami_id} (baked from {image.commit[:8]}{age})"
    return f"{image.ami_id} ({image.origin})"


def _applied(stack: StackStatus) -> str:
    return f", applied {stack.applied_commit[:8]}" if stack.applied_commit else ""
