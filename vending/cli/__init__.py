"""Command-line interface. Each command reads the environment here, at the edge."""

from __future__ import annotations

import argparse
import dataclasses
import os
import shlex
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path

from vending.errors import ConfigError
from vending.model import images, naming, priorities
from vending.model.config import Config, Customer
from vending.model.load import load_config
from vending.settings import Settings
from vending.synth import output
from vending.synth.app import all_stacks


def _validate(args: argparse.Namespace, settings: Settings) -> int:
    from vending.ops import terraform

    outdir = output.checked(Path(args.outdir) if args.outdir else settings.outdir)
    results = terraform.validate(outdir, args.stacks or None)
    for result in results:
        print(result.summary())
    return 0 if all(r.valid for r in results) else 1


def _scan(args: argparse.Namespace, settings: Settings) -> int:
    from vending.ops import scan

    try:
        result = scan.scan(Path(args.outdir) if args.outdir else settings.outdir)
    except scan.ScanError as error:
        print(f"scan: {error}", file=sys.stderr)
        return 1
    for line in result.lines():
        print(line)
    return 0 if result.ok else 1


def _priorities(args: argparse.Namespace, settings: Settings) -> int:
    config = load_config(settings.customers_dir)
    lock_path = settings.customers_dir / priorities.LOCK_FILE
    lock = priorities.read_lock(settings.customers_dir)
    if args.prune:
        pruned = priorities.prune(config, lock)
        removed = sorted(set(lock) - set(pruned))
        if removed:
            priorities.write_lock(settings.customers_dir, pruned)
        print(f"{lock_path}: removed {', '.join(removed) if removed else 'nothing'}")
        return 0
    allocation = priorities.allocate(config, lock, str(lock_path))
    for name, number in sorted(allocation.priorities.items(), key=lambda item: item[1]):
        state = "new" if name in allocation.added else "locked"
        print(f"{number:>6}  {name}  ({state})")
    retired = sorted(set(allocation.lock) - set(allocation.priorities))
    for name in retired:
        print(f"{allocation.lock[name]:>6}  {name}  (retired: no longer on the shared listener; see --prune)")
    if args.check and allocation.changed(lock):
        print(f"{lock_path}: out of date; run `make synth` and commit it", file=sys.stderr)
        return 1
    return 0


def _customer(config: Config, stack: str, settings: Settings) -> Customer:
    """The environment of that name in the configuration, or a ConfigError naming the known ones."""
    try:
        return config.customer(stack)
    except KeyError:
        known = ", ".join(c.stack_name for c in config.customers)
        raise ConfigError([f"{stack}: no such environment in {settings.customers_dir} (known: {known})"]) from None


def _scaffold_app(args: argparse.Namespace, settings: Settings) -> int:
    from vending.model.config import HealthCheck, Instances
    from vending.ops import repository_kit

    instances, health_check = Instances(), HealthCheck()  # the defaults: 8080, /health
    if args.environment:
        customer = _customer(load_config(settings.customers_dir), args.environment, settings)
        instances, health_check = customer.instances, customer.health_check
    target = Path(args.directory)
    try:
        written = repository_kit.write(target, instances=instances, health_check=health_check, force=args.force)
    except repository_kit.KitError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        print("nothing was written", file=sys.stderr)
        return 1
    for path in written:
        print(path)
    print(f"{target}: application kit for port {instances.port}, health check {health_check.path}; see README.md")
    return 0


def _bake(args: argparse.Namespace, settings: Settings) -> int:
    from vending.ops import bake

    config = load_config(settings.customers_dir)
    customer = _customer(config, args.stack, settings)
    record_path = images.record_path(settings.images_dir, args.stack)

    def log(line: str) -> None:  # stdout carries only the export lines
        print(line, file=sys.stderr)

    try:
        record = bake.bake(
            platform=config.platform,
            customer=customer,
            commit=bake.commit_metadata(Path(args.repo), os.environ),
            build_number=args.build_number,
            images_dir=settings.images_dir,
            endpoint_url=settings.endpoint_url,
            log=log,
        )
    except (bake.BakeError, KeyboardInterrupt) as error:
        log(f"bake {args.stack}: {error or 'interrupted'}")
        log(f"nothing recorded: {record_path} {'is unchanged' if record_path.exists() else 'was not written'}")
        return 130 if isinstance(error, KeyboardInterrupt) else 1
    log(f"{record_path}: {record['ami_id']} recorded; synth uses it")
    for variable, key in (("AMI_ID", "ami_id"), ("AMI_NAME", "ami_name"), ("INSTANCE_NAME", "instance_name")):
        print(f"export {variable}={shlex.quote(record[key])}")
    return 0


