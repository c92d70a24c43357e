"""``make bench-status``: ``vending status`` at fleet size on the local emulator, into
bench/STATUS.md (and status.json).

N environments are generated as ``make bench`` generates them (bench.generate: 500 make 1,001
stacks, with the shared load balancer), synthesized once into a filled synth cache, and every
stack gets the records an apply and a drift check keep (records.write, records.keep: the
project's own writers) in the emulator's state bucket; one in ten is left pending (an older
digest), one in fifty failed. Then, side by side, ``vending synth`` alone against the warm cache
and ``vending status --format json`` (the synth, then the records read), each in a fresh
process, --repeat times: medians, and the machine's load.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench import ROOT, generate  # bench/bench.py, beside this script

TARGET_SECONDS = 10.0  # at 1,001 stacks, on a 2-core machine


def seed(env: dict[str, str], outdir: Path) -> int:
    """Every synthesized stack's records, as apply and drift keep them; how many stacks."""
    import boto3

    from vending.delivery import records
    from vending.synth import output

    sources = output.sources(outdir)
    bucket = {
        records.state_key(json.loads(s)) and json.loads(s)["terraform"]["backend"]["s3"]["bucket"]
        for s in sources.values()
    }.pop()
    session = boto3.session.Session(region_name=env["AWS_DEFAULT_REGION"])
    s3 = session.client("s3", endpoint_url=env["AWS_ENDPOINT_URL"], config=None)
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": env["AWS_DEFAULT_REGION"]})

    def one(item: tuple[int, tuple[str, bytes]]) -> None:
        index, (stack, source) = item
        stack_json = json.loads(source)
        digest = "an older output" if index % 10 == 3 else records.digest(source)
        record = records.Record("a" * 40, "2026-12-08T10:00:00+00:00", "plan", digest)
        records.write(stack_json, record, source)
        attempt = records.Attempt("a" * 40, record.applied_at, index % 50 != 7, "Error: bench", digest)
        records.keep(stack_json, records.ATTEMPT_SUFFIX, attempt)
        check = records.DriftCheck(records.IN_SYNC)
        records.keep(stack_json, records.DRIFT_SUFFIX, check)

    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(one, enumerate(sorted(sources.items()))))
    return len(sources)


def timed(command: list[str], env: dict[str, str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return time.perf_counter() - started, done.stdout


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--environments", type=int, default=500, help="generated environments (500: 1,001 stacks)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", default=str(ROOT / "bench"), help="where STATUS.md and status.json go")
    args = parser.parse_args(argv)

    from vending.local import emulator

    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        customers = work / "customers"
        generate(customers, args.environments)
        running, _ = emulator.up(work / "emulator.json")
        try:
            env = {
                **os.environ,
                **running.environment("eu-west-1"),
                "CHECKPOINT_DISABLE": "1",
                "VENDING_CUSTOMERS_DIR": str(customers),
                "VENDING_IMAGES_DIR": str(work / "images"),
                "CDKTF_OUTDIR": str(work / "cdktf.out"),
                "VENDING_SYNTH_CACHE": str(work / "synth-cache"),
            }
            env.pop("VENDING_STACKS", None)
            os.environ.update({k: v for k, v in env.items() if k.startswith("AWS_")})
            filled, _ = timed([sys.executable, "-m", "vending", "synth"], env)
            stacks = seed(env, work / "cdktf.out")
            synth, status = [], []
            for _ in range(args.repeat):  # side by side: each pair under the same load
                synth.append(timed([sys.executable, "-m", "vending", "synth"], env)[0])
                seconds, text = timed([sys.executable, "-m", "vending", "status", "--format", "json"], env)
                status.append(seconds)
            fleet = json.loads(text)
        finally:
            emulator.down(work / "emulator.json")
    report = {
        "environments": args.environments,
        "stacks": stacks,
        "repeat": args.repeat,
        "cache_fill_seconds": round(filled, 2),
        "synth_warm_seconds": [round(s, 2) for s in synth],
        "status_seconds": [round(s, 2) for s in status],
        "synth_warm_median": round(statistics.median(synth), 2),
        "status_median": round(statistics.median(status), 2),
        "summary": fleet["summary"],
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "cores": len(os.sched_getaffinity(0)),
        "target_seconds": TARGET_SECONDS,
    }
    out = Path(args.out)
    (out / "status.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    (out / "STATUS.md").write_text(markdown(report), encoding="utf-8")
    print(markdown(report))
    return 0


def markdown(report: dict) -> str:
    reading = report["status_median"] - report["synth_warm_median"]
    verdict = "met" if report["status_median"] <= report["target_seconds"] else "not met"
    return "\n".join(
        [
            "# `vending status` at fleet size",
            "",
            f"{report['environments']:,} generated environments, {report['stacks']:,} stacks, each with the records"
            " an apply and a drift check keep, in the local emulator's state bucket. Each run is a fresh process;"
            f" {report['repeat']} pairs, side by side. `make bench-status` reproduces it.",
            "",
            "| | median (s) | runs (s) |",
            "|---|---:|---|",
            f"| `vending synth`, warm synth cache | {report['synth_warm_median']} |"
            f" {', '.join(map(str, report['synth_warm_seconds']))} |",
            f"| `vending status --format json` | {report['status_median']} |"
            f" {', '.join(map(str, report['status_seconds']))} |",
            "",
            "Reading the records (one listing, then the last attempt of each stack, 32 at a time; a drift check"
            " in sync is told by its ETag, unread) adds"
            f" about {reading:.1f} s to the warm synth. Target: ≤ {report['target_seconds']:g} s at 1,001 stacks:"
            f" {verdict} on this machine ({report['cores']} cores, load average"
            f" {', '.join(map(str, report['load_average']))} at the end).",
            "",
            "Summary of the generated fleet: " + ", ".join(f"{n} {s}" for s, n in report["summary"].items()) + ".",
            "",
        ]
    )


if __name__ == "__main__":
    sys.exit(main())
