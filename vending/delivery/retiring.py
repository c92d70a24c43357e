"""The stacks that are retiring: they have a state or an applied record under the platform's
backend, but the configuration no longer defines them (a customer file removed or renamed, in
whatever commit). They are found from the backend, not from git, and destroyed from the
configuration kept with their last apply (records.py): never from a guess.

With S3, the keys under the platform's prefixes are listed (``platform/…`` and
``customers/<customer>/<env>/…``). A stack destroyed by the flow leaves nothing there
(records.forget), so it is not found again.

A stack applied before configurations were kept has none: it is synthesized, with this code,
from its customer file as the last commit that had it holds it (``from_history``), and only if
that synthesis keeps its state where it was found.

With Terraform Cloud, the organization's workspaces named with the platform's prefix and a stack
name, holding resources, are listed through its API (``TF_TOKEN_<host>``, as Terraform reads it).
Cloud keeps no configuration beside a workspace, so each is synthesized from history; one whose
file no commit has is not Vending's, and is left alone. A destroyed workspace holds no resources
and is not found again (it stays, with its runs' history, until someone deletes it).
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vending.delivery import records
from vending.errors import ConfigError
from vending.model import naming
from vending.settings import Settings

PREFIXES = ("platform/", "customers/")
_STATE = re.compile(
    r"(?:platform/(?P<platform>shared-alb(?:-[0-9]+)?)"
    r"|customers/(?P<customer>[^/]+)/(?P<environment>[^/]+)/(?P<kind>infrastructure|pipeline))"
    r"\.tfstate(?:" + re.escape(records.SUFFIX) + "|" + re.escape(records.CONFIGURATION_SUFFIX) + ")?"
)
NO_CONFIGURATION = (
    "{stack} is retiring (its definition is gone from the configuration), but no configuration was kept"
    " with its last apply (it was applied before Vending kept one), and none could be synthesized from"
    " its file's history ({why}): nothing is destroyed. To retire it, restore its customer file, plan"
    " and apply it once (which keeps its configuration), then remove the file again"
)

PRODUCTION_STEP = (
    "{stack} is production: removing its file destroys nothing. Retire it in two steps: put the file"
    " back with `retire: true` and apply it (this releases the destroy and deletion protections and"
    " destroys nothing; the database keeps its final snapshot), then remove the file"
)


KEPT = "kept with its last apply"
NO_COMMIT = "no commit has"
NOT_READ = "its history not read"  # find(history=False)


@dataclass(frozen=True)
class Retiring:
    stack: str
    key: str  # its state key
    configuration: bytes | None  # its cdk.tf.json as last applied, or from history; None: neither
    origin: str = KEPT  # where the configuration comes from, or why there is none


def stack_of(key: str) -> tuple[str, str] | None:
    """(stack, state key) of an object under the platform's prefixes, or None."""
    found = _STATE.fullmatch(key)
    if found is None:
        return None
    state_key = key[: key.index(".tfstate") + len(".tfstate")]
    if found["platform"]:
        return found["platform"], state_key
    stack = f"{found['customer']}-{found['environment']}"
    return (f"{stack}-pipeline" if found["kind"] == "pipeline" else stack), state_key


def backend(settings: Settings, platform: Any) -> dict[str, Any] | None:
    """The platform's S3 backend as a stack's block holds it (None for the cloud backend)."""
    state = platform.state
    if state.backend != "s3":
        return None
    from vending.synth import emulator

    found = {"bucket": state.bucket, "region": platform.state_region}
    return found | (emulator.backend_options(settings.endpoint_url) if settings.endpoint_url else {})


