"""The configuration reference (docs/configuration.md), generated from the models: every field of
``platform.yaml`` and of a customer file, with its type, default, what production changes and
its description. ``python -m vending.model.reference > docs/configuration.md`` (``make docs``)
writes it; a test fails when the file and the models differ.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterator
from typing import Annotated, Any, Literal

import annotated_types
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from vending.model.config import DATABASE_DEFAULTS, Customer, Database, Platform

HEADER = """\
# Configuration reference

Generated from the models in `vending/model/config.py` by `make docs`; a test fails when this
file and the models differ. Every key not listed here is an error, as is every value outside
what its type says. The rules across fields and files (`instances.min` ≤ `instances.max`,
unique host names and priorities, …) are in [architecture.md](architecture.md#the-configuration).
"""


def _unwrap(annotation: Any) -> tuple[Any, list[Any], bool]:
    """(the type, its Annotated metadata, whether None is allowed)."""
    metadata: list[Any] = []
    optional = False
    while True:
        origin = typing.get_origin(annotation)
        if origin is Annotated:
            annotation, *extra = typing.get_args(annotation)
            metadata += extra
        elif origin in (typing.Union, types.UnionType):
            members = [a for a in typing.get_args(annotation) if a is not type(None)]
            optional = optional or len(members) < len(typing.get_args(annotation))
            annotation = members[0]
        else:
            return annotation, metadata, optional


def _bounds(metadata: list[Any]) -> str:
    """What annotated_types constraints (and FieldInfos inside Annotated) allow, in words."""
    low = high = short = long = None
    for item in metadata:
        items = item.metadata if isinstance(item, FieldInfo) else [item]
        for constraint in items:
            if isinstance(constraint, annotated_types.Ge):
                low = constraint.ge
            elif isinstance(constraint, annotated_types.Le):
                high = constraint.le
            elif isinstance(constraint, annotated_types.MinLen):
                short = constraint.min_length
            elif isinstance(constraint, annotated_types.MaxLen):
                long = constraint.max_length
    parts = []
    if low is not None or high is not None:
        parts.append(f"{low if low is not None else '…'}–{high if high is not None else '…'}")
    if long is not None:
        parts.append(f"{short}–{long} characters" if short else f"at most {long} characters")
    elif short is not None:
        parts.append(f"at least {short} characters")
    return ", ".join(parts)


def _expected(metadata: list[Any]) -> str | None:
    for item in metadata:
        expected = getattr(getattr(item, "func", None), "expected", None)
        if expected:
            return expected
    return None


def describe(annotation: Any, metadata: list[Any] = ()) -> str:
    """A field's type in words: ``whole number 1–100``, ``list of an email address``, …"""
    kind, inner, _ = _unwrap(annotation)
    metadata = [*metadata, *inner]
    bounds = _bounds(metadata)
    expected = _expected(metadata)
    origin = typing.get_origin(kind)
    if origin is Literal:
        text = "one of " + ", ".join(f"`{value}`" for value in typing.get_args(kind))
    elif origin is list:
        text = f"list of: {describe(typing.get_args(kind)[0])}"
        return f"{text} ({bounds.replace(' characters', ' items')})" if bounds else text
    elif expected:
        text = expected
    elif isinstance(kind, type) and issubclass(kind, BaseModel):
        text = "mapping (below)"
    elif kind is bool:
        text = "true or false"
    elif kind is int:
        text = "whole number"
    elif kind is str:
        text = "string"
    else:
        text = getattr(kind, "__name__", str(kind))
    return f"{text}, {bounds}" if bounds else text


def _default(name: str, field: FieldInfo, model: type[BaseModel]) -> tuple[str, str]:
    """(default, what production changes)."""
    production = (
        (field.json_schema_extra or {}).get("production", "") if isinstance(field.json_schema_extra, dict) else ""
    )
    if model is Database and name in DATABASE_DEFAULTS:
        in_production, elsewhere = (_value(v) for v in DATABASE_DEFAULTS[name])
        return elsewhere, production or in_production
    if field.default_factory is not None:
        return _value(field.default_factory()), production
    if field.default is PydanticUndefined:
        return "required", production
    return _value(field.default), production


def _value(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value == [] or value == {}:
        return "empty"
    if value == "":
        return '`""`'
    if isinstance(value, BaseModel):
        return "(below)"
    return f"`{value}`"


def rows(model: type[BaseModel], prefix: str = "") -> Iterator[tuple[str, str, str, str, str]]:
    """(field, type, default, production, description) for every field, nested models after their key."""
    nested = []
    for name, field in model.model_fields.items():
        path = f"{prefix}{name}"
        kind, _, _ = _unwrap(field.annotation)
        default, production = _default(name, field, model)
        yield f"`{path}`", describe(field.annotation, field.metadata), default, production, field.description or ""
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            nested.append((kind, f"{path}."))
    for kind, path in nested:
        yield from rows(kind, path)


def _cell(text: str) -> str:
    """Text in a Markdown table cell: no column breaks, no HTML tags, no emphasis."""
    if text.startswith("`"):
        return text
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;").replace("*", "\\*")


def _table(model: type[BaseModel]) -> list[str]:
    lines = ["| field | type | default | in production | description |", "|---|---|---|---|---|"]
    lines += ["| " + " | ".join(_cell(cell) for cell in row) + " |" for row in rows(model)]
    return lines


def render() -> str:
    """The whole document."""
    lines = [HEADER]
    for title, model in (
        ("`customers/platform.yaml`", Platform),
        ("`customers/<customer>-<environment>.yaml`", Customer),
    ):
        intro = " ".join((model.__doc__ or "").split()).replace("``", "`")
        lines += [f"## {title}", "", intro, "", *_table(model), ""]
    return "\n".join(lines)


if __name__ == "__main__":
    print(render(), end="")
