"""Reading Terraform plans (``terraform show -json``): what changes, and which attributes."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vending import terraform

SENSITIVE = "(sensitive)"


@dataclass(frozen=True)
class ResourceChange:
    address: str
    type: str
    action: str  # create | update | replace | delete
    paths: tuple[str, ...]  # changed attributes of an update or replace, e.g. "launch_template[0].version"
    unknown: tuple[str, ...] = ()  # those of ``paths`` whose new value is only known after apply
    replaced_because: tuple[str, ...] = ()

    @property
    def attributes(self) -> set[str]:
        """Top-level attribute names the change touches."""
        return {path.split(".")[0].split("[")[0] for path in self.paths}


def _action(actions: list[str]) -> str | None:
    if actions in (["no-op"], ["read"]):
        return None
    if sorted(actions) == ["create", "delete"]:
        return "replace"
    return actions[0]


def _empty(value: Any) -> bool:
    """null, "", [] and {} — and blocks holding only those — all mean "not set"."""
    if isinstance(value, dict):
        return all(_empty(v) for v in value.values())
    if isinstance(value, list):
        return all(_empty(v) for v in value)
    return value is None or value == ""


def changed_paths(before: Any, after: Any, unknown: Any, prefix: str = "") -> list[str]:
    """Attribute paths whose value differs between ``before`` and ``after`` (or becomes unknown)."""
    if unknown is True:
        return [prefix] if prefix else []
    if _empty(before) and _empty(after) and not unknown:
        return []
    if isinstance(before, dict) and isinstance(after, dict):
        unknown = unknown if isinstance(unknown, dict) else {}
        paths = []
        for key in sorted(set(before) | set(after) | set(unknown)):
            child = f"{prefix}.{key}" if prefix else key
            paths += changed_paths(before.get(key), after.get(key), unknown.get(key), child)
        return paths
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        unknown = unknown if isinstance(unknown, list) else []
        paths = []
        for index, (old, new) in enumerate(zip(before, after, strict=True)):
            paths += changed_paths(old, new, unknown[index] if index < len(unknown) else None, f"{prefix}[{index}]")
        return paths
    if before == after:
        return []
    return [prefix] if prefix else ["(resource)"]


def _change(entry: dict[str, Any]) -> ResourceChange | None:
    change = entry["change"]
    action = _action(change["actions"])
    if action is None:
        return None
    paths: list[str] = []
    unknown: list[str] = []
    if action in ("update", "replace"):
        paths = changed_paths(change.get("before"), change.get("after"), change.get("after_unknown"))
        # The same walk with nothing but the unknowns: the paths whose value is known only after apply.
        unknown = changed_paths(change.get("before"), change.get("before"), change.get("after_unknown"))
    replaced = tuple(
        "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")
        for path in change.get("replace_paths", [])
    )
    return ResourceChange(entry["address"], entry["type"], action, tuple(paths), tuple(unknown), replaced)


def resource_changes(plan: dict[str, Any]) -> list[ResourceChange]:
    """Planned changes, in address order, leaving out no-ops and data-source reads."""
    found = (_change(entry) for entry in plan.get("resource_changes", []) if entry.get("mode", "managed") == "managed")
    return sorted((c for c in found if c is not None), key=lambda c: c.address)


def drift(plan: dict[str, Any]) -> list[ResourceChange]:
    """Changes made outside Terraform, found while refreshing."""
    found = (_change(entry) for entry in plan.get("resource_drift", []) if entry.get("mode", "managed") == "managed")
    return sorted((c for c in found if c is not None), key=lambda c: c.address)


def plan_stack(directory: Path, env: dict[str, str], *, refresh_only: bool = False) -> dict[str, Any]:
    """Run ``terraform plan`` in an initialised stack directory and return the JSON plan."""
    plan_file = "vending.tfplan"
    command = [terraform.binary(), "plan", "-input=false", "-no-color", "-lock-timeout=60s", f"-out={plan_file}"]
    if refresh_only:
        command.append("-refresh-only")
    result = subprocess.run(command, cwd=directory, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"terraform plan failed in {directory}:\n{result.stderr or result.stdout}")
    shown = subprocess.run(
        [terraform.binary(), "show", "-json", plan_file],
        cwd=directory,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    (directory / plan_file).unlink(missing_ok=True)
    return json.loads(shown.stdout)
