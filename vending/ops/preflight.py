"""The live preflight: what AWS would refuse at apply, asked of AWS before anyone approves a plan.

With credentials, ``vending plan`` and ``vending review`` check each stack's inputs against the
account and region it will be applied in:

- the fleet's instance type is offered in the platform's zones (``DescribeInstanceTypeOfferings``);
- the fleet's AMI exists, is available, and fits the type's architecture (``DescribeImages``);
- certificates are ``ISSUED`` and cover the host names they serve (ACM ``DescribeCertificate``);
- the database's engine, version and class are orderable (``DescribeOrderableDBInstanceOptions``);
- the pipeline's test image exists (ECR ``DescribeImages``);
- the source connection is ``AVAILABLE`` (CodeConnections ``GetConnection``).

Each value is asked about once per run, however many stacks use it. A failure names the file,
the field and AWS's answer, and fails that stack's plan. Against the local emulator, the checks
it cannot answer (orderable options of these engines, connections) are skipped and said so.

Works the same against real AWS and the emulator (boto3 honours AWS_ENDPOINT_URL).
"""

from __future__ import annotations

import fnmatch
import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from vending.model import catalog, images
from vending.model.config import Config, Customer
from vending.model.naming import PIPELINE_SUFFIX, platform_stack

NOT_ON_THE_EMULATOR = ("RDS orderable options", "source connection status")


@dataclass(frozen=True)
class Problem:
    source: str  # the file
    field: str
    answer: str  # what AWS said

    @property
    def line(self) -> str:
        return f"{self.source}: {self.field}: {self.answer}"