def find(
    settings: Settings, platform: Any, known: list[str], *, history: bool = True, listed: Iterable[str] | None = None
) -> list[Retiring]:
    """The retiring stacks, in the platform's order of stack names; without ``history``, those
    without a kept configuration are not synthesized from git (their configuration is None).
    ``listed``: the S3 backend's keys under the platform's prefixes, when the caller listed them."""
    where = backend(settings, platform)
    if where is None:
        found = [
            from_history(settings, stack, workspace) if history else Retiring(stack, workspace, None, NOT_READ)
            for stack, workspace in sorted(workspaces(platform.state, known).items())
        ]
        return [r for r in found if not r.origin.startswith(NO_COMMIT)]
    client = records.client(where)
    states: dict[str, str] = {}
    for key in listed if listed is not None else records.listing(client, where["bucket"], PREFIXES):
        if (found := stack_of(key)) is not None and found[0] not in known:
            states[found[0]] = found[1]
    retiring = []
    for stack, key in sorted(states.items()):
        configuration = records.get(client, where["bucket"], key + records.CONFIGURATION_SUFFIX)
        if configuration is not None:
            retiring.append(Retiring(stack, key, configuration))
        elif _resources(records.get(client, where["bucket"], key)):
            retiring.append(from_history(settings, stack, key) if history else Retiring(stack, key, None, NOT_READ))
        # else: nothing deployed (destroyed outside the flow, say): nothing to retire
    return retiring


# The Terraform Cloud API's address, on the organization's host (tests point it at a stand-in).
CLOUD_API = "https://{host}/api/v2"
_STACK = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)+")


def workspaces(state: Any, known: list[str]) -> dict[str, str]:
    """{stack: workspace} of the organization's workspaces that are named with the platform's
    prefix and a stack name that the configuration does not define, and that hold resources."""
    host = state.hostname or "app.terraform.io"
    token = cloud_token(host)
    query = urllib.parse.urlencode({"search[name]": state.workspace_prefix, "page[size]": 100})
    url = CLOUD_API.format(host=host) + f"/organizations/{urllib.parse.quote(state.organization)}/workspaces?{query}"
    found = {}
    while url:
        request = urllib.request.Request(
            url, headers={"Authorization": f"Bearer {token}", "Content-Type": "application/vnd.api+json"}
        )
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 (an https URL of the config)
            page = json.load(answer)
        for workspace in page.get("data", []):
            name = workspace["attributes"]["name"]
            stack = name.removeprefix(state.workspace_prefix)
            if (
                name.startswith(state.workspace_prefix)
                and _STACK.fullmatch(stack)
                and stack not in known
                and workspace["attributes"].get("resource-count", 0)
            ):
                found[stack] = name
        url = (page.get("links") or {}).get("next")
    return found


def cloud_token(host: str) -> str:
    """Terraform's API token for ``host``: ``TF_TOKEN_<host>`` (dots as ``_``, hyphens as ``__``),
    or ``terraform login``'s credentials file."""
    variable = "TF_TOKEN_" + host.replace("-", "__").replace(".", "_")
    if token := os.environ.get(variable):
        return token
    stored = Path.home() / ".terraform.d" / "credentials.tfrc.json"
    try:
        return json.loads(stored.read_text(encoding="utf-8"))["credentials"][host]["token"]
    except (OSError, ValueError, KeyError, TypeError):
        raise ConfigError(
            [f"{host}: no API token to list the workspaces: set {variable}, or run `terraform login {host}`"]
        ) from None


def from_history(settings: Settings, stack: str, key: str) -> Retiring:
    """A retiring stack without a kept configuration, synthesized with this code from its customer
    file in the last commit that had it; its configuration is None, and ``origin`` says why,
    when there is no such commit or the synthesis would not keep its state at ``key``."""
    environment = stack.removesuffix(naming.PIPELINE_SUFFIX)
    directory = settings.customers_dir.resolve()
    try:
        top = Path(_git(directory, "rev-parse", "--show-toplevel").strip())
        path = (directory / f"{environment}.yaml").relative_to(top).as_posix()
        commit = _git(top, "rev-list", "-1", "HEAD", "--", path).strip()
        if not commit:
            return Retiring(stack, key, None, f"{NO_COMMIT} {path}")
        if subprocess.run(["git", "-C", str(top), "cat-file", "-e", f"{commit}:{path}"]).returncode:
            commit = _git(top, "rev-parse", f"{commit}^").strip()  # that commit removed it
    except (subprocess.CalledProcessError, ValueError) as error:
        return Retiring(stack, key, None, f"its file's history cannot be read: {error}")
    synthesized, why = _synthesized_at(top, path, commit, environment, settings.images_dir.resolve())
    configuration = synthesized.get(stack)
    if configuration is None:
        return Retiring(stack, key, None, f"its file at {commit[:12]} does not synthesize: {why}")
    kept_at = _state_at(json.loads(configuration))
    if kept_at != key:
        return Retiring(stack, key, None, f"its file at {commit[:12]} keeps its state at {kept_at}, not {key}")
    return Retiring(stack, key, configuration, f"synthesized from {path} at commit {commit[:12]}")


