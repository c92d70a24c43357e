"""The stacks that are retiring: they have a state or an applied record under the platform's
backend, but the configuration no longer defines them (a customer file removed or renamed, in
whatever commit). They are found from the backend, not from git, and destroyed from the
configuration kept with their last apply (records.py): never from a guess.

With S3, the keys under the platform's prefixes are listed (``platform/…`` and
``customers/<customer>/<env>/…``). A stack destroyed by the flow leaves nothing there
(records.forget), so it is not found again.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from vending.delivery import records
from vending.settings import Settings

PREFIXES = ("platform/", "customers/")
_STATE = re.compile(
    r"(?:platform/(?P<platform>shared-alb(?:-[0-9]+)?)"
    r"|customers/(?P<customer>[^/]+)/(?P<environment>[^/]+)/(?P<kind>infrastructure|pipeline))"
    r"\.tfstate(?:" + re.escape(records.SUFFIX) + "|" + re.escape(records.CONFIGURATION_SUFFIX) + ")?"
)
NO_CONFIGURATION = (
    "{stack} is retiring (its definition is gone from the configuration), but no configuration was kept"
    " with its last apply (it was applied before Vending kept one): nothing is destroyed. To retire it,"
    " restore its customer file, plan and apply it once (which keeps its configuration), then remove the"
    " file again"
)

PRODUCTION_STEP = (
    "{stack} is production: removing its file destroys nothing. Retire it in two steps: put the file"
    " back with `retire: true` and apply it (this releases the destroy and deletion protections and"
    " destroys nothing; the database keeps its final snapshot), then remove the file"
)


@dataclass(frozen=True)
class Retiring:
    stack: str
    key: str  # its state key
    configuration: bytes | None  # its cdk.tf.json as last applied; None when none was kept


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


def find(settings: Settings, platform: Any, known: list[str]) -> list[Retiring]:
    """The retiring stacks, in the platform's order of stack names."""
    where = backend(settings, platform)
    if where is None:
        return []
    client = records.client(where)
    states: dict[str, str] = {}
    for prefix in PREFIXES:
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=where["bucket"], Prefix=prefix):
            for item in page.get("Contents", []):
                if (found := stack_of(item["Key"])) is not None and found[0] not in known:
                    states[found[0]] = found[1]
    retiring = []
    for stack, key in sorted(states.items()):
        configuration = records.get(client, where["bucket"], key + records.CONFIGURATION_SUFFIX)
        if configuration is None and not _resources(records.get(client, where["bucket"], key)):
            continue  # nothing deployed (destroyed outside the flow, say): nothing to retire
        retiring.append(Retiring(stack, key, configuration))
    return retiring


def _resources(state: bytes | None) -> list:
    """The resources a Terraform state holds (none for no state, or one that cannot be read)."""
    try:
        return json.loads(state or b"{}").get("resources") or []
    except ValueError:
        return []


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
