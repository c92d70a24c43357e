"""Which stacks a git range touches, so that review plans only those.

A customer file touches its environment's two stacks, a bake record (``images/<env>.json``)
the environment stack whose fleet runs that image, a changed ``priorities.lock`` entry the
environment whose rule it numbers. ``platform.yaml`` and the code that shapes synthesized output
(``vending.synth.code``: the model, synth and speed-up packages, ``main.py``, the dependency
locks, ``cdktf.json``) touch every stack. Anything else (review, CLI, emulator and operations
code, docs, tests, ``packer/``, CI files) touches none. A removed customer file is
reported, never planned: removing the file does not destroy its stacks.

``by_output`` then keeps of those only the stacks whose synthesized output differs between
the merge base and HEAD: a code change that changes no stack touches none.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import yaml

from vending.model import naming
from vending.model.load import PLATFORM_FILE
from vending.model.priorities import LOCK_FILE
from vending.synth import code, output


class GitError(Exception):
    pass


@dataclass(frozen=True)
class Change:
    status: str  # git's letter: A(dded), M(odified), D(eleted), R(enamed) …
    path: str  # relative to the repository root
    old_path: str | None = None  # the path before a rename


@dataclass
class Affected:
    reasons: dict[str, str] = field(default_factory=dict)  # stack → the first path that touched it
    removed: list[str] = field(default_factory=list)  # environments whose customer file is gone

    @property
    def stacks(self) -> list[str]:
        """The stacks touched, in the order of ``known``."""
        return list(self.reasons)

    @property
    def removed_stacks(self) -> list[str]:
        """The stacks of the removed environments."""
        return [stack for name in self.removed for stack in (name, naming.pipeline_stack(name))]


def _git(repo: Path, *args: str) -> str:
    result = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise GitError(f"git {' '.join(args)}: {result.stderr.strip()}")
    return result.stdout


def merge_base(repo: Path, base: str) -> str:
    return _git(repo, "merge-base", base, "HEAD").strip()


def is_ancestor(repo: Path, commit: str, ref: str) -> bool:
    """Whether ``commit`` is on ``ref`` (False for a commit the repository does not know)."""
    if not commit:
        return False
    done = subprocess.run(["git", "-C", str(repo), "merge-base", "--is-ancestor", commit, ref], capture_output=True)
    return done.returncode == 0


def changed_files(repo: Path, base: str) -> list[Change]:
    """Files changed on this branch since it left ``base`` (``git diff base...HEAD``)."""
    fields = _git(repo, "diff", "--name-status", "-z", "-M", f"{base}...HEAD").split("\0")
    changes, index = [], 0
    while index < len(fields) - 1:
        status = fields[index][0]
        if status in "RC":
            changes.append(Change(status, fields[index + 2], fields[index + 1]))
            index += 3
        else:
            changes.append(Change(status, fields[index + 1]))
            index += 2
    return changes


def file_at(repo: Path, revision: str, path: str) -> str:
    """A file's text at ``revision`` ("" where it did not exist)."""
    try:
        return _git(repo, "show", f"{revision}:{path}")
    except GitError:
        return ""


def lock_changes(before: str, after: str) -> tuple[str, ...]:
    """Environments whose priority is new or different in ``after`` (dropped entries touch nothing)."""
    old, new = (yaml.safe_load(text) or {} for text in (before, after))
    return tuple(sorted(name for name, number in new.items() if old.get(name) != number))


def affected(
    changes: list[Change],
    *,
    known: list[str],
    customers_dir: str = "customers",
    images_dir: str = "images",
    lock_entries: tuple[str, ...] = (),
) -> Affected:
    """The stacks in ``known`` (every current stack) that ``changes`` touch.

    ``customers_dir`` and ``images_dir`` are relative to the repository root; ``lock_entries``
    are the environments whose priorities.lock entry changed (see ``lock_changes``).
    """
    result = Affected()
    touched: dict[str, str] = {}

    def touch(stacks: Iterable[str], path: str) -> None:
        for stack in stacks:
            touched.setdefault(stack, path)

    customers, images = PurePosixPath(customers_dir), PurePosixPath(images_dir)
    for change in changes:
        for path, deleted in ((change.path, change.status == "D"), (change.old_path, True)):
            if path is None:
                continue
            where = PurePosixPath(path)
            if code.shapes_output(path) or where == customers / PLATFORM_FILE:
                touch(known, path)
            elif where == customers / LOCK_FILE:
                touch(lock_entries, path)
            elif where.parent == customers and where.suffix == ".yaml":
                if deleted and where.stem not in known:
                    result.removed.append(where.stem)
                else:
                    touch([where.stem, naming.pipeline_stack(where.stem)], path)
            elif where.parent == images and where.suffix == ".json":
                touch([where.stem], path)
    result.reasons = {stack: touched[stack] for stack in known if stack in touched}
    result.removed = sorted(set(result.removed))
    return result