@dataclass
class Preflight:
    """One run's checks over a session; ``emulator``: the session is the local emulator's."""

    session: Any
    config: Config
    fleet_images: dict[str, images.FleetImage]
    emulator: bool = False
    _answers: dict[tuple, str | None] = field(default_factory=dict)
    _clients: dict[str, Any] = field(default_factory=dict)

    @property
    def skipped(self) -> tuple[str, ...]:
        return NOT_ON_THE_EMULATOR if self.emulator else ()

    def check(self, stacks: Iterable[str]) -> dict[str, list[str]]:
        """Each stack's problems (only stacks that have some)."""
        found = {}
        for stack in stacks:
            lines = [p.line for p in self._stack(stack)]
            if lines:
                found[stack] = lines
        return found

    # --- per stack ------------------------------------------------------------------------

    def _stack(self, stack: str) -> list[Problem]:
        platform = self.config.platform
        if platform_stack(stack):
            hosts = [c.platform_hostname(platform) for c in self.config.customers if not c.dedicated_alb]
            return self._certificate("platform.yaml", "certificate_arn", platform.certificate_arn, hosts[:1])
        name = stack.removesuffix(PIPELINE_SUFFIX)
        try:
            customer = self.config.customer(name)
        except KeyError:
            return []  # not the configuration's (a stack being retired): nothing to check
        source = self.config.source_files.get(name, f"{name}.yaml")
        if stack.endswith(PIPELINE_SUFFIX):
            return self._pipeline(customer, source)
        return self._environment(customer, source)

    def _environment(self, customer: Customer, source: str) -> list[Problem]:
        problems = []
        kind = customer.instances.type
        if answer := self._ask(("offered", kind), lambda: self._offered(kind)):
            problems.append(Problem(source, "instances.type", answer))
        image = self.fleet_images.get(customer.stack_name)
        if image is not None:
            where = {images.PINNED: "image.ami_id", images.UNBAKED: "image.source_ami"}.get(image.origin, "image")
            if answer := self._ask(("image", image.ami_id, kind), lambda: self._image(image.ami_id, kind)):
                problems.append(Problem(source, where, answer))
        if customer.domain is not None:
            problems += self._certificate(
                source, "domain.certificate_arn", customer.domain.certificate_arn, [customer.domain.name]
            )
        database = customer.database
        if database is not None and not self.emulator:
            key = ("orderable", database.engine, database.version, database.instance_class)
            if answer := self._ask(
                key, lambda: self._orderable(database.engine, database.version, database.instance_class)
            ):
                problems.append(Problem(source, "database.instance_class", answer))
        if database is not None and database.snapshot_identifier:
            identifier = customer.names(self.config.platform).db_identifier
            snapshot = database.snapshot_identifier
            if answer := self._ask(("snapshot", identifier, snapshot), lambda: self._snapshot(identifier, database)):
                problems.append(Problem(source, "database.snapshot_identifier", answer))
        return problems

    def _pipeline(self, customer: Customer, source: str) -> list[Problem]:
        problems = []
        test_image = customer.pipeline.test_image
        if answer := self._ask(("test image", test_image), lambda: self._test_image(test_image)):
            problems.append(Problem(source, "pipeline.test_image", answer))
        connection = customer.pipeline.connection_arn
        if not self.emulator and (
            answer := self._ask(("connection", connection), lambda: self._connection(connection))
        ):
            problems.append(Problem(source, "pipeline.connection_arn", answer))
        return problems

    def _certificate(self, source: str, field_name: str, arn: str, hosts: list[str]) -> list[Problem]:
        answer = self._ask(("certificate", arn, *hosts), lambda: self._issued(arn, hosts))
        return [Problem(source, field_name, answer)] if answer else []

    # --- the questions, each asked once per value ----------------------------------------

    def _ask(self, key: tuple, question: Callable[[], str | None]) -> str | None:
        if key not in self._answers:
            try:
                self._answers[key] = question()
            except ClientError as error:
                problem = error.response.get("Error", {})
                self._answers[key] = f"{error.operation_name}: {problem.get('Code')}: {problem.get('Message')}"
            except BotoCoreError as error:
                self._answers[key] = f"AWS could not be asked: {error}"
        return self._answers[key]

    def _client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = self.session.client(service, region_name=self.config.platform.region)
        return self._clients[service]

    @functools.cached_property
    def _zones(self) -> list[str]:
        """The platform's zones: a created network's (the first N the region lists), or the subnets'."""
        network = self.config.platform.network
        ec2 = self._client("ec2")
        if network.created:
            listed = ec2.describe_availability_zones(
                Filters=[
                    {"Name": "zone-type", "Values": ["availability-zone"]},
                    {"Name": "state", "Values": ["available"]},
                ]
            )["AvailabilityZones"]
            return [z["ZoneName"] for z in listed][: network.availability_zones]
        subnets = ec2.describe_subnets(SubnetIds=list(network.private_subnet_ids))["Subnets"]
        return sorted({s["AvailabilityZone"] for s in subnets})

    def _offered(self, kind: str) -> str | None:
        zones = self._zones
        answer = self._client("ec2").describe_instance_type_offerings(
            LocationType="availability-zone",
            Filters=[{"Name": "instance-type", "Values": [kind]}, {"Name": "location", "Values": zones}],
        )
        offered = {o["Location"] for o in answer["InstanceTypeOfferings"]}
        missing = [z for z in zones if z not in offered]
        if missing:
            return f"{kind} is not offered in {', '.join(missing)} (DescribeInstanceTypeOfferings)"
        return None

    def _image(self, ami_id: str, kind: str) -> str | None:
        found = self._client("ec2").describe_images(Filters=[{"Name": "image-id", "Values": [ami_id]}])["Images"]
        if not found:
            return f"{ami_id} does not exist in {self.config.platform.region} (DescribeImages)"
        image = found[0]
        if image.get("State") != "available":
            return f"{ami_id} is {image.get('State')}, not available (DescribeImages)"
        wanted = catalog.architectures(kind)
        if wanted and image.get("Architecture") not in wanted:
            return (
                f"{ami_id} is {image.get('Architecture')}, but instances.type {kind} runs"
                f" {'/'.join(sorted(wanted))} (DescribeImages)"
            )
        return None

    def _issued(self, arn: str, hosts: list[str]) -> str | None:
        certificate = self._client("acm").describe_certificate(CertificateArn=arn)["Certificate"]
        if certificate.get("Status") != "ISSUED":
            return f"the certificate is {certificate.get('Status')}, not ISSUED (DescribeCertificate)"
        names = certificate.get("SubjectAlternativeNames") or [certificate.get("DomainName")]
        uncovered = [
            h for h in hosts if not any(fnmatch.fnmatchcase(h, n) and h.count(".") == n.count(".") for n in names)
        ]
        if uncovered:
            return f"the certificate covers {', '.join(names)}, not {', '.join(uncovered)} (DescribeCertificate)"
        return None

    def _orderable(self, engine: str, version: str, instance_class: str) -> str | None:
        exact = catalog.exact_version(engine, version)
        options = self._client("rds").describe_orderable_db_instance_options(
            Engine=engine, DBInstanceClass=instance_class, **({"EngineVersion": version} if exact else {})
        )["OrderableDBInstanceOptions"]
        if not any(exact or o["EngineVersion"].startswith(f"{version}.") for o in options):
            return (
                f"{instance_class} is not orderable for {engine} {version} in {self.config.platform.region}"
                " (DescribeOrderableDBInstanceOptions)"
            )
        return None

    def _snapshot(self, identifier: str, database: Any) -> str | None:
        """The snapshot a new database is created from exists, of its engine (read on create only:
        once the database exists, the field is ignored)."""
        rds = self._client("rds")
        try:
            rds.describe_db_instances(DBInstanceIdentifier=identifier)
            return None
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "DBInstanceNotFound":
                raise
        snapshot = database.snapshot_identifier
        try:
            [found] = rds.describe_db_snapshots(DBSnapshotIdentifier=snapshot)["DBSnapshots"]
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "DBSnapshotNotFound":
                raise
            return f"{snapshot} does not exist in {self.config.platform.region} (DescribeDBSnapshots)"
        if found.get("Engine") != database.engine:
            return f"{snapshot} is a {found.get('Engine')} snapshot, not {database.engine} (DescribeDBSnapshots)"
        return None

    def _test_image(self, uri: str) -> str | None:
        registry, _, rest = uri.partition("/")
        if "@" in rest:
            repository, digest = rest.split("@", 1)
            image_id = {"imageDigest": digest}
        else:
            repository, tag = rest.rsplit(":", 1)
            image_id = {"imageTag": tag}
        ecr = self._client("ecr")
        try:
            ecr.describe_images(registryId=registry.split(".")[0], repositoryName=repository, imageIds=[image_id])
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code")
            if code in ("RepositoryNotFoundException", "ImageNotFoundException"):
                return f"{uri} does not exist ({code}, ECR DescribeImages)"
            raise
        return None

    def _connection(self, arn: str) -> str | None:
        service = "codeconnections" if ":codeconnections:" in arn else "codestar-connections"
        status = self._client(service).get_connection(ConnectionArn=arn)["Connection"]["ConnectionStatus"]
        if status != "AVAILABLE":
            return f"the connection is {status}, not AVAILABLE: complete it in the console (GetConnection)"
        return None


