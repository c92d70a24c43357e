"""``vending review`` (plan review, or the synth diff), ``affected`` and ``drift``."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import re
import sys
from pathlib import Path

from vending.cli.common import count, emit, stacks
from vending.errors import ConfigError
from vending.settings import Settings
from vending.synth import output


def _synthesized(args: argparse.Namespace, settings: Settings, names: list[str]) -> Path:
    """The output to plan: ``--outdir`` as it is, or a fresh synth of ``names``."""
    if args.outdir:
        return output.checked(Path(args.outdir))
    if names:
        from vending.synth.app import synthesize

        synthesize(dataclasses.replace(settings, stacks=tuple(names)))
    return settings.outdir


def affected_stacks(base: str, settings: Settings, *, paths_only: bool = False):
    """The stacks changes since ``base`` touch (an Affected): by the paths changed, then, unless
    ``paths_only``, only those whose synthesized output changed too. Why, said on stderr."""
    from vending.review import affected
    from vending.synth.app import known_stacks

    known = known_stacks(settings)
    dirs = {"customers_dir": settings.customers_dir, "images_dir": settings.images_dir}
    unchanged: dict[str, str] = {}
    try:
        found = affected.from_git(Path.cwd(), base, known=known, **dirs)
        if not paths_only:
            found, unchanged = affected.by_output(Path.cwd(), base, found, cache=settings.synth_cache, **dirs)
    except affected.GitError as error:
        raise ConfigError([str(error)]) from None
    for stack, path in found.reasons.items():
        print(f"{stack}: touched by {path}", file=sys.stderr)
    for stack, path in unchanged.items():
        print(f"{stack}: touched by {path}, but its synthesized output is the same: not planned", file=sys.stderr)
    for name in found.removed:
        print(f"{name}: retiring: no longer defined; planned for destruction once merged", file=sys.stderr)
    return found


def chosen(
    args: argparse.Namespace, settings: Settings, *, paths_only: bool = False
) -> tuple[list[str], list[str], str]:
    """The stacks to plan (those the changes since ``--base`` touch, else those named, else
    every one), the removed ones, and the report's intro that says which."""
    from vending.review import report

    if args.base and not args.stacks:
        found = affected_stacks(args.base, settings, paths_only=paths_only)
        return found.stacks, found.removed_stacks, f"Stacks touched by the changes since {report.code(args.base)}."
    return stacks(settings, args.stacks), [], ""


def _review(args: argparse.Namespace, settings: Settings) -> int:
    from vending.ops import preflight, progress, terraform
    from vending.review import model, report, synth_diff

    plans = {
        "plans_dir": Path(args.plans_dir) if args.plans_dir else None,
        "plans_url": args.plans_url,
        "commit": args.commit or "",
    }
    if args.synth_diff:
        base, head = (output.checked(Path(path)) for path in args.synth_diff)
        reviews, removed = synth_diff.compare(base, head)
        names = [r.stack for r in reviews]
        kind = {"title": "Synth diff", "intro": synth_diff.intro(len(reviews)), "actions": synth_diff.ACTIONS}
    else:
        names, removed, intro = chosen(args, settings, paths_only=args.paths_only)
        outdir = _synthesized(args, settings, names)
        refused, preflight_note = preflight.run(settings, names, enabled=not args.no_preflight)
        env = terraform.environment(os.environ)
        how = progress.mode(sys.stderr, quiet=args.quiet)
        reviews = model.plan_stacks(outdir, names, env, jobs=args.jobs, refused=refused, how=how)
        kind = {"intro": f"{intro} {preflight_note}".strip()}
    images = image_cautions(settings, names, args.base)
    emit(report.document(reviews, format=args.format, removed=removed, images=images, **kind, **plans), args.out)
    return _strictly(model.exit_status(reviews), report.image_cautions(reviews, images), args.strict)


def image_cautions(settings: Settings, names: list[str], base: str | None) -> dict[str, list[str]]:
    """What the review cautions about the images of these stacks' fleets, by stack (review.provenance)."""
    from vending.model.load import load_config
    from vending.review import provenance

    config = load_config(settings.customers_dir)
    return provenance.cautions(config, settings.images_dir, names, repo=Path.cwd(), base=base)


def _strictly(status: int, shown: list[str], strict: bool) -> int:
    if strict and shown:
        print(f"review --strict: {len(shown)} image caution(s), see the report", file=sys.stderr)
        return 1
    return status


def _affected_command(args: argparse.Namespace, settings: Settings) -> int:
    from vending.model.naming import production_stack

    if args.bake:
        found = _to_bake(args, settings)
    elif args.environments:
        raise ConfigError(["affected: environments are named only with --bake"])
    elif args.since_applied:
        from vending.delivery.pending import pending

        waiting = pending(settings)
        for stack in waiting.retiring:
            print(f"{stack.stack}: retiring: applied, and no longer in the configuration", file=sys.stderr)
        found = waiting.names
    elif args.base:
        found = affected_stacks(args.base, settings, paths_only=args.paths_only).stacks
    else:
        raise ConfigError(["affected: give --base REF, --since-applied or --bake"])
    found = [stack for stack in found if args.only is None or production_stack(stack) == (args.only == "production")]
    if args.format == "json":
        print(json.dumps(found))
    else:
        for stack in found:
            print(stack)
    return 0


