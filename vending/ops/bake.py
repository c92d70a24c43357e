"""Bake a customer environment's AMI with Packer and record it where synth reads it.

``vending bake acme-prod``: commit metadata → a temporary build directory holding
the template (``packer/``) and a JSON var-file → (``packer init`` on Packer ≥ 1.7) →
``packer validate`` → ``packer build -machine-readable`` → the manifest's artifact of this run
→ ``images/acme-prod.json``, written atomically. Any failure raises :class:`BakeError` before
the record is touched, so the previous record stays as it was.
"""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from vending.model import images
from vending.model.config import Customer, Platform
from vending.model.limits import AMI_DESCRIPTION_MAX, TAG_CHARACTERS, TAG_KEY_MAX, TAG_VALUE_MAX, fit_utf16
from vending.ops.images import BUILD_TAG, COMMIT_TAG, DIRTY_TAG, STACK_TAG
from vending.settings import PROJECT

TEMPLATE_DIR = PROJECT / "packer"
AGENT_SCRIPT = Path(__file__).resolve().parents[1] / "assets" / "codedeploy-agent.sh"
VAR_FILE = "variables.pkrvars.json"
MANIFEST = "manifest.json"  # written by the template's manifest post-processor
DESCRIPTION = "commit id: {id}\n time stamp: {time}\n commit by: {author}\n message: {message}"
# Packer ≥ 1.7 reads required_plugins (and needs `packer init`); 1.6 rejects the block.
PLUGINS_SINCE = (1, 7, 0)

# CI variables used where git is not available: (commit id, who started the build).
CI_VARIABLES = (
    ("GITHUB_SHA", "GITHUB_ACTOR"),  # GitHub Actions
    ("CODEBUILD_RESOLVED_SOURCE_VERSION", "CODEBUILD_INITIATOR"),  # AWS CodeBuild
)

_TAG_DISALLOWED = re.compile(f"[^{TAG_CHARACTERS}]")


class BakeError(Exception):
    """A bake that cannot go on; nothing was recorded."""


@dataclass(frozen=True)
class Commit:
    id: str
    time: str  # ISO 8601
    author: str
    message: str


# --- commit metadata ----------------------------------------------------------------------


def commit_from_git(repo: Path) -> Commit:
    try:
        result = subprocess.run(
            ["git", "-C", str(repo), "log", "-1", "--format=%H%x00%cI%x00%an <%ae>%x00%B"],
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
        )
    except FileNotFoundError:
        raise BakeError("git is not installed") from None
    if result.returncode != 0:
        raise BakeError(f"git: {result.stderr.strip()}")
    commit_id, time, author, message = result.stdout.split("\0", 3)
    return Commit(commit_id, time, author, message.strip())


