"""``vending scan [OUTDIR]``: an independent security scan of every synthesized stack.

checkov (pinned, in its own virtualenv ``.checkov/``, installed by ``make setup``) reads each
``stacks/<name>/cdk.tf.json``. The scan fails on a finding that the reviewed allow-list
(``scan-allowlist.yaml``) does not cover, on an allow-list entry that covers nothing, on a
file checkov could not parse or did not scan, and when no check ran at all.

checkov names a resource in two ways: ``resource.<name>`` / ``data.<name>`` (single-resource
checks) and ``<type>.<name>`` (graph checks). Both are turned into ``<stack>/<type>.<name>``
(``<stack>/data.<type>.<name>`` for data sources), the form allow-list patterns match.
"""

from __future__ import annotations

import fnmatch
import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from vending.model.naming import production_stack
from vending.settings import PROJECT
from vending.synth import output

CHECKOV = PROJECT / ".checkov" / "bin" / "checkov"
ALLOWLIST = PROJECT / "scan-allowlist.yaml"
# terraform_json: with "terraform" checkov reads no *.tf.json and still succeeds;
# --skip-download: no policies from the network.
ENTRY_KEYS = {"check", "resource", "reason", "production"}
CHECKOV_ARGUMENTS = ["--framework", "terraform_json", "--skip-download", "--output", "json", "--compact"]


class ScanError(Exception):
    pass


@dataclass(frozen=True)
class Allowed:
    checks: tuple[str, ...]
    resource: str  # glob over <stack>/<type>.<name>
    reason: str
    production: bool | None = None  # only in production's stacks (True) or only outside them (False)

    def covers(self, finding: Finding) -> bool:
        return (
            finding.check in self.checks
            and any(fnmatch.fnmatchcase(i, self.resource) for i in finding.ids)
            and self.production in (None, production_stack(finding.stack))
        )


@dataclass(frozen=True)
class Finding:
    check: str
    title: str
    stack: str
    printed: str  # as checkov printed it
    address: str  # <type>.<name>, or data.<type>.<name>
    path: str  # the construct path, e.g. acme-prod/database/instance

    @property
    def ids(self) -> tuple[str, str]:
        return f"{self.stack}/{self.address}", f"{self.stack}/{self.printed}"

    def __str__(self) -> str:
        return f"{self.check} {self.path} ({self.stack}/{self.address}): {self.title}"


@dataclass
class Result:
    version: str = "?"
    passed: int = 0
    failed: list[Finding] = field(default_factory=list)  # not covered by the allow-list
    allowed: list[Finding] = field(default_factory=list)
    stale: list[Allowed] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # parse errors, unscanned stacks, no checks

    @property
    def ok(self) -> bool:
        return not (self.failed or self.stale or self.problems)

    def lines(self) -> list[str]:
        lines = [f"FAILED {finding}" for finding in self.failed]
        lines += [f"STALE allow-list entry {', '.join(a.checks)} {a.resource}: matches nothing" for a in self.stale]
        lines += [f"ERROR {problem}" for problem in self.problems]
        lines.append(
            f"checkov {self.version}: {self.passed} passed, {len(self.failed)} failed, {len(self.allowed)} allow-listed"
        )
        return lines


def load_allowlist(path: Path = ALLOWLIST) -> list[Allowed]:
    entries = yaml.safe_load(path.read_text()) or []
    allowed = []
    for number, entry in enumerate(entries, 1):
        if not isinstance(entry, dict) or not {"check", "resource", "reason"} <= set(entry) <= ENTRY_KEYS:
            raise ScanError(f"{path}: entry {number}: needs check, resource and reason (and may have production)")
        checks = entry["check"] if isinstance(entry["check"], list) else [entry["check"]]
        if not all(isinstance(c, str) and c for c in checks) or not str(entry["reason"]).strip():
            raise ScanError(f"{path}: entry {number}: check must name checks and reason must say why")
        if entry.get("production") not in (None, True, False):
            raise ScanError(f"{path}: entry {number}: production must be true or false")
        allowed.append(
            Allowed(tuple(checks), str(entry["resource"]), str(entry["reason"]).strip(), entry.get("production"))
        )
    return allowed


def _address(printed: str, stack: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """checkov's resource id → (<type>.<name> or data.<type>.<name>, its configuration)."""
    kind, name = printed.split(".", 1)
    for block, prefix in (("resource", ""), ("data", "data.")):
        for resource_type, named in (stack.get(block) or {}).items():
            if name in named and kind in (block, resource_type):  # resource.<name> or <type>.<name>
                return f"{prefix}{resource_type}.{name}", named[name]
    return printed, {}


def evaluate(report: Any, allowlist: list[Allowed], stacks: dict[str, dict[str, Any]]) -> Result:
    """Judge checkov's JSON report of ``stacks`` (name → synthesized configuration)."""
    report = report if isinstance(report, dict) else {"results": {}}  # one framework: one dict
    summary, results = report.get("summary", {}), report.get("results", {})
    result = Result(version=summary.get("checkov_version", "?"), passed=summary.get("passed", 0))
    scanned = set()
    for outcome in ("passed_checks", "failed_checks"):
        for item in results.get(outcome, []):
            stack = item["file_path"].strip("/").split("/")[0]
            scanned.add(stack)
            if outcome == "failed_checks":
                address, config = _address(item["resource"], stacks.get(stack, {}))
                path = config.get("//", {}).get("metadata", {}).get("path", f"{stack}/{address}")
                finding = Finding(item["check_id"], item.get("check_name", ""), stack, item["resource"], address, path)
                (result.allowed if any(a.covers(finding) for a in allowlist) else result.failed).append(finding)
    result.stale = [a for a in allowlist if not any(a.covers(f) for f in result.allowed)]
    result.problems += [f"{path}: checkov could not parse it" for path in results.get("parsing_errors", [])]
    if summary.get("parsing_errors") and not results.get("parsing_errors"):
        result.problems.append(f"checkov could not parse {summary['parsing_errors']} file(s)")
    result.problems += [f"stacks/{name}: no check ran on it" for name in sorted(set(stacks) - scanned)]
    if not result.passed and not (result.failed or result.allowed):
        result.problems.append("no check ran at all")
    return result


def run_checkov(stacks_dir: Path) -> Any:
    if not CHECKOV.is_file():
        raise ScanError(f"{CHECKOV}: checkov is not installed (run `make setup`)")
    done = subprocess.run(
        [str(CHECKOV), "-d", str(stacks_dir), *CHECKOV_ARGUMENTS], capture_output=True, text=True, check=False
    )
    try:
        return json.loads(done.stdout)
    except json.JSONDecodeError:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-10:])
        raise ScanError(f"checkov failed (exit {done.returncode}):\n{tail}") from None


def scan(outdir: Path, allowlist_path: Path = ALLOWLIST, *, stale: bool = True) -> Result:
    """Scan a synthesized output; ``stale=False`` for a platform that needs only some of the
    allow-list (the list is judged stale against the samples, which need all of it)."""
    outdir = output.checked(outdir)
    result = evaluate(run_checkov(outdir / "stacks"), load_allowlist(allowlist_path), output.synthesized(outdir))
    if not stale:
        result.stale = []
    return result
