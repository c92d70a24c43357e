"""Credential-free review: two synthesized outputs (``cdktf.out`` of the base and the head
commit) compared stack by stack, block by block. It sees what the configuration asks for, not
what AWS holds: no replacements (the provider decides those), no drift, no computed values.
cdktf's ``//`` metadata is ignored.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vending.review.model import NO_STATE, StackReview
from vending.review.plans import ResourceChange, diff
from vending.synth import output


def _strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k != "//"}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def read(outdir: Path) -> dict[str, dict[str, Any]]:
    """Each stack's Terraform JSON, by stack name."""
    return {name: _strip(stack) for name, stack in output.synthesized(outdir).items()}


def blocks(stack: dict[str, Any]) -> dict[str, tuple[str, Any]]:
    """Every block by its Terraform address, with its type: ``aws_lb.shared`` (aws_lb),
    ``data.aws_vpc.main`` (data.aws_vpc), ``output.url`` (output), ``terraform`` (terraform)."""
    found: dict[str, tuple[str, Any]] = {}
    for key, content in stack.items():
        if key == "terraform":
            found[key] = (key, content)
        elif key in ("resource", "data"):
            for kind, named in content.items():
                for name, body in named.items():
                    prefix = "data." if key == "data" else ""
                    found[f"{prefix}{kind}.{name}"] = (f"{prefix}{kind}", body)
        elif isinstance(content, dict):  # output, provider, locals, variable, module
            for name, body in content.items():
                found[f"{key}.{name}"] = (key, body)
    return found


def compare_stack(name: str, base: dict[str, Any], head: dict[str, Any]) -> StackReview:
    old, new = blocks(base), blocks(head)
    changes = []
    for address in sorted(set(old) | set(new)):
        if address not in old:
            changes.append(ResourceChange(address, new[address][0], "create", ()))
        elif address not in new:
            changes.append(ResourceChange(address, old[address][0], "delete", ()))
        else:
            values = tuple(diff(old[address][1], new[address][1]))
            if values:
                paths = tuple(path for path, _, _ in values)
                changes.append(ResourceChange(address, new[address][0], "update", paths, values=values))
    return StackReview(name, tuple(changes), note="" if base else NO_STATE)


def compare(base_out: Path, head_out: Path) -> tuple[list[StackReview], list[str]]:
    """Reviews of the head's stacks against the base, and the stacks only the base has."""
    base, head = read(base_out), read(head_out)
    reviews = [compare_stack(name, base.get(name, {}), stack) for name, stack in sorted(head.items())]
    return reviews, sorted(set(base) - set(head))


ACTIONS = ("create", "update", "delete")  # no replacements: the provider decides those


def intro(count: int) -> str:
    return (
        f"Synthesized configuration of {count:,} stack(s) compared with the base; no plan was run, so"
        " replacements, drift and computed values are not shown."
    )