def _build_number(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"must be a non-negative whole number (got {text!r})")
    return int(text)


EMULATOR_STATE = Path(".cache/emulator/emulator.json")
DEMO_DIR = Path(".demo")


def _local(args: argparse.Namespace, settings: Settings) -> int:
    from vending.local import emulator as local

    if args.action == "up":
        emulator, started = local.up(EMULATOR_STATE)
        print(
            f"emulator {'started' if started else 'already running'}: {emulator.url} (pid {emulator.pid})",
            file=sys.stderr,
        )
        for name, value in emulator.environment(os.environ.get("AWS_REGION", "eu-west-1")).items():
            print(f"export {name}={shlex.quote(value)}")
        return 0
    if args.action == "down":
        stopped = local.down(EMULATOR_STATE)
        print(f"emulator stopped (pid {stopped.pid})" if stopped else "no emulator was running", file=sys.stderr)
        return 0
    emulator = local.running(EMULATOR_STATE)
    print(f"emulator running: {emulator.url} (pid {emulator.pid})" if emulator else "emulator not running")
    return 0 if emulator else 3


def _bootstrap(args: argparse.Namespace, settings: Settings) -> int:
    import boto3

    from vending.ops.bootstrap import BootstrapError, bootstrap

    config = load_config(settings.customers_dir)
    try:
        steps = bootstrap(config.platform, boto3.session.Session())
    except BootstrapError as error:
        print(f"bootstrap: {error}", file=sys.stderr)
        return 1
    for what, changed in steps:
        print(f"{'changed ' if changed else 'ok      '} {what}")
    changes = sum(changed for _, changed in steps)
    print(f"state backend ready: {changes} change(s)" if changes else "state backend ready: nothing to change")
    return 0


def _deploy(args: argparse.Namespace, settings: Settings) -> int:
    """``cdktf deploy`` of the named stacks, with VENDING_STACKS set so that synth builds only them."""
    from vending.ops import terraform
    from vending.synth.app import prepare

    prepare(dataclasses.replace(settings, stacks=tuple(args.stacks)))  # unknown stacks and bad config stop here
    command = ["npx", "--no-install", "cdktf", "deploy", *args.stacks]
    if args.auto_approve:
        command.append("--auto-approve")
    sys.stdout.flush()
    os.execvpe(command[0], command, terraform.environment({**os.environ, "VENDING_STACKS": ",".join(args.stacks)}))
    return 0  # not reached: cdktf takes over this process


def _demo(args: argparse.Namespace, settings: Settings) -> int:
    from vending.local import demo
    from vending.local import emulator as local

    if args.down:
        stopped = local.down(demo.Demo(DEMO_DIR).state_file)
        shutil.rmtree(DEMO_DIR, ignore_errors=True)
        print(
            f"demo emulator stopped (pid {stopped.pid}); {DEMO_DIR} removed"
            if stopped
            else f"no demo emulator was running; {DEMO_DIR} removed"
        )
        return 0
    return demo.run(DEMO_DIR)


def _stacks(names: list[str], known: list[str]) -> list[str]:
    unknown = [name for name in names if name not in known]
    if unknown:
        raise ConfigError([f"{name}: no such stack (known: {', '.join(known)})" for name in unknown])
    return [name for name in known if name in names]


def _selected(names: list[str], settings: Settings) -> list[str]:
    """The stacks named, checked, or every stack when none is."""
    known = all_stacks(load_config(settings.customers_dir))
    return _stacks(names, known) if names else known


def _synthesized(args: argparse.Namespace, settings: Settings, stacks: list[str]) -> Path:
    """The output to plan: ``--outdir`` as it is, or a fresh synth of ``stacks``."""
    if args.outdir:
        return output.checked(Path(args.outdir))
    if stacks:
        from vending.synth.app import synthesize

        synthesize(dataclasses.replace(settings, stacks=tuple(stacks)))
    return settings.outdir


