"""Reading Terraform plans (``terraform show -json``): what changes, and which attributes."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from vending.ops import terraform

PLAN_FILE = "tfplan"
NOISE = re.compile(
    r"^\S.*: (Refreshing state\.\.\.|Reading\.\.\.|Read complete after .*)$|^(Acquiring|Releasing) state lock"
)


class Shown(str):
    """What a report shows in place of a value that it must not or cannot show."""


SENSITIVE = Shown("(sensitive)")
UNKNOWN = Shown("(known after apply)")


@dataclass(frozen=True)
class ResourceChange:
    address: str
    type: str
    action: str  # create | update | replace | delete
    paths: tuple[str, ...]  # changed attributes of an update or replace, e.g. "launch_template[0].version"
    unknown: tuple[str, ...] = ()  # those of ``paths`` whose new value is only known after apply
    replaced_because: tuple[str, ...] = ()
    values: tuple[tuple[str, Any, Any], ...] = ()  # (path, before, after); sensitive ones as SENSITIVE
    reason: str = ""  # Terraform's action_reason, e.g. replace_because_tainted


def attribute(path: str) -> str:
    """The top-level attribute of a path: ``launch_template`` of ``launch_template[0].version``."""
    return path.split(".")[0].split("[")[0]


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


def _child(mark: Any, key: str | int) -> Any:
    """The part of an after_unknown / *_sensitive mark that belongs to ``key``."""
    if isinstance(mark, dict) and isinstance(key, str):
        return mark.get(key)
    if isinstance(mark, list) and isinstance(key, int) and key < len(mark):
        return mark[key]
    return None


def _marked(mark: Any) -> bool:
    if isinstance(mark, dict):
        return any(_marked(m) for m in mark.values())
    if isinstance(mark, list):
        return any(_marked(m) for m in mark)
    return mark is True


def diff(
    before: Any, after: Any, unknown: Any = None, sensitive: tuple[Any, Any] = (None, None), prefix: str = ""
) -> Iterator[tuple[str, Any, Any]]:
    """(path, before, after) for each value that differs or becomes unknown (then after is UNKNOWN).
    A value marked sensitive (``before_sensitive``/``after_sensitive``) is never yielded, only SENSITIVE."""

    def shown(value: Any, mark: Any) -> Any:
        return SENSITIVE if _marked(mark) else value

    if unknown is True:
        if prefix:
            yield prefix, shown(before, sensitive[0]), UNKNOWN
        return
    if _empty(before) and _empty(after) and not unknown:
        return
    if sensitive[0] is True or sensitive[1] is True:
        if before != after:
            yield prefix or "(resource)", SENSITIVE, SENSITIVE
        return
    if isinstance(before, dict) and isinstance(after, dict):
        keys = sorted(set(before) | set(after) | (set(unknown) if isinstance(unknown, dict) else set()))
        children = [(k, before.get(k), after.get(k), f"{prefix}.{k}" if prefix else k) for k in keys]
    elif isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        children = [(i, old, new, f"{prefix}[{i}]") for i, (old, new) in enumerate(zip(before, after, strict=True))]
    else:
        if before != after:
            yield prefix or "(resource)", shown(before, sensitive[0]), shown(after, sensitive[1])
        return
    for key, old, new, path in children:
        yield from diff(old, new, _child(unknown, key), (_child(sensitive[0], key), _child(sensitive[1], key)), path)


def changed_paths(before: Any, after: Any, unknown: Any) -> list[str]:
    """Attribute paths whose value differs between ``before`` and ``after`` (or becomes unknown)."""
    return [path for path, _, _ in diff(before, after, unknown)]


def _change(entry: dict[str, Any]) -> ResourceChange | None:
    change = entry["change"]
    action = _action(change["actions"])
    if action is None:
        return None
    values: list[tuple[str, Any, Any]] = []
    unknown: list[str] = []
    if action in ("update", "replace"):
        sensitive = (change.get("before_sensitive"), change.get("after_sensitive"))
        values = list(diff(change.get("before"), change.get("after"), change.get("after_unknown"), sensitive))
        # The same walk with nothing but the unknowns: the paths whose value is known only after apply.
        unknown = changed_paths(change.get("before"), change.get("before"), change.get("after_unknown"))
    replaced = tuple(
        "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")
        for path in change.get("replace_paths", [])
    )
    return ResourceChange(
        entry["address"],
        entry["type"],
        action,
        tuple(path for path, _, _ in values),
        tuple(unknown),
        replaced,
        tuple(values),
        entry.get("action_reason", ""),
    )


def resource_changes(plan: dict[str, Any]) -> list[ResourceChange]:
    """Planned changes, in address order, leaving out no-ops and data-source reads."""
    found = (_change(entry) for entry in plan.get("resource_changes", []) if entry.get("mode", "managed") == "managed")
    return sorted((c for c in found if c is not None), key=lambda c: c.address)


def _configured(plan: dict[str, Any]) -> dict[str, set[str]]:
    """The attributes each root-module resource's configuration sets (default_tags set tags_all)."""
    resources = plan.get("configuration", {}).get("root_module", {}).get("resources", [])
    return {r["address"]: set(r.get("expressions", {})) | {"tags_all"} for r in resources}


