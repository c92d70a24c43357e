"""``vending plan``, ``vending apply``, ``vending unlock`` and ``vending retired``: the reviewed plans, applied as
reviewed, and what retired environments leave."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from pathlib import Path

from vending.cli.common import count, emit
from vending.delivery.waves import JOB_SELECTIONS
from vending.errors import ConfigError
from vending.settings import Settings


def _plan(args: argparse.Namespace, settings: Settings) -> int:
    from vending.cli.review import chosen, image_cautions
    from vending.delivery import plan, waves
    from vending.ops import preflight, progress, terraform
    from vending.synth.app import synthesize

    if not (args.out or args.matrix):
        raise ConfigError(["vending plan: --out DIR is required (where the plans go)"])
    if args.merge:
        reviews = plan.merge([Path(part) for part in args.merge], Path(args.out))
        return _planned(reviews, args.out)
    if args.since_applied:
        from vending.delivery.pending import pending

        waiting = pending(settings)
        names, removed, intro = waiting.names, [], "Stacks not applied at this commit yet."
        retiring = waiting.retiring
    else:
        (names, removed, intro), retiring = chosen(args, settings), []
    names = [*names, *[s for s in args.destroy if s not in names]]
    if args.matrix:
        found = waves.shards(len(names), stacks_per_shard=args.stacks_per_shard, max_shards=args.max_shards)
        print(json.dumps({"stacks": len(names), "shard": found}))
        return 0
    if args.shard:
        names = list(waves.shard(sorted(names), *args.shard))
    if names and not args.since_applied:  # pending() synthesized every stack already
        synthesize(dataclasses.replace(settings, stacks=tuple(names)))
    commit = plan.commit_of(Path.cwd())
    # A bake record must be of a commit in this history (outside a repository, nothing to check).
    images = image_cautions(settings, names, "HEAD" if commit != "unknown" else None)
    refused, preflight_note = preflight.run(settings, names, enabled=not args.no_preflight)
    env = terraform.environment(os.environ)
    reviews = plan.plan(
        settings.outdir,
        names,
        Path(args.out),
        env,
        commit=commit,
        destroy=args.destroy,
        jobs=args.jobs,
        intro=f"{intro} {preflight_note}".strip(),
        removed=removed,
        shard="/".join(map(str, args.shard)) if args.shard else None,
        images=images,
        refused=refused,
        retiring=retiring,
        how=progress.mode(sys.stderr, quiet=args.quiet),
    )
    return _planned(reviews, args.out, quiet=args.quiet)


def _planned(reviews, out: str, *, quiet: bool = False) -> int:
    from vending.review import model

    for review in reviews:
        if quiet and not review.error:
            continue
        status = "error" if review.error else review.note or ("changes" if review.changes else "no changes")
        print(f"{review.stack}: {status}", file=sys.stderr)
        if review.error:
            print("\n".join(f"  {line}" for line in review.error.splitlines()), file=sys.stderr)
    print(f"{out}: {len(reviews)} stack(s) planned; review: {Path(out) / 'review.md'}", file=sys.stderr)
    return model.exit_status(reviews)


def _shard(text: str) -> tuple[int, int]:
    index, _, total = text.partition("/")
    if not (index.isdecimal() and total.isdecimal() and 1 <= int(index) <= int(total)):
        raise argparse.ArgumentTypeError(f"must be I/N with 1 ≤ I ≤ N (got {text!r})")
    return int(index), int(total)


def _apply(args: argparse.Namespace, settings: Settings) -> int:
    from vending.delivery import apply, plan
    from vending.ops import progress, terraform

    out = Path(args.dir)
    if args.matrix:
        found = apply.matrix(plan.read(out), stacks_per_shard=args.stacks_per_shard, max_shards=args.max_shards)
        print(json.dumps(found))
        return 0
    if args.job and (args.wave or args.only):
        raise ConfigError(
            ["vending apply: --job chooses the waves and stacks itself: give it without --wave or --only"]
        )
    results = apply.apply(
        out,
        terraform.environment(os.environ),
        wave=args.wave,
        shard=args.shard,
        which=args.only,
        job=args.job,
        jobs=args.jobs,
        say=(lambda line: None) if args.quiet else (lambda line: print(line, file=sys.stderr)),
        how=progress.mode(sys.stderr, quiet=args.quiet),
    )
    failed = [r.stack for r in results if not r.ok]
    if args.quiet:  # the summary said which failed; why, too
        for result in results:
            if not result.ok:
                print(result.message, file=sys.stderr)
    if failed:
        print(f"not applied: {', '.join(failed)}", file=sys.stderr)
        return 1
    print(f"applied {len(results)} stack(s)", file=sys.stderr)
    return 0


def _unlock(args: argparse.Namespace, settings: Settings) -> int:
    from vending.delivery import apply
    from vending.ops import terraform

    print(
        apply.unlock(
            args.stack,
            args.lock,
            Path(args.dir) if args.dir else None,
            settings.outdir,
            terraform.environment(os.environ),
        )
    )
    return 0


def _retired(args: argparse.Namespace, settings: Settings) -> int:
    import boto3

    from vending.delivery import leftovers
    from vending.model.load import load_config

    config = load_config(settings.customers_dir)
    ec2 = boto3.session.Session().client("ec2", region_name=config.platform.region)
    found, still = leftovers.find(settings, config, ec2)
    for environment in still:
        print(f"{environment}: still retiring (its stacks are not destroyed yet): left alone", file=sys.stderr)
    for leftover in found:
        for line in leftover.lines():
            print(f"{leftover.environment}: {line}", file=sys.stderr)
    if not args.apply:
        print(f"dry run: {len(found)} retired environment(s) leave something; nothing changed (--apply removes)")
        return 0
    leftovers.remove(settings, found, ec2, lambda line: print(line, file=sys.stderr))
    if args.out:
        emit(leftovers.pull_request_body(found) if found else "", args.out)
    print(f"{len(found)} retired environment(s) tidied")
    return 0


def register(commands) -> None:
    plan = commands.add_parser(
        "plan", help="plan stacks into saved plans to apply as reviewed (exit 0 no changes, 2 changes, 1 error)"
    )
    plan.add_argument("stacks", nargs="*", metavar="STACK", help="stacks to plan (default: all, or see --base)")
    plan.add_argument("--out", metavar="DIR", help="where the plans, their manifest and review go (a new directory)")
    plan.add_argument("--base", metavar="REF", help="plan the stacks that changes since REF touch")
    plan.add_argument("--since-applied", action="store_true", help="plan the stacks not applied at this commit yet")
    plan.add_argument("--destroy", nargs="+", default=[], metavar="STACK", help="plan these stacks' destruction")
    plan.add_argument("--jobs", type=count, default=2, metavar="N", help="stacks planned at once (default: 2)")
    plan.add_argument("--quiet", action="store_true", help="no progress while it runs: its summary alone")
    plan.add_argument(
        "--no-preflight",
        action="store_true",
        help="skip the live checks of what AWS would refuse (an emergency; the review says so)",
    )
    plan.add_argument("--shard", type=_shard, metavar="I/N", help="plan only the I-th of N even slices of the stacks")
    plan.add_argument("--merge", nargs="+", metavar="DIR", help="merge the shards planned into these DIRs into --out")
    plan.add_argument("--matrix", action="store_true", help="plan nothing: print the CI job matrix of the shards")
    plan.add_argument("--stacks-per-shard", type=count, default=100, metavar="N", help="with --matrix (default: 100)")
    plan.add_argument("--max-shards", type=count, default=20, metavar="N", help="with --matrix (default: 20)")
    plan.set_defaults(handler=_plan)

    apply = commands.add_parser("apply", help="apply the plans vending plan saved, in waves (exit 1 if a stack failed)")
    apply.add_argument("dir", metavar="DIR", help="what vending plan --out wrote")
    apply.add_argument("--wave", type=count, metavar="N", help="only wave N (shared-alb, environments, pipelines)")
    apply.add_argument("--shard", type=_shard, metavar="I/N", help="only the I-th of N even slices of each wave")
    apply.add_argument(
        "--only",
        choices=["unchanged", "production", "other"],
        help="the plans that change nothing (only recorded), the production ones that change (shared-alb is"
        " production's), or the other ones that change",
    )
    apply.add_argument(
        "--job", choices=list(JOB_SELECTIONS), help="the stacks of this CI job (see --matrix): its waves and --only"
    )
    apply.add_argument("--jobs", type=count, default=2, metavar="N", help="stacks applied at once (default: 2)")
    apply.add_argument("--matrix", action="store_true", help="print the CI job matrix of these plans as JSON")
    apply.add_argument("--quiet", action="store_true", help="no progress while it runs: its summary alone")
    apply.add_argument("--stacks-per-shard", type=count, default=20, metavar="N", help="with --matrix (default: 20)")
    apply.add_argument("--max-shards", type=count, default=20, metavar="N", help="with --matrix (default: 20)")
    apply.set_defaults(handler=_apply)

    retired = commands.add_parser(
        "retired",
        help="what retired environments leave: lock entries, bake records, AMIs (--apply removes them)",
    )
    retired.add_argument("--apply", action="store_true", help="remove them (the files' changes go in a pull request)")
    retired.add_argument("--out", metavar="FILE", help="with --apply: write the pull request's text here")
    retired.set_defaults(handler=_retired)

    unlock = commands.add_parser("unlock", help="release a stack's state lock that no run holds any more")
    unlock.add_argument("stack", metavar="STACK")
    unlock.add_argument("lock", metavar="LOCK_ID", help="as the error that found it held says")
    unlock.add_argument(
        "--dir", metavar="DIR", help="the plans the stack was planned in (default: its synthesized stack)"
    )
    unlock.set_defaults(handler=_unlock)
