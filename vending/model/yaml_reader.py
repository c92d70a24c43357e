"""The strict YAML reader: no aliases, no duplicate keys, no huge files, and one message per
problem that names the file (and the line)."""

from __future__ import annotations

from collections.abc import Hashable
from pathlib import Path
from typing import Any

import yaml

MAX_FILE_BYTES = 256 * 1024  # a customer file is a few hundred bytes; refuse anything huge


# What PyYAML's constructors raise for a value they cannot convert: an impossible date,
# ``!!int abc``, ``!!bool maybe``, ``!!timestamp x``, an integer of more than 4,300 digits.
_CONVERSION_ERRORS = (ValueError, TypeError, KeyError, AttributeError, OverflowError)
_MAX_INT_BITS = 4096  # far beyond any number a configuration holds


class _Checked:
    """Refuses duplicate keys (PyYAML keeps the last one) and keys that are lists or mappings,
    and turns a value PyYAML cannot convert into an error at its line."""

    def construct_object(self, node, deep=False):
        try:
            value = super().construct_object(node, deep=deep)
        except _CONVERSION_ERRORS as error:
            # datetime's reason is worth showing (day is out of range for month); the others
            # speak of PyYAML's insides.
            why = f" ({error})" if node.tag.endswith(":timestamp") and isinstance(error, ValueError) else ""
            if "digits" in str(error):
                why = " (too many digits)"
            raise self._not_a(node, why) from None
        # A hex or octal literal is not held to Python's 4,300-digit limit, but printing it is.
        if isinstance(value, int) and value.bit_length() > _MAX_INT_BITS:
            raise self._not_a(node, " (too many digits)")
        return value

    @staticmethod
    def _not_a(node, why: str) -> yaml.constructor.ConstructorError:
        value = str(node.value)
        shown = repr(value if len(value) <= 40 else value[:37] + "...")
        kind = node.tag.rsplit(":", 1)[-1]
        return yaml.constructor.ConstructorError(None, None, f"not a valid {kind}: {shown}{why}", node.start_mark)

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, Hashable) or isinstance(key, tuple):
                raise yaml.constructor.ConstructorError(
                    None, None, "a key must be a plain value, not a list or a mapping", key_node.start_mark
                )
            if key in seen:
                raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


class _StrictLoader(_Checked, yaml.SafeLoader):
    """SafeLoader without aliases (no 'billion laughs') and with duplicate keys refused."""

    def compose_node(self, parent, index):  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(None, None, "YAML aliases are not allowed", event.start_mark)
        return super().compose_node(parent, index)


# libyaml, when PyYAML has it, parses a customer file about eight times faster (500 files: 0.3 s
# instead of 1.8 s). It is used only for documents without aliases and only a few levels deep
# (its composer recurses in C); anything else, and anything it refuses, goes to _StrictLoader,
# which gives the messages.
_FAST_DEPTH = 32

if yaml.__with_libyaml__:

    class _FastLoader(_Checked, yaml.CSafeLoader):
        """CSafeLoader with the same checks; aliases are refused before it runs."""

    def _load_fast(text: str) -> Any:
        depth = 0
        for event in yaml.parse(text, Loader=yaml.CSafeLoader):
            if isinstance(event, yaml.AliasEvent):
                raise ValueError("alias")
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > _FAST_DEPTH:
                    raise ValueError("deep")
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
        return yaml.load(text, Loader=_FastLoader)  # noqa: S506 - a SafeLoader equivalent

else:

    def _load_fast(text: str) -> Any:
        raise ValueError("no libyaml")


def _load(text: str) -> Any:
    try:
        return _load_fast(text)
    except (ValueError, yaml.YAMLError):
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass


def read_yaml(path: Path, shown: str, *, max_bytes: int = MAX_FILE_BYTES, empty: Any = None) -> tuple[Any, list[str]]:
    """The mapping a file holds, or the problems that stop it being one; a file of comments
    only gives ``empty`` when it is given."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return None, [f"{shown}: file is too large ({size} bytes, limit {max_bytes})"]
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return None, [f"{shown}: not UTF-8 text"]
    except OSError as error:
        return None, [f"{shown}: cannot read: {error.strerror or error}"]
    try:
        data = _load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error)
        return None, [f"{shown}: {where}invalid YAML: {' '.join(str(problem).split())}"]
    except RecursionError:
        return None, [f"{shown}: invalid YAML: nested too deeply"]
    if data is None and empty is not None:
        return empty, []
    if not isinstance(data, dict):
        return None, [f"{shown}: must be a mapping of keys to values (got {type(data).__name__})"]
    return data, []
