"""The records kept beside each state (moto S3, in process): the last apply tried, the last drift
check, and all of them gone with the stack once it is retired."""

from __future__ import annotations

import json

import boto3
from moto import mock_aws

from vending.delivery import records
from vending.review.model import NO_STATE, StackReview
from vending.review.plans import ResourceChange

BUCKET = "vend-tfstate-111111111111"
STACK = {
    "terraform": {
        "backend": {"s3": {"bucket": BUCKET, "key": "customers/acme/dev/infrastructure.tfstate", "region": "eu-west-1"}}
    }
}
KEY = "customers/acme/dev/infrastructure.tfstate"


def test_attempts_and_drift_checks_are_kept_beside_the_state_and_forgotten_with_it(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        s3 = boto3.client("s3", region_name="eu-west-1")
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        s3.put_object(Bucket=BUCKET, Key=KEY, Body=b"{}")
        failed = records.Attempt("c0ffee", "2026-12-08T10:00:00+00:00", False, "Error: boom", "d1")
        assert records.keep(STACK, records.ATTEMPT_SUFFIX, failed)
        assert json.loads(records.get(s3, BUCKET, KEY + records.ATTEMPT_SUFFIX)) == {
            "at": "2026-12-08T10:00:00+00:00",
            "commit": "c0ffee",
            "message": "Error: boom",
            "ok": False,
            "stack_digest": "d1",
        }
        other = json.loads(json.dumps(STACK).replace("acme/dev/infrastructure", "acme/dev/pipeline"))
        group = ResourceChange("aws_autoscaling_group.fleet", "aws_autoscaling_group", "update", ())
        reviews = [StackReview("acme-dev", drift=(group,)), StackReview("acme-dev-pipeline", note=NO_STATE)]
        sources = {"acme-dev": json.dumps(STACK).encode(), "acme-dev-pipeline": json.dumps(other).encode()}
        records.keep_drift(sources, reviews)
        kept = json.loads(records.get(s3, BUCKET, KEY + records.DRIFT_SUFFIX))
        assert (kept["result"], kept["resources"]) == (records.DRIFTED, ["aws_autoscaling_group.fleet"])
        pipeline = json.loads(records.get(s3, BUCKET, "customers/acme/dev/pipeline.tfstate" + records.DRIFT_SUFFIX))
        assert pipeline["result"] == records.NOT_DEPLOYED
        # A listing's ETag tells a record of a stack in sync, or not deployed, without reading it.
        listed = records.listing(s3, BUCKET, ("customers/",))
        assert listed["customers/acme/dev/pipeline.tfstate" + records.DRIFT_SUFFIX].etag == records.etag(
            records.DriftCheck(records.NOT_DEPLOYED)
        )
        assert listed[KEY + records.DRIFT_SUFFIX].etag != records.etag(records.DriftCheck(records.IN_SYNC))

        records.forget(STACK)
        left = [item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
        assert left == ["customers/acme/dev/pipeline.tfstate" + records.DRIFT_SUFFIX]
        assert records.keep({"terraform": {"cloud": {}}}, records.ATTEMPT_SUFFIX, failed) is False