def _in_repo(repo: Path, *directories: Path) -> tuple[Path, list[PurePosixPath]]:
    """The repository's top directory, and each of ``directories`` (relative to ``repo``) relative to it."""
    root = Path(_git(repo, "rev-parse", "--show-toplevel").strip())
    return root, [PurePosixPath((repo / d).resolve().relative_to(root.resolve()).as_posix()) for d in directories]


def from_git(repo: Path, base: str, *, known: list[str], customers_dir: Path, images_dir: Path) -> Affected:
    """``affected`` for the range ``base...HEAD`` of the repository at ``repo``."""
    root, (customers, images) = _in_repo(repo, customers_dir, images_dir)
    changes = changed_files(repo, base)
    lock = (customers / LOCK_FILE).as_posix()
    entries: tuple[str, ...] = ()
    if any(lock in (c.path, c.old_path) for c in changes):
        entries = lock_changes(file_at(root, merge_base(repo, base), lock), file_at(root, "HEAD", lock))
    return affected(changes, known=known, customers_dir=str(customers), images_dir=str(images), lock_entries=entries)


# --- what the images are baked from -------------------------------------------------------

# What goes into every environment's image: the Packer template and the CodeDeploy agent script.
IMAGE_INPUTS = ("packer/", "vending/assets/codedeploy-agent.sh")


def image_changes(repo: Path, base: str, *, environments: list[str], customers_dir: Path) -> dict[str, str]:
    """Of ``environments``, those whose image inputs changed in ``base...HEAD``: every one for a
    change to ``IMAGE_INPUTS``, else those whose customer file's ``image:`` section differs (a new
    file's included); each with the path that changed it."""
    root, (customers,) = _in_repo(repo, customers_dir)
    changes = changed_files(repo, base)
    for change in changes:
        for path in (change.path, change.old_path):
            if path and path.startswith(IMAGE_INPUTS):
                return {environment: path for environment in environments}
    since = merge_base(repo, base)
    found = {}
    for change in changes:
        where = PurePosixPath(change.path)
        if change.status == "D" or where.parent != customers or where.stem not in environments:
            continue
        if _image_section(file_at(root, since, change.old_path or change.path)) != _image_section(
            file_at(root, "HEAD", change.path)
        ):
            found[where.stem] = change.path
    return {environment: found[environment] for environment in environments if environment in found}


def _image_section(text: str) -> object:
    try:
        data = yaml.safe_load(text) if text else None
    except yaml.YAMLError:
        return text  # unreadable: compared as text
    return data.get("image") if isinstance(data, dict) else None


# --- what the synthesized output says ------------------------------------------------------


def by_output(repo: Path, base: str, found: Affected, *, customers_dir: Path, images_dir: Path, cache: Path | None):
    """``found`` without the stacks whose synthesized output is the same at the merge base and at
    HEAD: a change to code that shapes output, or to platform.yaml, touches every stack by its
    path, and the output says which it really changes. Each tree is synthesized by its own
    main.py (the synth cache, ``cache``, makes an unchanged stack cheap); a stack new at HEAD stays."""
    if not found.reasons:
        return found, {}
    root, (customers, images) = _in_repo(repo, customers_dir, images_dir)
    relative = {"VENDING_CUSTOMERS_DIR": customers, "VENDING_IMAGES_DIR": images}
    with tempfile.TemporaryDirectory(prefix="vending-affected-") as scratch:
        work = Path(scratch)
        _git(root, "worktree", "add", "--detach", "--quiet", str(work / "base"), merge_base(repo, base))
        try:
            outputs = {
                tree: _synthesize_tree(path, work / f"{tree}.out", relative, cache)
                for tree, path in (("base", work / "base"), ("head", root))
            }
        finally:
            _git(root, "worktree", "remove", "--force", str(work / "base"))
    unchanged = {
        stack: path
        for stack, path in found.reasons.items()
        if stack in outputs["base"] and outputs["base"][stack] == outputs["head"].get(stack)
    }
    kept = {stack: path for stack, path in found.reasons.items() if stack not in unchanged}
    return Affected(reasons=kept, removed=found.removed), unchanged


def _synthesize_tree(
    root: Path, outdir: Path, relative: dict[str, PurePosixPath], cache: Path | None
) -> dict[str, bytes]:
    """Each stack's cdk.tf.json as the tree at ``root`` synthesizes its own configuration."""
    env = {
        **os.environ,
        **{knob: str(root / path) for knob, path in relative.items()},
        "CDKTF_OUTDIR": str(outdir),
        "VENDING_SYNTH_CACHE": str(cache) if cache else "off",
    }
    env.pop("VENDING_STACKS", None)
    done = subprocess.run([sys.executable, "-O", "main.py"], cwd=root, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-5:])
        raise GitError(f"synth of {root.name} failed (exit {done.returncode}):\n{tail}")
    return output.sources(outdir)