def run(settings: Any, stacks: list[str], *, enabled: bool = True) -> tuple[dict[str, list[str]], str]:
    """The live preflight of ``stacks`` for ``vending plan`` and ``vending review``: each refused
    stack's problems, and the sentence the review says of the preflight. It runs when AWS
    credentials are present, unless ``enabled`` is off (``--no-preflight``)."""
    if not enabled:
        return {}, "⚠️ Preflight skipped (--no-preflight): what AWS would refuse was not checked before this plan."
    import time

    import boto3

    from vending.synth.app import allocate, fleets

    session = boto3.session.Session()
    if session.get_credentials() is None:
        return {}, "Preflight not run: no AWS credentials."
    started = time.monotonic()
    config, _, _ = allocate(settings)
    fleet_images = fleets(config, settings.images_dir, stacks)
    checks = Preflight(session, config, fleet_images, emulator=settings.endpoint_url is not None)
    refused = checks.check(stacks)
    took = f"{len(stacks):,} stack(s) in {time.monotonic() - started:.1f} s"
    skipped = f"; not checked against the emulator: {', '.join(checks.skipped)}" if checks.skipped else ""
    if refused:
        return refused, f"⛔ Preflight refused {len(refused):,} of {took}{skipped}."
    return refused, f"Preflight passed: {took}{skipped}."
