"""``load_config(directory)`` reads ``platform.yaml`` and every ``<customer>-<environment>.yaml``
next to it and returns a :class:`~vending.model.config.Config`, or raises :class:`ConfigError`
carrying one line per problem (``customers/acme-prod.yaml: instances.min: must be ≤
instances.max (got 5 > 3)``). Nothing below this module reads YAML or the environment.
"""

from __future__ import annotations

import difflib
import errno
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from vending.errors import ConfigError
from vending.model import rules
from vending.model.config import Config, Customer, Model, Platform
from vending.model.yaml_reader import read_yaml

PLATFORM_FILE = "platform.yaml"


def _loc(loc: tuple[Any, ...]) -> str:
    """``instances.min``, ``pipeline.approval_emails[0]``; a key that is not a plain word quoted,
    so that a problem stays on one line whatever the key holds."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            shown = str(part) if re.fullmatch(r"[\w.:@/+=-]+", str(part)) else repr(str(part))
            text += ("." if text else "") + shown
    return text or "(file)"


def _model_at(model: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model class a location points into (to list the keys it allows)."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        field = current.model_fields.get(part) if isinstance(current, type) and issubclass(current, BaseModel) else None
        if field is None:
            return None
        annotation = field.annotation
        candidates = [a for a in getattr(annotation, "__args__", (annotation,)) if isinstance(a, type)]
        current = next((c for c in candidates if issubclass(c, BaseModel)), None)
        if current is None:
            return None
    return current


def _describe(error: dict[str, Any], model: type[BaseModel]) -> str:
    kind = error["type"]
    loc = error["loc"]
    if kind == "extra_forbidden":
        parent = _model_at(model, loc[:-1])
        allowed = sorted(parent.model_fields) if parent else []
        hint = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        suffix = f" (did you mean {hint[0]!r}?)" if hint else (f" (allowed: {', '.join(allowed)})" if allowed else "")
        return f"unknown key{suffix}"
    if kind == "missing":
        return "required field is missing"
    if kind == "model_type":
        return f"must be a mapping of keys to values (got {type(error.get('input')).__name__})"
    message = error["msg"]
    if kind == "string_type" and isinstance(error.get("input"), (int, float)) and not isinstance(error["input"], bool):
        return f'must be a string: quote it ("{error["input"]}")'
    if kind == "value_error":
        return message.removeprefix("Value error, ")
    message = message[0].lower() + message[1:]
    if kind.endswith("_type") or kind.startswith(("literal_", "greater", "less", "too_")):
        shown = repr(error.get("input"))
        if len(shown) > 60:
            shown = shown[:57] + "..."
        message += f" (got {shown})"
    return message


def _parse(model: type[Model], data: dict[str, Any], shown: str) -> tuple[Any, list[str]]:
    try:
        return model.model_validate(data), []
    except ValidationError as error:
        return None, [_line(shown, e, model) for e in error.errors()]


def _line(shown: str, error: dict[str, Any], model: type[BaseModel]) -> str:
    loc = tuple(error["loc"])
    # A key that is not a string: the key is the location's last part (models), or the one
    # before "[key]" (mappings such as tags).
    if error["type"] == "invalid_key" or loc[-1:] == ("[key]",):
        within, key = (loc[:-1], loc[-1]) if error["type"] == "invalid_key" else (loc[:-2], loc[-2])
        shown_key = key.isoformat() if hasattr(key, "isoformat") else repr(key)
        return f"{shown}: {_loc(within)}: key {shown_key} is not a string: quote it"
    return f"{shown}: {_loc(loc)}: {_describe(error, model)}"


def _yaml_like(name: str) -> bool:
    """A name that looks like a YAML file: read as a customer file, or refused with a reason."""
    return Path(name.strip()).suffix.lower() in (".yaml", ".yml")


def _refused_name(name: str) -> str | None:
    """Why a YAML-like file name is not read: silently skipping it would drop an environment."""
    if name != name.strip():
        return f"the file name starts or ends with a space; name it {name.strip()!r}"
    if Path(name).suffix == ".yml":
        return "use the .yaml extension (.yml files are not read)"
    if Path(name).suffix != ".yaml":
        return "use the .yaml extension, in lowercase (the file is not read otherwise)"
    return None


def _broken_symlink(path: Path) -> str | None:
    """Why the symlink ``path`` leads to no file, if it does not."""
    try:
        path.resolve(strict=True)
    except RuntimeError:  # Python 3.11 raises this for a loop, later versions OSError
        return "symlink loop"
    except OSError as error:
        return "symlink loop" if error.errno == errno.ELOOP else "symlink to nothing"
    return None


def _outside(path: Path, root: Path, directory: Path) -> str | None:
    """A customer file may be a symlink, but only to a file inside the configuration directory."""
    if not path.is_symlink():
        return None
    if broken := _broken_symlink(path):
        return broken
    return None if path.resolve().is_relative_to(root) else f"symlink points outside {directory}"


def _unreadable(path: Path) -> str | None:
    """Why ``path`` cannot be read as a file (platform.yaml may be a symlink to anywhere)."""
    if path.is_file():
        return None
    if path.is_dir():
        return "is a directory, not a file"
    if path.is_symlink() and (broken := _broken_symlink(path)):
        return broken
    return "file not found" if not path.exists() else "not a regular file"


def _shown(directory: Path, name: str) -> str:
    return str(directory / name)


def load_config(directory: Path | str) -> Config:
    """Load and validate the whole configuration directory; raise ConfigError listing every problem."""
    directory = Path(directory)
    if not directory.is_dir():
        raise ConfigError([f"{directory}: configuration directory not found"])
    root = directory.resolve()
    problems: list[str] = []

    platform_path = directory / PLATFORM_FILE
    platform: Platform | None = None
    platform_names_fit = True
    if problem := _unreadable(platform_path):
        problems.append(f"{_shown(directory, PLATFORM_FILE)}: {problem}")
    else:
        data, read_problems = read_yaml(platform_path, _shown(directory, PLATFORM_FILE))
        problems += read_problems
        if data is not None:
            platform, parse_problems = _parse(Platform, data, _shown(directory, PLATFORM_FILE))
            problems += parse_problems
            if platform is not None:
                name_problems = rules.platform_name_problems(platform)
                platform_names_fit = not name_problems
                problems += [
                    f"{_shown(directory, PLATFORM_FILE)}: {f}: {m}"
                    for f, m in rules.platform_problems(platform) + name_problems
                ]

    customers: dict[str, Customer] = {}
    for path in sorted(directory.iterdir()):
        shown = _shown(directory, path.name)
        if path.name == PLATFORM_FILE or path.name.startswith(".") or not _yaml_like(path.name):
            continue
        if problem := _refused_name(path.name) or _outside(path, root, directory) or _unreadable(path):
            problems.append(f"{shown}: {problem}")
            continue
        data, read_problems = read_yaml(path, shown)
        problems += read_problems
        if data is None:
            continue
        customer, parse_problems = _parse(Customer, data, shown)
        problems += parse_problems
        if customer is None:
            continue
        if path.stem != customer.stack_name:
            problems.append(f"{shown}: customer/environment: file name must be {customer.stack_name}.yaml")
        if platform is not None:
            found = rules.customer_problems(customer, platform)
            if platform_names_fit:  # else the platform's name is to blame, said once above
                found += rules.customer_name_problems(customer, platform)
            problems += [f"{shown}: {field}: {message}" for field, message in found]
        customers[shown] = customer  # still compared with the others below

    problems += rules.cross_file_problems(customers)
    if problems:
        raise ConfigError(problems)
    assert platform is not None
    ordered = sorted(customers.items(), key=lambda item: item[1].stack_name)
    return Config(
        platform=platform,
        customers=tuple(c for _, c in ordered),
        source_files={c.stack_name: path for path, c in ordered},
    )
