"""`make demo`: the whole flow against the local AWS emulator, one readable line per step.

emulator up → seed (certificates, a source image, a demo configuration) → bootstrap the
state bucket → bake the AMI with Packer → ``vending plan`` and ``vending apply`` of shared-alb,
the environment and its pipeline, round by round (a stack that looks another up by name is
planned once that one exists) → outputs and state objects → a second plan, with no changes in
any stack. Everything lives in a work directory (``.demo/``), and ``.demo/env`` holds the
export lines to go on by hand; ``make demo-down`` stops the emulator. The same steps serve the
end-to-end test.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from vending.delivery import plan
from vending.local import emulator
from vending.model import naming
from vending.review import plans
from vending.settings import PROJECT

SAMPLES = PROJECT / "customers"
DEMO_ENVIRONMENT = "acme-prod"
DEMO_DIR = Path(".demo")  # `make demo`'s work directory


# The lines of vending.ops.progress that say a stack started, ended, or is still at work.
PROGRESS_LINE = re.compile(r"\d\d:\d\d:\d\d \S+: (started|done|FAILED|not planned|still)")


class DemoError(Exception):
    pass


@dataclass
class Demo:
    """The demo's work directory and the emulator it runs against."""

    workdir: Path
    log: Callable[[str], None] = field(default=lambda line: print(line, flush=True))
    emulator: emulator.Emulator | None = None
    region: str = "eu-west-1"
    account: str = ""  # the emulator's account, and the samples' account it replaces
    sample_account: str = ""
    source_ami: str = ""  # an image the emulator knows, to bake from
    progress: Callable[[str], None] | None = None  # gets each progress line of vending plan and apply

    @property
    def customers_dir(self) -> Path:
        return self.workdir / "customers"

    @property
    def images_dir(self) -> Path:
        return self.workdir / "images"

    @property
    def outdir(self) -> Path:
        return self.workdir / "cdktf.out"

    @property
    def state_file(self) -> Path:
        return self.workdir / "emulator.json"

    # --- plumbing -------------------------------------------------------------------------

    def env(self, **extra: str) -> dict[str, str]:
        """What every tool needs: the emulator, the demo's configuration, quiet CLIs."""
        assert self.emulator is not None, "emulator not started"
        from vending.ops import terraform

        return terraform.environment(
            {
                **os.environ,
                **self.emulator.environment(self.region),
                "VENDING_CUSTOMERS_DIR": str(self.customers_dir),
                "VENDING_IMAGES_DIR": str(self.images_dir),
                "CDKTF_OUTDIR": str(self.outdir),
                "FORCE_COLOR": "0",
                "NO_COLOR": "1",
                "CI": "1",
                **extra,
            }
        )

    def run(self, what: str, command: list[str], **extra_env: str) -> str:
        """Run a command, its output going to logs/<what>.log; raise with the log's tail on failure."""
        logs = self.workdir / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        log_file = logs / f"{what}.log"
        with open(log_file, "w") as output:
            result = subprocess.run(
                command,
                cwd=PROJECT,
                env=self.env(**extra_env),
                stdout=subprocess.PIPE,
                stderr=output,
                text=True,
                check=False,
            )
            output.write(result.stdout)
        if result.returncode != 0:
            raise DemoError(self._failed(what, result.returncode))
        return result.stdout

    def client(self, service: str) -> Any:
        import boto3

        assert self.emulator is not None
        return boto3.session.Session(
            aws_access_key_id=emulator.EMULATOR_ENV["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=emulator.EMULATOR_ENV["AWS_SECRET_ACCESS_KEY"],
            region_name=self.region,
        ).client(service, endpoint_url=self.emulator.url)

    @contextmanager
    def step(self, number: int, total: int, title: str) -> Iterator[list[str]]:
        """Print ``[n/total] title  result  time`` once the step is done."""
        started = time.monotonic()
        result: list[str] = []
        try:
            yield result
        except Exception:
            self.log(f"[{number}/{total}] {title:<22} FAILED after {time.monotonic() - started:.1f}s")
            raise
        self.log(f"[{number}/{total}] {title:<22} {'; '.join(result):<70} {time.monotonic() - started:6.1f}s")

    # --- steps ----------------------------------------------------------------------------

    def start_emulator(self) -> str:
        """A fresh emulator: the demo always starts from an empty account."""
        emulator.down(self.state_file)
        self.emulator, _ = emulator.up(self.state_file)
        return f"{self.emulator.url} (pid {self.emulator.pid})"

    def seed(self) -> str:
        """Write a demo configuration from the samples, pointing at what exists in the emulator:
        the emulator's account, certificates issued there, and a source image it knows."""
        platform = yaml.safe_load((SAMPLES / "platform.yaml").read_text())
        self.region = platform["region"]
        self.account = self.client("sts").get_caller_identity()["Account"]
        self.sample_account = platform["certificate_arn"].split(":")[4]

        images = self.client("ec2").describe_images(
            Owners=["amazon"], Filters=[{"Name": "name", "Values": ["amzn2-ami-hvm-*-x86_64-gp2"]}]
        )["Images"]
        self.source_ami = sorted(images, key=lambda image: image["Name"])[-1]["ImageId"]

        platform["certificate_arn"] = self.certificate(f"*.{platform['domain']}")
        platform["state"]["bucket"] = platform["state"]["bucket"].replace(self.sample_account, self.account)
        if self.customers_dir.exists():
            shutil.rmtree(self.customers_dir)
        self.customers_dir.mkdir(parents=True)
        (self.customers_dir / "platform.yaml").write_text(yaml.safe_dump(platform, sort_keys=False))
        self.add_environment(DEMO_ENVIRONMENT)
        return f"account {self.account}, source image {self.source_ami}, config in {self.customers_dir}"

    def add_environment(self, name: str, customers_dir: Path | None = None, *, customer_name: str = "") -> str:
        """Copy a sample environment into the demo configuration (after ``seed``), or into a copy
        of it at ``customers_dir``; under another customer's name, if given. Its stack's name."""
        text = (SAMPLES / f"{name}.yaml").read_text().replace(self.sample_account, self.account)
        if customer_name:  # every mention (repository, test image, tags) with it
            text = re.sub(rf"\b{re.escape(name.split('-')[0])}\b", customer_name, text)
            name = f"{customer_name}-{name.rsplit('-', 1)[1]}"
        customer = yaml.safe_load(text)
        customer["image"]["source_ami"] = self.source_ami
        if customer.get("domain"):
            customer["domain"]["certificate_arn"] = self.certificate(customer["domain"]["name"])
        self.test_image(customer["pipeline"]["test_image"])
        (customers_dir or self.customers_dir).joinpath(f"{name}.yaml").write_text(
            yaml.safe_dump(customer, sort_keys=False)
        )
        return name

    def test_image(self, uri: str) -> None:
        """The pipeline's test image in the emulator's ECR, as the preflight expects to find it."""
        repository, tag = uri.split("/", 1)[1].rsplit(":", 1)
        ecr = self.client("ecr")
        with contextlib.suppress(ecr.exceptions.RepositoryAlreadyExistsException):
            ecr.create_repository(repositoryName=repository)
        manifest = {"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json"}
        with contextlib.suppress(ecr.exceptions.ImageAlreadyExistsException):
            ecr.put_image(repositoryName=repository, imageManifest=json.dumps(manifest), imageTag=tag)

    def certificate(self, domain: str) -> str:
        """A certificate issued by the emulator's ACM."""
        return self.client("acm").request_certificate(DomainName=domain, ValidationMethod="DNS")["CertificateArn"]

    def bootstrap(self) -> str:
        output = self.run("bootstrap", [sys.executable, "-m", "vending", "bootstrap"])
        return output.strip().splitlines()[-1]

    def bake(self, stack: str) -> str:
        output = self.run(
            f"bake-{stack}",
            # A demo may run from a working tree with changes: the record and the AMI say so.
            [
                sys.executable,
                "-m",
                "vending",
                "bake",
                stack,
                "--repo",
                str(PROJECT),
                "--build-number",
                "1",
                "--allow-dirty",
            ],
        )
        exports = dict(
            line.removeprefix("export ").split("=", 1) for line in output.splitlines() if line.startswith("export ")
        )
        return f"{exports['AMI_ID']} ({exports['AMI_NAME']})"

    def vending(self, what: str, *args: str) -> subprocess.CompletedProcess:
        """``vending <args>`` with the demo's environment; its output goes to logs/<what>.log, and
        its progress lines (timestamped: not a terminal) to ``progress`` as they come."""
        logs = self.workdir / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "vending", *args]
        with open(logs / f"{what}.log", "w") as output:
            child = subprocess.Popen(
                command, cwd=PROJECT, env=self.env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
            )
            for line in child.stdout:
                output.write(line)
                if self.progress and PROGRESS_LINE.match(line):
                    self.progress(f"      {what:<8} {line.rstrip()}")
            return subprocess.CompletedProcess(command, child.wait())

    def deploy(self, stacks: list[str], rounds: int = 3) -> list[str]:
        """Plan and apply ``stacks`` as CI does: ``vending plan --out``, then ``vending apply``, and
        again for the stacks that waited for another to exist; what each round applied."""
        applied = []
        for round_number in range(1, rounds + 1):
            out = self.workdir / "plans" / f"round-{round_number}"
            shutil.rmtree(out, ignore_errors=True)
            planned = self.vending(f"plan-{round_number}", "plan", "--out", str(out), *stacks)
            document = plan.read(out) if (out / plan.MANIFEST).is_file() else {}
            if planned.returncode == 1 or not document:
                raise DemoError(self._failed(f"plan-{round_number}", planned.returncode))
            done = self.vending(f"apply-{round_number}", "apply", str(out))
            if done.returncode != 0:
                raise DemoError(self._failed(f"apply-{round_number}", done.returncode))
            applied.append(", ".join(document["stacks"]))
            stacks = list(document["not_planned"])  # they waited for what this round applied
            if not stacks:
                return applied
        raise DemoError(f"still waiting after {rounds} rounds: {', '.join(document['not_planned'])}")

    def _failed(self, what: str, code: int) -> str:
        log = self.workdir / "logs" / f"{what}.log"
        tail = "\n".join(log.read_text().splitlines()[-25:])
        return f"{what} failed (exit {code}); last lines of {log}:\n{tail}"

    def second_plan(self, stacks: list[str]) -> dict[str, list[plans.ResourceChange]]:
        """``vending plan`` once more: what each stack's plan would change (nothing, if all is well)."""
        out = self.workdir / "plans" / "second"
        shutil.rmtree(out, ignore_errors=True)
        planned = self.vending("second-plan", "plan", "--out", str(out), *stacks)
        if planned.returncode == 1:
            raise DemoError(self._failed("second-plan", planned.returncode))
        return {stack: list(plan.stack_review(out / "stacks" / stack).changes) for stack in stacks}

    def write_env(self) -> Path:
        """``.demo/env``: export lines that point a shell at the demo, to go on by hand."""
        knobs = {
            **self.emulator.environment(self.region),
            "VENDING_CUSTOMERS_DIR": str(self.customers_dir.resolve()),
            "VENDING_IMAGES_DIR": str(self.images_dir.resolve()),
            "CDKTF_OUTDIR": str(self.outdir.resolve()),
            "TF_CLI_CONFIG_FILE": self.env()["TF_CLI_CONFIG_FILE"],
        }
        path = self.workdir / "env"
        path.write_text("".join(f"export {name}={shlex.quote(value)}\n" for name, value in knobs.items()))
        return path

    def cdktf(self, verb: str, stacks: list[str]) -> None:
        """``cdktf deploy|destroy`` of ``stacks``, one after the other, in the order given."""
        # --skip-provider-lock: providers come from the local mirror; the lock step would ask the registry.
        command = ["npx", "--no-install", "cdktf", verb, *stacks, "--auto-approve", "--skip-provider-lock"]
        command += ["--parallelism", "1", "--output", str(self.outdir)]
        self.run(f"{verb}-{'-'.join(stacks)}", command, VENDING_STACKS=",".join(stacks))

    def outputs(self, stacks: list[str]) -> dict[str, dict[str, Any]]:
        """Each stack's outputs (from its directory in the second plan, initialised there)."""
        found = {}
        for stack in stacks:
            directory = self.workdir / "plans" / "second" / "stacks" / stack
            shown = subprocess.run(
                ["terraform", "output", "-json"], cwd=directory, env=self.env(), capture_output=True, text=True
            )
            found[stack] = {name: item["value"] for name, item in json.loads(shown.stdout or "{}").items()}
        return found

    def state_objects(self) -> list[str]:
        bucket = yaml.safe_load((self.customers_dir / "platform.yaml").read_text())["state"]["bucket"]
        listed = self.client("s3").list_objects_v2(Bucket=bucket).get("Contents", [])
        return [f"s3://{bucket}/{item['Key']}" for item in listed]

    def stop(self) -> None:
        emulator.down(self.state_file)