def _to_bake(args: argparse.Namespace, settings: Settings) -> list[str]:
    """The environments to bake: those named, those whose image inputs changed since ``--base``,
    or every one that bakes (none whose ``image.ami_id`` pins an image)."""
    from vending.model.load import load_config
    from vending.review import affected

    config = load_config(settings.customers_dir)
    baking = [c.stack_name for c in config.customers if c.image.ami_id is None]
    if args.environments:
        known = {c.stack_name for c in config.customers}
        problems = [
            f"{name}: no such environment"
            if name not in known
            else f"{name}: image.ami_id pins its image: nothing to bake"
            for name in args.environments
            if name not in baking
        ]
        if problems:
            raise ConfigError(problems)
        return [name for name in baking if name in args.environments]
    if not args.base:
        return baking
    try:
        found = affected.image_changes(Path.cwd(), args.base, environments=baking, customers_dir=settings.customers_dir)
    except affected.GitError as error:
        raise ConfigError([str(error)]) from None
    for environment, path in found.items():
        print(f"{environment}: its image inputs changed ({path})", file=sys.stderr)
    return list(found)


def _drift(args: argparse.Namespace, settings: Settings) -> int:
    from vending.ops import progress, terraform
    from vending.review import drift

    names = stacks(settings, args.stacks)
    outdir = _synthesized(args, settings, names)
    how = progress.mode(sys.stderr, quiet=args.quiet)
    reviews = drift.check(outdir, names, terraform.environment(os.environ), jobs=args.jobs, how=how)
    emit(drift.markdown(reviews) if args.format == "markdown" else drift.text(reviews), args.out)
    if args.record:
        from vending.delivery import records

        records.keep_drift(output.sources(outdir, names), reviews)
    return drift.exit_status(reviews)


def _sha(text: str) -> str:
    if not re.fullmatch(r"[0-9a-f]{7,64}", text):
        raise argparse.ArgumentTypeError(f"must be a commit's hexadecimal id (got {text!r})")
    return text


PATHS_ONLY = "judge by the paths changed alone, without synthesizing the base and HEAD to compare"


def register(commands) -> None:
    outdir_help = "plan this synthesized output as it is (default: synthesize the stacks into CDKTF_OUTDIR)"
    review = commands.add_parser(
        "review", help="plan stacks and write one Markdown report (exit 0 no changes, 2 changes, 1 error)"
    )
    review.add_argument("stacks", nargs="*", metavar="STACK", help="stacks to plan (default: all, or see --base)")
    review.add_argument(
        "--base",
        metavar="REF",
        help="plan only the stacks that changes since REF touch; bake records must be of commits on REF",
    )
    review.add_argument("--paths-only", action="store_true", help=PATHS_ONLY)
    review.add_argument("--out", metavar="FILE", help="write the report here (default: stdout)")
    review.add_argument(
        "--format", choices=["markdown", "json"], default="markdown", help="a comment, or the same content as data"
    )
    review.add_argument("--jobs", type=count, default=2, metavar="N", help="stacks planned at once (default: 2)")
    review.add_argument("--quiet", action="store_true", help="no progress while it runs: its summary alone")
    review.add_argument(
        "--no-preflight",
        action="store_true",
        help="skip the live checks of what AWS would refuse (an emergency; the review says so)",
    )
    review.add_argument("--outdir", help=outdir_help)
    review.add_argument(
        "--plans-dir",
        metavar="DIR",
        help="also write each stack's plan to DIR/<stack>.txt, the whole report to DIR/review.md",
    )
    review.add_argument("--plans-url", metavar="URL", help="where readers find --plans-dir (e.g. the CI run)")
    review.add_argument(
        "--commit", type=_sha, metavar="SHA", help="the commit reviewed, named in the report (CI: the head's)"
    )
    review.add_argument(
        "--strict", action="store_true", help="exit 1 on an image caution (an unbaked production fleet, say)"
    )
    review.add_argument(
        "--synth-diff",
        nargs=2,
        metavar=("BASE_OUT", "HEAD_OUT"),
        help="compare two synthesized outputs instead of planning (no credentials needed)",
    )
    review.set_defaults(handler=_review)

    touched = commands.add_parser("affected", help="list the stacks that changes since a git ref touch")
    touched.add_argument(
        "environments", nargs="*", metavar="ENV", help="with --bake: these environments (checked that they bake)"
    )
    touched.add_argument("--base", metavar="REF", help="e.g. origin/main")
    touched.add_argument(
        "--bake", action="store_true", help="the environments to bake: whose image inputs changed since --base (or all)"
    )
    touched.add_argument("--format", choices=["lines", "json"], default="lines", help="one per line, or a JSON list")
    touched.add_argument(
        "--since-applied", action="store_true", help="the stacks not applied at this commit (failed, rejected, new)"
    )
    touched.add_argument("--paths-only", action="store_true", help=PATHS_ONLY)
    touched.add_argument(
        "--only", choices=["production", "other"], help="production stacks (and shared-alb) or the others"
    )
    touched.set_defaults(handler=_affected_command)

    drift = commands.add_parser("drift", help="refresh-only plans: what changed outside Terraform (exit 2 if anything)")
    drift.add_argument("stacks", nargs="*", metavar="STACK", help="stacks to check (default: all)")
    drift.add_argument("--format", choices=["markdown", "text"], default="text")
    drift.add_argument("--out", metavar="FILE", help="write the report here (default: stdout)")
    drift.add_argument("--jobs", type=count, default=2, metavar="N", help="stacks checked at once (default: 2)")
    drift.add_argument("--quiet", action="store_true", help="no progress while it runs: its summary alone")
    drift.add_argument("--outdir", help=outdir_help)
    drift.add_argument(
        "--no-record",
        dest="record",
        action="store_false",
        help="do not keep each stack's result beside its state (vending status reads it)",
    )
    drift.set_defaults(handler=_drift)
