"""The customer repository kit: the files a customer's repository needs for its pipeline.

The templates live in ``vending/assets/app-kit``. Rendering substitutes exactly two
placeholders, ``{{PORT}}`` and ``{{HEALTH_PATH}}``, with values the configuration model has
already validated (a port number, and a path of letters, digits and ``._~/%-``), so nothing
rendered can break out of the shell, YAML or Python strings that hold them.
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from vending.model.config import HealthCheck, Instances

EXECUTABLE_SUFFIXES = (".sh",)


class KitError(Exception):
    """The kit was not written: ``problems`` says why, one line each."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


def _templates(directory: Traversable, prefix: str = "") -> dict[str, str]:
    """Relative path → template text, for every file under ``directory``."""
    found: dict[str, str] = {}
    for entry in directory.iterdir():
        if entry.name.startswith(".") or entry.name == "__pycache__":
            continue
        path = f"{prefix}{entry.name}"
        if entry.is_dir():
            found.update(_templates(entry, f"{path}/"))
        else:
            found[path] = entry.read_text(encoding="utf-8")
    return found


def render(instances: Instances, health_check: HealthCheck) -> dict[str, str]:
    """Every kit file (relative path → content) for an application on this port and health path."""
    templates = _templates(resources.files("vending.assets").joinpath("app-kit"))
    return {
        path: text.replace("{{PORT}}", str(instances.port)).replace("{{HEALTH_PATH}}", health_check.path)
        for path, text in sorted(templates.items())
    }


def write(target: Path, *, instances: Instances, health_check: HealthCheck, force: bool = False) -> list[Path]:
    """Write the kit into ``target``; refuse to overwrite any file unless ``force``."""
    files = render(instances, health_check)
    if target.exists() and not target.is_dir():
        raise KitError([f"{target}: exists and is not a directory"])
    clashes = [target / path for path in files if (target / path).exists()]
    if clashes and not force:
        raise KitError([f"{path}: already exists (use --force to overwrite)" for path in clashes])
    written = []
    for path, text in files.items():
        destination = target / path
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_text(text, encoding="utf-8")
        destination.chmod(0o755 if destination.suffix in EXECUTABLE_SUFFIXES else 0o644)
        written.append(destination)
    return written