def drift(plan: dict[str, Any]) -> list[ResourceChange]:
    """Changes made outside Terraform, found while refreshing: deleted resources, and changed
    attributes that the configuration sets (the next apply puts those back). Attributes left to
    AWS change on their own — a database's latest restorable time, a group's rules managed as
    separate resources, what a first refresh fills in — and are not drift."""
    configured = _configured(plan)
    found = []
    for entry in plan.get("resource_drift", []):
        change = _change(entry) if entry.get("mode", "managed") == "managed" else None
        if change is not None and change.action == "update":
            attributes = configured.get(re.sub(r"\[[^\]]*\]$", "", entry["address"]))
            values = tuple(v for v in change.values if attributes is None or attribute(v[0]) in attributes)
            paths = tuple(path for path, _, _ in values)
            change = replace(change, paths=paths, values=values, unknown=()) if values else None
        if change is not None:
            found.append(change)
    return sorted(found, key=lambda c: c.address)


def has_state(plan: dict[str, Any]) -> bool:
    """Whether the stack had deployed resources before this plan."""
    resources = plan.get("prior_state", {}).get("values", {}).get("root_module", {}).get("resources", [])
    return any(resource.get("mode") == "managed" for resource in resources)


@dataclass(frozen=True)
class Plan:
    json: dict[str, Any]  # terraform show -json
    text: str  # terraform show -no-color: what a person reads


def strip_noise(text: str) -> str:
    """Terraform's output without the refresh and state-lock progress lines."""
    return "\n".join(line for line in text.splitlines() if not NOISE.match(line)).strip("\n")


def run_plan(
    directory: Path,
    env: dict[str, str],
    *,
    refresh_only: bool = False,
    text: bool = True,
    keep: bool = False,
    destroy: bool = False,
    lock_timeout: str = "60s",
) -> Plan:
    """Run ``terraform plan`` in an initialised stack directory, and read the plan as JSON and, with
    ``text``, as a person reads it. The plan file, ``PLAN_FILE``, is removed afterwards (it holds
    sensitive values in the clear) unless ``keep``: a saved plan to apply."""
    plan_file = PLAN_FILE
    command = ["plan", "-input=false", "-no-color", f"-lock-timeout={lock_timeout}", f"-out={plan_file}"]
    if refresh_only:
        command.append("-refresh-only")
    if destroy:
        command.append("-destroy")
    try:
        planned = terraform.run(command, directory, env)
        if planned.returncode != 0:
            raise RuntimeError(
                f"terraform plan failed in {directory}:\n{strip_noise(planned.stderr or planned.stdout)}"
            )
        shows = [["show", "-json", plan_file]] + ([["show", "-no-color", plan_file]] if text else [])
        results = [terraform.run(show, directory, env) for show in shows]
        for result in results:
            if result.returncode != 0:
                raise RuntimeError(f"terraform show failed in {directory}:\n{result.stderr}")
    finally:
        if not keep:
            (directory / plan_file).unlink(missing_ok=True)
    return Plan(json.loads(results[0].stdout), strip_noise(results[1].stdout) if text else "")
