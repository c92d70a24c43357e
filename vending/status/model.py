"""The fleet's status: one data object that the table, the JSON and the page render.

It is read, never computed by Terraform: each stack's synthesized output (the synth cache makes
that cheap) against the records kept beside its state (delivery/records.py): the last apply
tried, what was last applied, the last drift check; the retiring stacks found in the backend;
each fleet's image from its bake record. The backend is listed once; then one record is read per
stack, in parallel (see _Reader).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from vending.delivery import records, retiring
from vending.errors import ConfigError
from vending.model import images, naming
from vending.settings import Settings
from vending.synth import output
from vending.synth.app import all_stacks, synthesize

# An environment's or stack's state, worst first: an environment takes its worst stack's.
FAILED, DRIFTED, PENDING, RETIRING, NEVER, APPLIED = (
    "failed",
    "drifted",
    "pending",
    "retiring",
    "never applied",
    "applied",
)
STATES = (FAILED, DRIFTED, PENDING, RETIRING, NEVER, APPLIED)
READERS = 32  # records read at once: each is one small S3 request
_ENVIRONMENT_KEY = re.compile(r"customers/(?P<customer>[^/]+)/(?P<environment>[^/]+)/")


@dataclass(frozen=True)
class LastApply:
    commit: str
    at: str
    ok: bool
    message: str = ""  # why it failed


@dataclass(frozen=True)
class Drift:
    at: str
    result: str  # records.IN_SYNC | DRIFTED | NOT_DEPLOYED | ERROR
    resources: tuple[str, ...] = ()
    message: str = ""
    before_last_apply: bool = False  # checked before the last apply: says nothing of what it left


@dataclass(frozen=True)
class StackStatus:
    stack: str
    kind: str  # "platform" | "environment" | "pipeline"
    state: str
    last_apply: LastApply | None  # the last apply tried (or, before attempts were kept, the last applied)
    applied_commit: str | None  # the commit last applied successfully
    pending: bool  # its synthesized output is not what was last applied
    drift: Drift | None


@dataclass(frozen=True)
class Image:
    ami_id: str
    origin: str  # images.PINNED | BAKED | UNBAKED
    commit: str = ""  # the commit it was baked from
    built_at: str = ""
    age_days: int | None = None
    warning: str = ""


@dataclass(frozen=True)
class EnvironmentStatus:
    name: str
    customer: str
    environment: str
    production: bool
    state: str
    stacks: tuple[StackStatus, ...]
    image: Image | None
    priority: int | None  # its rule's on a shared listener (None: a dedicated load balancer)
    shard: int | None


@dataclass(frozen=True)
class Fleet:
    generated_at: str
    commit: str
    summary: dict[str, int]  # environments by state, every state named
    environments: tuple[EnvironmentStatus, ...]
    platform: tuple[StackStatus, ...]

    def data(self) -> dict[str, Any]:
        """Plain data, for JSON."""
        return json.loads(json.dumps(asdict(self)))


def only(fleet: Fleet, which: str | None) -> Fleet:
    """The fleet with only production's environments (``production``) or only the others
    (``other``); the summary counts those."""
    if which is None:
        return fleet
    kept = tuple(e for e in fleet.environments if e.production == (which == "production"))
    return Fleet(fleet.generated_at, fleet.commit, _summary(kept), kept, fleet.platform)


def _summary(environments: tuple[EnvironmentStatus, ...] | list[EnvironmentStatus]) -> dict[str, int]:
    counted = Counter(e.state for e in environments)
    return {state: counted.get(state, 0) for state in STATES}


def worst(states: list[str]) -> str:
    return min(states, key=STATES.index) if states else NEVER


def stack_state(applied: bool, last: LastApply | None, drift: Drift | None, *, pending: bool) -> str:
    """A defined stack's state: ``applied``, whether any apply of it succeeded; ``last``, the last
    apply tried; ``pending``, whether its output is not what was last applied."""
    if last is not None and not last.ok:
        return FAILED
    if drift is not None and drift.result == records.DRIFTED and not drift.before_last_apply:
        return DRIFTED
    if not applied:
        return NEVER
    return PENDING if pending else APPLIED


def build(settings: Settings, commit: str, *, now: datetime | None = None) -> Fleet:
    """The fleet's status at ``commit`` (the checkout's), from the records in the backend."""
    now = now or datetime.now(UTC)
    prepared = synthesize(settings).prepared
    config = prepared.config
    where = retiring.backend(settings, config.platform)
    if where is None:
        raise ConfigError(
            [
                "vending status reads the records kept beside each state in S3; with the cloud backend,"
                " Terraform Cloud's workspaces hold their runs' history"
            ]
        )
    stacks = list(prepared.stacks)
    sources = output.sources(settings.outdir, stacks)
    client = records.client(where)
    listed = records.listing(client, where["bucket"], retiring.PREFIXES)
    reader = _Reader(client, where["bucket"], listed)
    with ThreadPoolExecutor(max_workers=READERS) as pool:
        by_stack = dict(zip(stacks, pool.map(lambda s: reader.status(s, sources[s]), stacks), strict=True))
    known = all_stacks(config, prepared.allocation.shard_count)
    gone = retiring.find(settings, config.platform, known, history=False, listed=listed)
    environments = []
    for customer in config.customers:
        owned = tuple(by_stack[s] for s in (customer.stack_name, customer.pipeline_stack_name) if s in by_stack)
        if not owned:
            continue
        environments.append(
            EnvironmentStatus(
                customer.stack_name,
                customer.customer,
                customer.environment,
                customer.production,
                worst([s.state for s in owned]),
                owned,
                _image(prepared.fleet_images.get(customer.stack_name), customer.stack_name, now),
                prepared.allocation.priorities.get(customer.stack_name),
                prepared.allocation.shards.get(customer.stack_name),
            )
        )
    environments += _retiring(gone)
    environments.sort(key=lambda e: (e.customer, e.environment))
    return Fleet(
        now.isoformat(timespec="seconds"),
        commit,
        _summary(environments),
        tuple(environments),
        tuple(by_stack[s] for s in stacks if naming.platform_stack(s)),
    )


def _kind(stack: str) -> str:
    if naming.platform_stack(stack):
        return "platform"
    return "pipeline" if stack.endswith(naming.PIPELINE_SUFFIX) else "environment"


class _Reader:
    """A stack's status from the records the listing shows: the last attempt (which, when it
    succeeded, also says what was applied), and the applied record only when the last attempt
    failed or predates attempts. A drift check in sync or of a stack not deployed is told by its
    ETag, unread; the listing's times say which came last."""

    KNOWN = {
        records.etag(check): check
        for check in (records.DriftCheck(records.IN_SYNC), records.DriftCheck(records.NOT_DEPLOYED))
    }

    def __init__(self, client: Any, bucket: str, listed: dict[str, records.Listed]):
        self.client, self.bucket, self.listed = client, bucket, listed

    def read(self, kind: type, key: str) -> Any:
        """A record, or None: not listed, gone since, or of another shape (as if absent)."""
        if key not in self.listed:
            return None
        body = records.get(self.client, self.bucket, key)
        try:
            data = json.loads(body) if body is not None else None
            return kind(**data) if isinstance(data, dict) else None
        except (ValueError, TypeError):
            return None

    def status(self, stack: str, source: bytes) -> StackStatus:
        key = records.state_key(json.loads(source)) or ""
        attempt_key = key + records.ATTEMPT_SUFFIX
        attempt = self.read(records.Attempt, attempt_key)
        if attempt is not None and attempt.ok and attempt.stack_digest:
            applied = (attempt.commit, attempt.at, attempt.stack_digest, self.listed[attempt_key].modified)
        else:
            record = self.read(records.Record, key + records.SUFFIX)
            modified = record and self.listed[key + records.SUFFIX].modified
            applied = record and (record.commit, record.applied_at, record.stack_digest, modified)
        drift = self.drift(key + records.DRIFT_SUFFIX, applied[3] if applied else None)
        last = attempt and LastApply(attempt.commit, attempt.at, attempt.ok, "" if attempt.ok else attempt.message)
        last = last or (applied and LastApply(applied[0], applied[1], True))
        pending = not applied or applied[2] != records.digest(source)
        return StackStatus(
            stack,
            _kind(stack),
            stack_state(bool(applied), last, drift, pending=pending),
            last,
            applied[0] if applied else None,
            pending,
            drift,
        )

    def drift(self, key: str, applied_at: datetime | None) -> Drift | None:
        listed = self.listed.get(key)
        if listed is None:
            return None
        check = self.KNOWN.get(listed.etag) or self.read(records.DriftCheck, key)
        if check is None:
            return None
        at = listed.modified.astimezone(UTC).isoformat(timespec="seconds")
        before = applied_at is not None and listed.modified < applied_at
        return Drift(at, check.result, tuple(check.resources), check.message, before)