def run(workdir: Path, log: Callable[[str], None] = print) -> int:
    demo = Demo(workdir=workdir, log=log, progress=log)
    stacks = [naming.SHARED_ALB_STACK, DEMO_ENVIRONMENT, naming.pipeline_stack(DEMO_ENVIRONMENT)]
    total = 9
    started = time.monotonic()
    try:
        with demo.step(1, total, "emulator up") as result:
            result.append(demo.start_emulator())
        with demo.step(2, total, "seed") as result:
            result.append(demo.seed())
        with demo.step(3, total, "bootstrap state") as result:
            result.append(demo.bootstrap())
        with demo.step(4, total, f"bake {DEMO_ENVIRONMENT}") as result:
            result.append(demo.bake(DEMO_ENVIRONMENT))
        with demo.step(5, total, "plan and apply") as result:
            rounds = demo.deploy(stacks)
            result.append(" | ".join(f"round {n}: {stacks}" for n, stacks in enumerate(rounds, 1)))
        with demo.step(6, total, "second plan") as result:
            second = demo.second_plan(stacks)
            result.append(", ".join(f"{s}: {len(c)} change(s)" for s, c in second.items()))
        with demo.step(7, total, "outputs") as result:
            outputs = demo.outputs(stacks)
            result.append(f"{sum(len(v) for v in outputs.values())} outputs")
        with demo.step(8, total, "state objects") as result:
            objects = demo.state_objects()
            result.append(f"{len(objects)} in the state bucket")
        with demo.step(9, total, "your shell") as result:
            result.append(f"source {demo.write_env()}")
    except (DemoError, emulator.EmulatorError) as error:
        log(f"\ndemo stopped: {error}")
        log("the emulator is still up for a look around; `make demo-down` stops it")
        return 1

    log("")
    for stack in stacks:
        for name, value in sorted(outputs.get(stack, {}).items()):
            log(f"  {stack:<20} {name:<24} {value}")
    log("")
    for item in objects:
        log(f"  state  {item}")
    log("")
    log(f"  `source {demo.workdir / 'env'}`, then vending plan --out DIR and vending apply DIR work against the demo")
    changed = {stack: changes for stack, changes in second.items() if changes}
    for stack, changes in changed.items():
        for change in changes:
            log(f"  second plan of {stack}: {change.action} {change.address} ({' '.join(change.paths)})")
    if changed:
        log(f"\ndemo: the second plan changes {', '.join(changed)}: it must change nothing")
        return 1
    log(
        f"\ndemo finished in {time.monotonic() - started:.0f}s; the emulator keeps running "
        f"({demo.emulator.url if demo.emulator else ''}); `make demo-down` stops it"
    )
    log(f"second plan: no changes in {', '.join(second)}")
    return 0


def down(workdir: Path) -> str:
    """Stop the demo's emulator and remove its work directory; say what was done."""
    stopped = emulator.down(Demo(workdir).state_file)
    shutil.rmtree(workdir, ignore_errors=True)
    if stopped:
        return f"demo emulator stopped (pid {stopped.pid}); {workdir} removed"
    return f"no demo emulator was running; {workdir} removed"