def uncommitted_changes(repo: Path) -> bool:
    """Whether tracked files of the repository differ from its HEAD (False where git cannot tell:
    no git, no repository, as on a CI runner that only has the CI's variables)."""
    try:
        result = subprocess.run(
            ["git", "-C", str(repo), "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True
        )
    except FileNotFoundError:
        return False
    return result.returncode == 0 and bool(result.stdout.strip())


def commit_from_ci(environ: Mapping[str, str]) -> Commit | None:
    """The commit as the CI describes it. GitHub's event payload gives the message and time;
    elsewhere the time is the bake's own."""
    for id_variable, author_variable in CI_VARIABLES:
        if environ.get(id_variable):
            head = _github_head_commit(environ.get("GITHUB_EVENT_PATH"))
            return Commit(
                id=environ[id_variable],
                time=head.get("timestamp") or _now(),
                author=environ.get(author_variable) or "unknown",
                message=head.get("message") or "",
            )
    return None


def _github_head_commit(event_path: str | None) -> dict:
    """The pushed commit of a GitHub Actions event payload ({} when there is none)."""
    try:
        event = json.loads(Path(event_path).read_text(encoding="utf-8")) if event_path else {}
    except (OSError, ValueError):
        return {}
    head = event.get("head_commit") if isinstance(event, dict) else None
    return head if isinstance(head, dict) else {}


def commit_metadata(repo: Path, environ: Mapping[str, str]) -> Commit:
    try:
        return commit_from_git(repo)
    except BakeError as git_error:
        commit = commit_from_ci(environ)
        if commit is None:
            ci = " or ".join(id_variable for id_variable, _ in CI_VARIABLES)
            raise BakeError(f"no commit metadata: {git_error}; and no CI variables ({ci})") from None
        return commit


# --- what the AMI carries -----------------------------------------------------------------


def without_templates(text: str) -> str:
    """Packer renders ``{{ }}`` in the description as a Go template, and Packer 1.6 renders it
    twice, so no escape survives every version: ``{{`` becomes ``{ {``."""
    return re.sub(r"\{(?=\{)", "{ ", text)


def description(commit: Commit) -> str:
    """Commit id, time and author in full; the message cut (with "…") to fit the limit."""
    text = without_templates(DESCRIPTION.format(**asdict(commit)))
    if fit_utf16(text, AMI_DESCRIPTION_MAX) == text:
        return text
    return fit_utf16(text, AMI_DESCRIPTION_MAX - 1) + "…"


def tag_text(text: str, limit: int = TAG_VALUE_MAX) -> str:
    """Characters AWS tags do not allow become spaces (which also keeps Packer's templates out)."""
    return fit_utf16(" ".join(_TAG_DISALLOWED.sub(" ", text).split()), limit)


def ami_tags(
    platform: Platform, customer: Customer, ami_name: str, build: str, commit: Commit, *, dirty: bool = False
) -> dict[str, str]:
    tags = {
        **platform.tags,
        **customer.tags,
        "Name": ami_name,
        STACK_TAG: customer.stack_name,
        BUILD_TAG: build,
        COMMIT_TAG: commit.id,
        "vending:commit-time": commit.time,
        "vending:commit-author": commit.author,
        "vending:commit-message": commit.message,
        **({DIRTY_TAG: "true"} if dirty else {}),
    }
    return {tag_text(key, TAG_KEY_MAX): tag_text(value) for key, value in tags.items()}


def packer_variables(
    platform: Platform,
    customer: Customer,
    build_number: int,
    commit: Commit,
    endpoint_url: str | None,
    *,
    dirty: bool = False,
) -> dict:
    names = customer.names(platform)
    build = str(build_number)
    ami_name = names.ami_name(build)
    return {
        "region": platform.region,
        "source_ami": customer.image.source_ami,
        "instance_type": customer.image.instance_type,
        "ssh_username": customer.image.ssh_username,
        "ami_name": ami_name,
        "ami_description": description(commit),
        "tags": ami_tags(platform, customer, ami_name, build, commit, dirty=dirty),
        "instance_name": names.instance_name(build),
        # An emulator runs no instance that Packer could connect to.
        "communicator": "none" if endpoint_url else "ssh",
        "custom_endpoint_ec2": endpoint_url or "",
    }


# --- Packer -------------------------------------------------------------------------------


def parse_version(output: str) -> tuple[int, int, int]:
    """``Packer v1.11.2`` (newer versions may add upgrade notices after it)."""
    match = re.search(r"Packer v(\d+)\.(\d+)\.(\d+)", output)
    if match is None:
        raise BakeError(f"packer version: unexpected output {output.strip()[:200]!r}")
    major, minor, patch = (int(part) for part in match.groups())
    return major, minor, patch


def find_packer() -> str:
    found = shutil.which("packer")
    if found is None:
        raise BakeError("packer: not found on PATH (`make setup` installs it)")
    return found


def write_build_dir(directory: Path, variables: dict, *, plugins: bool) -> None:
    """The template, its scripts and the var-file; the plugin requirements only if ``plugins``."""
    shutil.copy(TEMPLATE_DIR / "image.pkr.hcl", directory)
    shutil.copy(TEMPLATE_DIR / "python-runtime.sh", directory)
    shutil.copy(AGENT_SCRIPT, directory)
    if plugins:
        shutil.copy(TEMPLATE_DIR / "plugins.hcl", directory / "plugins.pkr.hcl")
    (directory / VAR_FILE).write_text(json.dumps(variables, indent=2, ensure_ascii=False), encoding="utf-8")


def packer_arguments(variables: dict) -> list[str]:
    """The build to run and its variables (the unprovisioned build when nothing can connect)."""
    build = "unprovisioned" if variables["communicator"] == "none" else "image"
    return [f"-only=amazon-ebs.{build}", f"-var-file={VAR_FILE}", "."]


def run_checked(command: list[str], directory: Path, what: str) -> None:
    result = subprocess.run(command, cwd=directory, capture_output=True, text=True, errors="replace")
    if result.returncode != 0:
        output = (result.stdout + result.stderr).strip()
        raise BakeError(f"{what} failed (exit {result.returncode}):\n{output}")


def ui_line(line: str) -> tuple[str, str] | None:
    """``(kind, text)`` of a ``-machine-readable`` ``ui`` line (kind: say, message, error);
    ``("raw", line)`` for output that is not machine-readable (a crash); None for the rest."""
    fields = line.rstrip("\n").split(",", 4)
    if len(fields) < 3 or not fields[0].isdigit():
        return ("raw", line.rstrip("\n")) if line.strip() else None
    if fields[2] != "ui" or len(fields) < 5:
        return None
    text = fields[4].replace("%!(PACKER_COMMA)", ",").replace("\\n", "\n").replace("\\r", "")
    return fields[3], text.rstrip("\n")


def stream_build(command: list[str], directory: Path, log: Callable[[str], None]) -> tuple[int, list[str]]:
    """Run ``packer build``, showing its progress; returns its exit status and error messages.

    On Ctrl-C or SIGTERM, stop Packer and wait for it: cancelling lets it terminate the build
    instance and delete what it created.
    """
    errors: list[str] = []

    def show_output(process: subprocess.Popen) -> None:
        for line in process.stdout:
            parsed = ui_line(line)
            if parsed is not None:
                kind, text = parsed
                log(text)
                if kind == "error":
                    errors.append(text)

    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        with subprocess.Popen(
            command, cwd=directory, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace"
        ) as process:
            try:
                show_output(process)
            except KeyboardInterrupt:
                log("interrupted: stopping packer (it cleans up what it created)")
                process.send_signal(signal.SIGTERM)  # Packer forwards SIGTERM to its build (not SIGINT)
                show_output(process)
                process.wait()
                raise
        return process.returncode, errors
    finally:
        signal.signal(signal.SIGTERM, previous)


def artifact(manifest: dict, region: str) -> str:
    """The AMI id that the manifest's last run (``last_run_uuid``) built in ``region``.

    The manifest post-processor appends to an existing file, so earlier runs may be listed;
    an artifact id reads ``region:ami-…[,region:ami-…]``.
    """
    run = manifest.get("last_run_uuid")
    builds = [b for b in manifest.get("builds") or [] if isinstance(b, dict) and b.get("packer_run_uuid") == run]
    for build in reversed(builds):
        for entry in str(build.get("artifact_id") or "").split(","):
            artifact_region, _, ami_id = entry.partition(":")
            if artifact_region == region and ami_id.startswith("ami-"):
                return ami_id
    raise BakeError(f"packer manifest: no AMI in {region} from this run ({run})")


def read_manifest(path: Path) -> dict:
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise BakeError(f"packer manifest: {error}") from None
    if not isinstance(manifest, dict):
        raise BakeError("packer manifest: not a JSON object")
    return manifest


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def bake(
    *,
    platform: Platform,
    customer: Customer,
    commit: Commit,
    build_number: int,
    images_dir: Path,
    endpoint_url: str | None = None,
    dirty: bool = False,
    log: Callable[[str], None] = print,
) -> dict:
    """Bake, then record the AMI; returns the record. Raises BakeError, or KeyboardInterrupt
    when interrupted, with the previous record untouched. ``dirty``: the commit's tree had
    uncommitted changes (recorded, and tagged on the AMI)."""
    packer = find_packer()
    version = parse_version(subprocess.run([packer, "version"], capture_output=True, text=True).stdout)
    variables = packer_variables(platform, customer, build_number, commit, endpoint_url, dirty=dirty)
    log(f"baking {variables['ami_name']} from {customer.image.source_ami} with Packer {'.'.join(map(str, version))}")
    with tempfile.TemporaryDirectory(prefix="vending-bake-") as workdir:
        directory = Path(workdir)
        write_build_dir(directory, variables, plugins=version >= PLUGINS_SINCE)
        if version >= PLUGINS_SINCE:
            run_checked([packer, "init", "."], directory, "packer init")
        arguments = packer_arguments(variables)
        run_checked([packer, "validate", *arguments], directory, "packer validate")
        status, errors = stream_build([packer, "build", "-machine-readable", *arguments], directory, log)
        # Packer 1.6 can exit 0 with an artifact after a late step failed and deregistered the AMI.
        if status != 0 or errors:
            raise BakeError(f"packer build failed (exit {status}, {len(errors)} error message(s)); see above")
        ami_id = artifact(read_manifest(directory / MANIFEST), platform.region)
    record = {
        "ami_id": ami_id,
        "ami_name": variables["ami_name"],
        "instance_name": variables["instance_name"],
        "region": platform.region,
        "build_number": build_number,
        "built_at": _now(),
        "source_ami": customer.image.source_ami,
        "commit": asdict(commit),
        **({"dirty": True} if dirty else {}),
    }
    images.write_record(images_dir, customer.stack_name, record)
    return record