@functools.cache
def _synthesized_at(top: Path, path: str, commit: str, environment: str, images_dir: Path) -> tuple[dict, str]:
    """The environment's stacks and its pipeline's, synthesized in one run from the customer file
    at ``path`` as ``commit`` holds it, beside the configuration as it is now; and why not, when
    that fails. Once per file and commit: both stacks of a retired environment come from one run."""
    stacks = [environment, naming.pipeline_stack(environment)]
    with tempfile.TemporaryDirectory() as scratch:
        customers = Path(scratch) / "customers"
        shutil.copytree(top / Path(path).parent, customers)
        (customers / Path(path).name).write_text(_git(top, "show", f"{commit}:{path}"), encoding="utf-8")
        outdir = Path(scratch) / "cdktf.out"
        knobs = {
            "VENDING_CUSTOMERS_DIR": str(customers),
            "VENDING_IMAGES_DIR": str(images_dir),
            "CDKTF_OUTDIR": str(outdir),
            "VENDING_STACKS": ",".join(stacks),
            "VENDING_SYNTH_CACHE": "off",
        }
        done = subprocess.run(
            [sys.executable, "-m", "vending", "synth"], env=os.environ | knobs, capture_output=True, text=True
        )
        found = {stack: outdir / "stacks" / stack / "cdk.tf.json" for stack in stacks}
        return {stack: file.read_bytes() for stack, file in found.items() if file.is_file()}, done.stderr.strip()


def _state_at(stack: dict) -> str | None:
    """Where a synthesized stack keeps its state: its S3 key, or its cloud workspace."""
    return records.state_key(stack) or (stack.get("terraform", {}).get("cloud") or {}).get("workspaces", {}).get("name")


def _git(directory: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(directory), *args], check=True, capture_output=True, text=True).stdout


def _resources(state: bytes | None) -> list:
    """The resources a Terraform state holds (none for no state, or one that cannot be read)."""
    try:
        return json.loads(state or b"{}").get("resources") or []
    except ValueError:
        return []


def said(stack: Retiring) -> list[str]:
    """What the review says of a retiring stack: where its configuration comes from, when not
    from its last apply, and its data's fate."""
    return ([stack.origin] if stack.origin != KEPT and stack.configuration else []) + fate(stack.configuration)


def fate(configuration: bytes | None) -> list[str]:
    """What becomes of a retiring stack's data, for its review: each database's final snapshot,
    each bucket's objects, each key."""
    if configuration is None:
        return []
    resources = json.loads(configuration).get("resource", {})
    said = []
    for database in resources.get("aws_db_instance", {}).values():
        if database.get("skip_final_snapshot") is False and database.get("final_snapshot_identifier"):
            said.append(
                f"database {database.get('identifier')}: its final snapshot"
                f" {database['final_snapshot_identifier']} is kept"
            )
        else:
            said.append(f"database {database.get('identifier')}: **no final snapshot**: its data is lost")
    for bucket in resources.get("aws_s3_bucket", {}).values():
        if bucket.get("force_destroy"):
            said.append(f"bucket {bucket.get('bucket')}: its objects are deleted with it")
        else:
            said.append(
                f"bucket {bucket.get('bucket')}: kept unless empty (the destroy fails on a bucket with objects)"
            )
    if resources.get("aws_kms_key"):
        said.append("KMS keys: scheduled for deletion after their waiting period")
    return said
