"""What was last applied to each stack, kept next to its state: with the S3 backend, the object
``<state key>.applied.json`` in the state bucket, written after a successful apply only (an S3
put is whole or nothing, so an interrupted apply leaves the previous record). It holds the
commit, the time, the digest of the plan applied and of the stack's synthesized
``cdk.tf.json``: a stack is applied at the current commit when its record's stack digest is
that of the stack as it is synthesized now. Beside it, ``<state key>.applied.tf.json`` keeps the
stack's synthesized configuration as applied: once its definition is gone from the
configuration, the stack is destroyed from that (retiring.py), never from a guess.

Two more objects say how the stack fares, for ``vending status``: ``<state key>.attempt.json``,
the last apply tried (commit, time, whether it succeeded and, if not, why), and
``<state key>.drift.json``, the last drift check (``vending drift``).

The Terraform Cloud backend keeps its runs' history itself; no record is written there.
"""

from __future__ import annotations

import functools
import hashlib
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

SUFFIX = ".applied.json"
CONFIGURATION_SUFFIX = ".applied.tf.json"
ATTEMPT_SUFFIX = ".attempt.json"
DRIFT_SUFFIX = ".drift.json"
READERS = 16  # records read or written at once: each is one small S3 request
MESSAGE_MAX = 2_000  # characters of a failure's message kept in its attempt record


@dataclass(frozen=True)
class Record:
    commit: str
    applied_at: str
    plan_digest: str
    stack_digest: str


@dataclass(frozen=True)
class Attempt:
    commit: str
    at: str
    ok: bool
    message: str  # what the apply said: its error, when it failed
    stack_digest: str = ""  # of the configuration applied, or tried: one read tells status whether it is pending


@dataclass(frozen=True)
class DriftCheck:
    """The last drift check of a stack. Its time is the object's (S3's Last-Modified), so that the
    record of a stack in sync is always the same bytes: a listing's ETag tells it without a read."""

    result: str  # IN_SYNC | DRIFTED | NOT_DEPLOYED | ERROR
    resources: tuple[str, ...] = ()  # the addresses changed outside Terraform
    message: str = ""  # the error, when the check failed


IN_SYNC, DRIFTED, NOT_DEPLOYED, ERROR = "in sync", "drifted", "not deployed", "error"


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _backend(stack: dict) -> dict | None:
    """The S3 backend block of a synthesized stack, or None (the cloud backend)."""
    return (stack.get("terraform", {}).get("backend") or {}).get("s3")


def state_key(stack: dict) -> str | None:
    """Where a synthesized stack keeps its state in the S3 backend (None: the cloud backend)."""
    return (_backend(stack) or {}).get("key")


def client(backend: dict) -> Any:
    """The S3 client of a backend block (a synthesized stack's ``terraform.backend.s3``)."""
    return _s3(backend["region"], (backend.get("endpoints") or {}).get("s3"), bool(backend.get("use_path_style")))


@functools.cache
def _s3(region: str, endpoint: str | None, path_style: bool) -> Any:
    """One client per bucket's region and endpoint (clients are safe to share between threads)."""
    import boto3
    from botocore.config import Config

    config = Config(s3={"addressing_style": "path"}) if path_style else None
    return boto3.session.Session().client("s3", region_name=region, endpoint_url=endpoint, config=config)


def read(stack: dict) -> Record | None:
    """The stack's record (``stack`` is its synthesized JSON), or None: never applied by the
    flow, or the cloud backend."""
    backend = _backend(stack)
    if backend is None:
        return None
    body = get(client(backend), backend["bucket"], backend["key"] + SUFFIX)
    try:
        return Record(**json.loads(body)) if body is not None else None
    except (ValueError, TypeError):
        return None  # unreadable: as if never applied, so it is planned again


def get(s3: Any, bucket: str, key: str) -> bytes | None:
    """An object's bytes, or None when there is no such object."""
    from botocore.exceptions import ClientError

    try:
        return s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
            return None
        raise


def write(stack: dict, record: Record, configuration: bytes) -> bool:
    """Record a successful apply of ``configuration`` (the stack's cdk.tf.json, as applied); False
    where there is nowhere to keep it (the cloud backend). The configuration goes first: a record
    is never without it."""
    backend = _backend(stack)
    if backend is None:
        return False
    s3, bucket, key = client(backend), backend["bucket"], backend["key"]
    s3.put_object(Bucket=bucket, Key=key + CONFIGURATION_SUFFIX, Body=configuration)
    s3.put_object(Bucket=bucket, Key=key + SUFFIX, Body=json.dumps(asdict(record), sort_keys=True).encode())
    return True


def body(found: Attempt | DriftCheck) -> bytes:
    return json.dumps(asdict(found), sort_keys=True).encode()


def etag(found: Attempt | DriftCheck) -> str:
    """The ETag S3 gives the record's object when it is the MD5 of its bytes (a single-part put,
    not encrypted with KMS): equal to a listing's, it tells the record without reading it."""
    return '"' + hashlib.md5(body(found), usedforsecurity=False).hexdigest() + '"'


def keep(stack: dict, suffix: str, found: Attempt | DriftCheck) -> bool:
    """Keep an attempt or a drift check beside the stack's state; False where there is nowhere
    to keep it (the cloud backend)."""
    backend = _backend(stack)
    if backend is None:
        return False
    client(backend).put_object(Bucket=backend["bucket"], Key=backend["key"] + suffix, Body=body(found))
    return True


def keep_drift(sources: dict[str, bytes], reviews: list) -> None:
    """Keep each stack's drift check (``reviews``: drift.check's) beside its state, in parallel."""
    from vending.review.model import NO_STATE

    def one(review) -> None:
        if review.error:
            found = DriftCheck(ERROR, message=review.error[-MESSAGE_MAX:])
        elif review.note == NO_STATE:
            found = DriftCheck(NOT_DEPLOYED)
        else:
            drifted = tuple(change.address for change in review.drift)
            found = DriftCheck(DRIFTED if drifted else IN_SYNC, drifted)
        keep(json.loads(sources[review.stack]), DRIFT_SUFFIX, found)

    with ThreadPoolExecutor(max_workers=READERS) as pool:
        list(pool.map(one, reviews))


@dataclass(frozen=True)
class Listed:
    etag: str
    modified: datetime


def listing(s3: Any, bucket: str, prefixes: tuple[str, ...]) -> dict[str, Listed]:
    """Every object under ``prefixes``: its ETag and when it was last written."""
    found = {}
    for prefix in prefixes:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                found[item["Key"]] = Listed(item["ETag"], item["LastModified"])
    return found


def forget(stack: dict) -> None:
    """After a stack is destroyed: its state, records and configuration go, so that it is not
    found as retiring again. (The bucket is versioned: the old versions stay, for whoever needs them.)"""
    backend = _backend(stack)
    if backend is None:
        return
    key = backend["key"]
    suffixes = ("", SUFFIX, CONFIGURATION_SUFFIX, ATTEMPT_SUFFIX, DRIFT_SUFFIX)
    objects = [{"Key": key + suffix} for suffix in suffixes]
    client(backend).delete_objects(Bucket=backend["bucket"], Delete={"Objects": objects, "Quiet": True})


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
