"""The fleet whose status the unit and browser tests read: an environment in each state, with
records that the project's own writers produce (records.py), in a moto S3 (in process)."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import boto3
import pytest
from moto import mock_aws

from tests.conftest import ConfigDir
from vending.delivery import records
from vending.settings import Settings
from vending.status import model

BUCKET = "vend-tfstate-111111111111"
NOW = datetime(2026, 12, 8, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def fleet(tmp_path_factory) -> model.Fleet:
    """Seven environments: one per state, and a second applied; records written as apply and drift write them."""
    root = tmp_path_factory.mktemp("status")
    config = ConfigDir(root / "customers")
    for name in ("acme", "globex", "initech", "umbrella", "hooli"):
        config.customer(name, "dev")
    config.customer("acme", "prod")
    images_dir = root / "images"
    images_dir.mkdir()
    baked = {"ami_id": "ami-0123456789abcdef0", "built_at": "2026-11-08T12:00:00+00:00", "commit": {"id": "b" * 40}}
    (images_dir / "acme-prod.json").write_text(json.dumps(baked))
    settings = Settings(customers_dir=config.path, outdir=root / "cdktf.out", images_dir=images_dir, synth_cache=None)
    with pytest.MonkeyPatch.context() as patch, mock_aws():
        for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}.items():
            patch.setenv(name, value)
        s3 = boto3.client("s3", region_name="eu-west-1")
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        first = model.build(settings, "c" * 40, now=NOW)  # synthesizes; nothing recorded yet
        sources = {
            s.stack: (settings.outdir / "stacks" / s.stack / "cdk.tf.json").read_bytes()
            for e in first.environments
            for s in e.stacks
        }

        def applied(stack: str, *, at: str = "2026-12-08T10:00:00+00:00", digest: str | None = None) -> None:
            source = sources[stack]
            record = records.Record("a" * 40, at, "plan", digest or records.digest(source))
            records.write(json.loads(source), record, source)
            attempt = records.Attempt("a" * 40, at, True, f"{stack}: applied", record.stack_digest)
            records.keep(json.loads(source), records.ATTEMPT_SUFFIX, attempt)

        # A drift found before acme-dev's last apply says nothing of what that apply left (S3's
        # times order them: a second apart).
        old = records.DriftCheck(records.DRIFTED, ("aws_lb.x",))
        records.keep(json.loads(sources["acme-dev"]), records.DRIFT_SUFFIX, old)
        records.keep(
            json.loads(sources["acme-dev-pipeline"]), records.DRIFT_SUFFIX, records.DriftCheck(records.IN_SYNC)
        )
        time.sleep(1.1)
        for stack in ("acme-dev", "acme-dev-pipeline", "acme-prod", "acme-prod-pipeline"):
            applied(stack)
        applied("globex-dev", digest="an older output")  # pending
        applied("initech-dev")
        failure = records.Attempt("d" * 40, "2026-12-08T11:00:00+00:00", False, "Error: creating ASG: boom")
        records.keep(json.loads(sources["initech-dev"]), records.ATTEMPT_SUFFIX, failure)
        applied("umbrella-dev")
        time.sleep(1.1)
        drifted = records.DriftCheck(records.DRIFTED, ("aws_autoscaling_group.x",))
        records.keep(json.loads(sources["umbrella-dev"]), records.DRIFT_SUFFIX, drifted)
        state = json.dumps({"resources": [{"type": "aws_autoscaling_group"}]})
        s3.put_object(Bucket=BUCKET, Key="customers/wayne/dev/infrastructure.tfstate", Body=state)
        found = model.build(settings, "c" * 40, now=NOW)
    return found  # plain data: the emulated account goes with the block