def _emit(text: str, out: str | None) -> None:
    if out:
        Path(out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


def _affected(args: argparse.Namespace, settings: Settings) -> tuple[list[str], list[str]]:
    """The stacks changes since ``args.base`` touch, and the stacks of removed environments."""
    from vending.review import affected

    known = all_stacks(load_config(settings.customers_dir))
    try:
        found = affected.from_git(
            Path.cwd(), args.base, known=known, customers_dir=settings.customers_dir, images_dir=settings.images_dir
        )
    except affected.GitError as error:
        raise ConfigError([str(error)]) from None
    for stack, path in found.reasons.items():
        print(f"{stack}: touched by {path}", file=sys.stderr)
    for name in found.removed:
        print(f"{name}: removed: its stacks are not planned (destroy them explicitly)", file=sys.stderr)
    return found.stacks, [stack for name in found.removed for stack in (name, naming.pipeline_stack(name))]


def _review(args: argparse.Namespace, settings: Settings) -> int:
    from vending.ops import terraform
    from vending.review import report as review
    from vending.review.report import code

    if args.synth_diff:
        from vending.review import synth_diff

        reviews, removed = synth_diff.compare(*(output.checked(Path(path)) for path in args.synth_diff))
        intro = (
            f"Synthesized configuration of {len(reviews)} stack(s) compared with the base; no plan was run, so"
            " replacements, drift and computed values are not shown."
        )
        report = review.render(
            reviews, title="Synth diff", intro=intro, actions=("create", "update", "delete"), removed=removed
        )
        _emit(report, args.out)
        return review.exit_status(reviews)

    removed: list[str] = []
    if args.base and not args.stacks:
        stacks, removed = _affected(args, settings)
        intro = f"Stacks touched by the changes since {code(args.base)}."
    else:
        stacks, intro = _selected(args.stacks, settings), ""
    outdir = _synthesized(args, settings, stacks)
    reviews = review.plan_stacks(outdir, stacks, terraform.environment(os.environ), jobs=args.jobs)

    full_plan = None
    if args.plans_dir:
        plans_dir = Path(args.plans_dir)
        plans_dir.mkdir(parents=True, exist_ok=True)
        for r in reviews:
            (plans_dir / f"{r.stack}.txt").write_text(r.text or r.error, encoding="utf-8")

        def full_plan(stack: str) -> str:
            where = code(str(plans_dir / f"{stack}.txt"))
            return f"{where} in the artifacts of [this workflow run]({args.plans_url})" if args.plans_url else where

    _emit(review.render(reviews, intro=intro, removed=removed, full_plan=full_plan), args.out)
    return review.exit_status(reviews)


def _affected_command(args: argparse.Namespace, settings: Settings) -> int:
    from vending.review.report import production

    stacks, _ = _affected(args, settings)
    for stack in stacks:
        if args.only is None or production(stack) == (args.only == "production"):
            print(stack)
    return 0


def _drift(args: argparse.Namespace, settings: Settings) -> int:
    from vending.ops import terraform
    from vending.review import drift

    stacks = _selected(args.stacks, settings)
    outdir = _synthesized(args, settings, stacks)
    reviews = drift.check(outdir, stacks, terraform.environment(os.environ), jobs=args.jobs)
    _emit(drift.markdown(reviews) if args.format == "markdown" else drift.text(reviews), args.out)
    return drift.exit_status(reviews)


def _jobs(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number ≥ 1 (got {text!r})")
    return int(text)


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m vending", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True, metavar="command")

    validate = commands.add_parser("validate", help="terraform validate the synthesized stacks")
    validate.add_argument("stacks", nargs="*", help="stack names (default: all in the output)")
    validate.add_argument("--outdir", help="synth output (default: CDKTF_OUTDIR or cdktf.out)")
    validate.set_defaults(handler=_validate)

    scan = commands.add_parser("scan", help="checkov over every synthesized stack, against scan-allowlist.yaml")
    scan.add_argument("outdir", nargs="?", help="synth output (default: CDKTF_OUTDIR or cdktf.out)")
    scan.set_defaults(handler=_scan)

    prio = commands.add_parser("priorities", help="show the shared-listener rule priorities")
    prio.add_argument("--check", action="store_true", help="exit 1 if priorities.lock needs an update")
    prio.add_argument("--prune", action="store_true", help="drop entries of environments that are gone")
    prio.set_defaults(handler=_priorities)

    kit = commands.add_parser("scaffold-app", help="write the files a customer repository needs for its pipeline")
    kit.add_argument("directory", help="where to write them (created if missing)")
    kit.add_argument("--environment", help="take the port and health-check path from this environment, e.g. acme-prod")
    kit.add_argument("--force", action="store_true", help="overwrite existing files")
    kit.set_defaults(handler=_scaffold_app)
    bake = commands.add_parser("bake", help="bake an environment's AMI with Packer and record it for synth")
    bake.add_argument("stack", metavar="<customer>-<env>", help="the environment, e.g. acme-prod")
    bake.add_argument("--repo", default=".", help="git repository whose HEAD commit the AMI describes (default: .)")
    bake.add_argument(
        "--build-number",
        type=_build_number,
        default=datetime.now(UTC).strftime("%Y%m%d%H%M%S"),
        help="part of the AMI and instance names (default: the UTC time, YYYYMMDDhhmmss)",
    )
    bake.set_defaults(handler=_bake)

    emulator = commands.add_parser("local", help="the local AWS emulator (moto on 127.0.0.1)")
    emulator.add_argument("action", choices=["up", "down", "status"])
    emulator.set_defaults(handler=_local)

    boot = commands.add_parser("bootstrap", help="create or check the state bucket (and lock table)")
    boot.set_defaults(handler=_bootstrap)

    deploy = commands.add_parser("deploy", help="cdktf deploy the named stacks, building only those")
    deploy.add_argument("stacks", nargs="+", metavar="stack", help="e.g. acme-prod acme-prod-pipeline")
    deploy.add_argument("--auto-approve", action="store_true", help="passed to cdktf deploy")
    deploy.set_defaults(handler=_deploy)

    demo = commands.add_parser("demo", help="the whole flow against the local emulator")
    demo.add_argument("--down", action="store_true", help="stop the demo's emulator and remove .demo/")
    demo.set_defaults(handler=_demo)

    outdir_help = "plan this synthesized output as it is (default: synthesize the stacks into CDKTF_OUTDIR)"
    review = commands.add_parser(
        "review", help="plan stacks and write one Markdown report (exit 0 no changes, 2 changes, 1 error)"
    )
    review.add_argument("stacks", nargs="*", metavar="STACK", help="stacks to plan (default: all, or see --base)")
    review.add_argument("--base", metavar="REF", help="plan only the stacks that changes since REF touch")
    review.add_argument("--out", metavar="FILE", help="write the report here (default: stdout)")
    review.add_argument("--jobs", type=_jobs, default=2, metavar="N", help="stacks planned at once (default: 2)")
    review.add_argument("--outdir", help=outdir_help)
    review.add_argument("--plans-dir", metavar="DIR", help="also write each stack's full plan text to DIR/<stack>.txt")
    review.add_argument("--plans-url", metavar="URL", help="where readers find --plans-dir (e.g. the CI run)")
    review.add_argument(
        "--synth-diff",
        nargs=2,
        metavar=("BASE_OUT", "HEAD_OUT"),
        help="compare two synthesized outputs instead of planning (no credentials needed)",
    )
    review.set_defaults(handler=_review)

    touched = commands.add_parser("affected", help="list the stacks that changes since a git ref touch")
    touched.add_argument("--base", metavar="REF", required=True, help="e.g. origin/main")
    touched.add_argument(
        "--only", choices=["production", "other"], help="production stacks (and shared-alb) or the others"
    )
    touched.set_defaults(handler=_affected_command)

    drift = commands.add_parser("drift", help="refresh-only plans: what changed outside Terraform (exit 2 if anything)")
    drift.add_argument("stacks", nargs="*", metavar="STACK", help="stacks to check (default: all)")
    drift.add_argument("--format", choices=["markdown", "text"], default="text")
    drift.add_argument("--out", metavar="FILE", help="write the report here (default: stdout)")
    drift.add_argument("--jobs", type=_jobs, default=2, metavar="N", help="stacks checked at once (default: 2)")
    drift.add_argument("--outdir", help=outdir_help)
    drift.set_defaults(handler=_drift)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.handler(args, Settings.from_environ(os.environ))
    except ConfigError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