def _image(chosen: images.FleetImage | None, stack: str, now: datetime) -> Image | None:
    if chosen is None:
        return None
    record = chosen.record or {}
    built_at = str(record.get("built_at", ""))
    age = None
    if built_at:
        try:
            built = datetime.fromisoformat(built_at.replace("Z", "+00:00"))
            age = (now - (built if built.tzinfo else built.replace(tzinfo=UTC))).days
        except ValueError:
            age = None
    return Image(
        chosen.ami_id,
        chosen.origin,
        str((record.get("commit") or {}).get("id", "")),
        built_at,
        age,
        chosen.warning(stack) or "",
    )


def _retiring(gone: list[retiring.Retiring]) -> list[EnvironmentStatus]:
    """The environments whose stacks are retiring (their files are gone)."""
    by_environment: dict[str, list[retiring.Retiring]] = {}
    names: dict[str, tuple[str, str]] = {}
    for stack in gone:
        found = _ENVIRONMENT_KEY.match(stack.key)
        if found is None:
            continue  # a load balancer's shard: the platform's
        name = stack.stack.removesuffix(naming.PIPELINE_SUFFIX)
        by_environment.setdefault(name, []).append(stack)
        names[name] = (found["customer"], found["environment"])
    return [
        EnvironmentStatus(
            name,
            *names[name],
            names[name][1] == naming.PRODUCTION,
            RETIRING,
            tuple(StackStatus(s.stack, _kind(s.stack), RETIRING, None, None, False, None) for s in stacks),
            None,
            None,
            None,
        )
        for name, stacks in by_environment.items()
    ]
