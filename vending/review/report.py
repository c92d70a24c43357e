"""Plan review: one Markdown report across stacks, made to be a pull-request comment.

Each stack is initialised against its real backend and planned (in parallel, bounded); the
report reads ``terraform show -json``: a summary table, loud warnings first (stateful
resources destroyed or replaced, production changes that need approval), per stack the
resources by action with the attributes that change, changes made outside Terraform apart,
and the plan text folded away, cut so the comment fits GitHub's limit. Sensitive values are
never shown. Exit status as ``terraform plan -detailed-exitcode``: 0 no changes, 2 changes,
1 error.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vending.model.naming import PIPELINE_SUFFIX, production_stack, stack_environment
from vending.ops import terraform
from vending.review import plans
from vending.review.plans import ResourceChange, Shown
from vending.synth import output

MARKER = "<!-- vending-plan-review -->"  # finds the one comment to update on a pull request
COMMENT_LIMIT = 65_536  # GitHub's maximum comment length, in characters
ACTIONS = ("create", "update", "replace", "delete")
HEADINGS = {"create": "add", "update": "change", "replace": "replace", "delete": "destroy"}
SYMBOLS = {"create": "+", "update": "~", "replace": "-/+", "delete": "-"}
# Resources whose loss loses data (or the keys to it): destroying or replacing one is loud.
STATEFUL = (
    "aws_db_instance",
    "aws_rds_cluster",
    "aws_s3_bucket",  # and its settings (versioning, lifecycle, encryption …)
    "aws_kms_key",
    "aws_dynamodb_table",
    "aws_efs_file_system",
    "aws_ebs_volume",
    "aws_elasticache_",
    "aws_secretsmanager_secret",
    "aws_cloudwatch_log_group",
    "aws_ecr_repository",
)
REASONS = {
    "replace_because_tainted": "tainted",
    "replace_by_request": "replacement requested",
    "delete_because_no_resource_config": "no longer in the configuration",
    "delete_because_no_module": "its module is gone",
    "delete_because_count_index": "count shrank",
    "delete_because_each_key": "for_each key gone",
}
# Terraform's error when a plan would destroy a resource with lifecycle.prevent_destroy.
PREVENTED = re.compile(r"Resource\s+(\S+)\s+has\s+lifecycle\.prevent_destroy\s+set")
NO_STATE = "new stack"
WAITING = "⏳ planned once"
MAX_PATHS = 12  # attribute paths listed per resource
MAX_VALUE = 80  # characters of one shown value


def stateful(change: ResourceChange) -> bool:
    """Destroys or replaces data, or moves the stack's state (its backend changes)."""
    if change.type == "terraform":
        return any(path.startswith(("backend", "cloud")) for path in change.paths)
    return change.action in ("delete", "replace") and change.type.startswith(STATEFUL)


@dataclass(frozen=True)
class StackReview:
    stack: str
    changes: tuple[ResourceChange, ...] = ()
    drift: tuple[ResourceChange, ...] = ()  # changed outside Terraform, found while refreshing
    text: str = ""  # the plan as Terraform prints it
    error: str = ""
    note: str = ""  # why nothing was planned, e.g. no state yet

    @property
    def environment(self) -> str:
        return stack_environment(self.stack)

    @property
    def production(self) -> bool:
        return production_stack(self.stack)

    def count(self, action: str) -> int:
        return sum(change.action == action for change in self.changes)

    @property
    def needs_approval(self) -> bool:
        return self.production and bool(self.changes)


def from_plan(stack: str, plan: plans.Plan) -> StackReview:
    changes, drift = tuple(plans.resource_changes(plan.json)), tuple(plans.drift(plan.json))
    return StackReview(stack, changes, drift, plan.text, note="" if plans.has_state(plan.json) else NO_STATE)


def plan_stacks(
    outdir: Path, stacks: Iterable[str], env: dict[str, str], *, jobs: int = 2, refresh_only: bool = False
) -> list[StackReview]:
    """``terraform init`` and plan each stack of a synthesized output, ``jobs`` at a time."""
    stacks = list(stacks)
    manifest = output.stacks(outdir) if stacks else {}  # no stacks: maybe no outdir

    def one(stack: str) -> StackReview:
        if stack not in manifest:
            return StackReview(stack, error=f"{stack} is not in {outdir}: synthesize it first")
        directory = outdir / manifest[stack]["workingDirectory"]
        try:
            terraform.init(directory, env)
            return from_plan(stack, plans.run_plan(directory, env, refresh_only=refresh_only))
        except (RuntimeError, OSError, ValueError) as error:
            return StackReview(stack, error=str(error))

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        reviews = list(pool.map(one, stacks))
    return [_waiting(r, reviews) for r in reviews]


def _waiting(review: StackReview, reviews: list[StackReview]) -> StackReview:
    """A new environment's pipeline cannot be planned yet: its data sources look up the
    environment's autoscaling group and target group, which the environment stack creates."""
    environment_stack = review.stack.removesuffix(PIPELINE_SUFFIX)
    new = any(r.stack == environment_stack and r.note == NO_STATE for r in reviews)
    if review.error and review.stack.endswith(PIPELINE_SUFFIX) and new:
        return StackReview(review.stack, note=f"{WAITING} {environment_stack} is applied")
    return review


def write_plan_texts(reviews: list[StackReview], plans_dir: Path, url: str | None) -> Callable[[str], str]:
    """Write each stack's full plan (or error) to ``plans_dir/<stack>.txt``; return what the report
    says of where a plan is (in the artifacts of the CI run at ``url``, when given)."""
    plans_dir.mkdir(parents=True, exist_ok=True)
    for r in reviews:
        (plans_dir / f"{r.stack}.txt").write_text(r.text or r.error, encoding="utf-8")

    def full_plan(stack: str) -> str:
        where = code(str(plans_dir / f"{stack}.txt"))
        return f"{where} in the artifacts of [this workflow run]({url})" if url else where

    return full_plan


def exit_status(reviews: list[StackReview], found: Callable[[StackReview], Any] = lambda r: r.changes) -> int:
    """1 if a stack could not be planned, else 2 if any shows what ``found`` looks for, else 0."""
    if any(review.error for review in reviews):
        return 1
    return 2 if any(found(review) for review in reviews) else 0


# --- Markdown ------------------------------------------------------------------------------


def _longest_backtick_run(text: str) -> int:
    return max((len(run) for run in re.findall(r"`+", text)), default=0)


def code(text: str) -> str:
    """Inline code that survives backticks in ``text``."""
    ticks = "`" * (_longest_backtick_run(text) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def fenced(text: str, language: str = "") -> str:
    fence = "`" * max(3, _longest_backtick_run(text) + 1)
    return f"{fence}{language}\n{text}\n{fence}"


def plain(shown: Any) -> str:
    """A value as JSON, cut to MAX_VALUE characters; placeholders such as (sensitive) as they are."""
    if isinstance(shown, Shown):
        return shown
    text = json.dumps(shown, sort_keys=True, ensure_ascii=False)
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 1] + "…"


def value(shown: Any) -> str:
    return f"_{shown}_" if isinstance(shown, Shown) else code(plain(shown))


def _before_after(before: Any, after: Any) -> str:
    """``before → after``; for two lists, the items that go and come (a long list reads badly cut)."""
    if isinstance(before, list) and isinstance(after, list):
        items = [f"− {value(x)}" for x in before if x not in after] + [
            f"+ {value(x)}" for x in after if x not in before
        ]
        if items:
            return ", ".join(items[:6]) + (f", … {len(items) - 6} more" if len(items) > 6 else "")
    return f"{value(before)} → {value(after)}"


def resource_line(change: ResourceChange) -> str:
    """``address``, and for updates and replacements each changed attribute: before → after."""
    line = f"- {code(change.address)}"
    notes = [REASONS[change.reason]] if change.reason in REASONS else []
    if change.replaced_because:
        notes.append(f"{', '.join(code(p) for p in change.replaced_because)} forces replacement")
    known = [f"{code(p)}: {_before_after(b, a)}" for p, b, a in change.values if a is not plans.UNKNOWN]
    later = [code(p) for p, _, a in change.values if a is plans.UNKNOWN]
    details = known[:MAX_PATHS] + ([f"… {len(known) - MAX_PATHS} more"] if len(known) > MAX_PATHS else [])
    # A replacement's computed attributes are all new: only an update's unknowns tell something.
    if later and change.action == "update":
        details.append(f"known after apply: {', '.join(later[:MAX_PATHS])}" + (" …" if len(later) > MAX_PATHS else ""))
    if notes:
        line += f" ({'; '.join(notes)})"
    if details:
        line += "\n" + "\n".join(f"  - {d}" for d in details)
    return line


def drift_lines(changes: Iterable[ResourceChange]) -> list[str]:
    return [resource_line(c) + (" — **deleted** outside Terraform" if c.action == "delete" else "") for c in changes]


def _changes(changes: Iterable[ResourceChange], actions: tuple[str, ...]) -> list[str]:
    changes = list(changes)
    lines = []
    for action in actions:
        found = [c for c in changes if c.action == action]
        if found:
            lines += ["", f"**{SYMBOLS[action]} {HEADINGS[action]}** ({len(found)})", ""]
            lines += [resource_line(c) for c in found]
    others = [c for c in changes if c.action not in actions]
    if others:
        lines += ["", f"**other** ({len(others)})", ""] + [f"- {code(c.address)}: {c.action}" for c in others]
    return lines


def diff_view(text: str) -> str:
    """Plan text with each line's +, -, ~ or -/+ moved to the front, so GitHub colours it as a diff."""
    return re.sub(r"(?m)^( +)(-/\+|[-+~])(?= )", r"\2\1", text)


def _status(review: StackReview) -> str:
    if review.error:
        return "❌ error"
    if review.note and not review.changes:
        return review.note
    status = "⚠️ **needs approval**" if review.needs_approval else "changes" if review.changes else "no changes"
    return f"{status} · {review.note}" if review.note else status


def _warnings(reviews: list[StackReview], removed: list[str]) -> list[str]:
    lines = []
    loud = [(r.stack, c) for r in reviews for c in r.changes if stateful(c)]
    prevented = [(r.stack, address) for r in reviews for address in PREVENTED.findall(r.error)]
    if loud or prevented:
        lines += ["> [!CAUTION]", "> **⚠️ Stateful resources destroyed or replaced, or state moved: data may be lost**"]
        for stack, change in loud:
            forced = ", ".join(code(path) for path in change.replaced_because)
            why = f" ({forced} forces replacement)" if forced else ""
            lines.append(f"> - {code(stack)}: **{HEADINGS[change.action]}** {code(change.address)}{why}")
        for stack, address in prevented:
            lines.append(
                f"> - {code(stack)}: **destroy refused** {code(address)}: the plan would destroy or replace it,"
                " and `prevent_destroy` stops it (VENDING_ALLOW_DESTROY opts a stack in)"
            )
        lines.append("")
    approval = [r.stack for r in reviews if r.needs_approval]
    if approval:
        lines += [
            "> [!IMPORTANT]",
            f"> **⚠️ Needs approval**: changes to production in {', '.join(code(s) for s in approval)}",
            "",
        ]
    failed = [r.stack for r in reviews if r.error]
    if failed:
        lines += ["> [!WARNING]", f"> **❌ Not planned**: {', '.join(code(s) for s in failed)} (errors below)", ""]
    if removed:
        lines += [
            "> [!NOTE]",
            f"> **removed**: {', '.join(code(s) for s in removed)}: not planned (destroy them explicitly)",
            "",
        ]
    return lines


def _details(review: StackReview, text: str, cut_note: str) -> str:
    return "\n".join(
        ["", f"<details><summary>Plan text: {review.stack}</summary>", "", fenced(text, "diff"), cut_note, "</details>"]
    )


def _share(sizes: list[int], budget: int) -> list[int]:
    """Split ``budget`` characters over texts of ``sizes``: small ones whole, the rest evenly."""
    shares = [0] * len(sizes)
    for count, index in enumerate(sorted(range(len(sizes)), key=lambda i: sizes[i])):
        shares[index] = max(0, min(sizes[index], budget // (len(sizes) - count)))
        budget -= shares[index]
    return shares


def render(
    reviews: list[StackReview],
    *,
    title: str = "Plan review",
    intro: str = "",
    actions: tuple[str, ...] = ACTIONS,
    removed: list[str] = (),
    limit: int = COMMENT_LIMIT,
    full_plan: Callable[[str], str] | None = None,
) -> str:
    """The report, at most ``limit`` characters: plan texts are cut to fit, with a note that
    says where the whole plan is (``full_plan(stack)``, by default: how to print it)."""
    full_plan = full_plan or (lambda stack: f"`vending review {stack}` prints it")
    changing = [r for r in reviews if r.changes]
    head = [MARKER, f"## {title}: {len(changing)} of {len(reviews)} stacks change", ""]
    if intro:
        head += [intro, ""]
    head += _warnings(reviews, list(removed))
    columns = "| stack | environment | " + " | ".join(HEADINGS[a] for a in actions) + " | |"
    head += (
        [columns, "|---|---|" + "---:|" * len(actions) + "---|"]
        if reviews
        else ["Nothing to plan: no stack is touched."]
    )
    for r in reviews:
        counts = [str(r.count(a)) if r.changes else "–" for a in actions]
        head.append(f"| {code(r.stack)} | {r.environment} | " + " | ".join(counts) + f" | {_status(r)} |")

    sections, texts = [], []
    for r in reviews:
        if not (r.changes or r.drift or r.error):
            continue
        lines = ["", f"### {code(r.stack)} · {r.environment}" + (" · ⚠️ needs approval" if r.needs_approval else "")]
        if r.error:
            lines += ["", "**❌ Error**", "", fenced(r.error[-3000:])]
        lines += _changes(r.changes, actions)
        if r.drift:
            lines += ["", f"**Changed outside Terraform** ({len(r.drift)}), found while refreshing:", ""]
            lines += drift_lines(r.drift)
        sections.append("\n".join(lines))
        texts.append((r, diff_view(r.text) if r.changes and r.text else ""))

    def cut_note(stack: str, shown: int, total: int) -> str:
        return f"\n✂️ **Cut**: {shown:,} of {total:,} characters shown. Full plan: {full_plan(stack)}.\n"

    body = "\n".join(head) + "\n"
    # Room for the plan texts: what the limit leaves after everything else, wrappers and notes included.
    overhead = sum(len(_details(r, "", cut_note(r.stack, 10**6, 10**6))) for r, t in texts if t)
    budget = limit - len(body) - sum(len(s) + 1 for s in sections) - overhead - 16
    shares = _share([len(t) for _, t in texts], budget)
    for section, (r, text), share in zip(sections, texts, shares, strict=True):
        body += section + "\n"
        if not text:
            continue
        if share >= len(text):
            body += _details(r, text, "") + "\n"
        elif share > 0:
            shown = text[: text.rfind("\n", 0, share) + 1 or share].rstrip("\n")
            body += _details(r, shown, cut_note(r.stack, len(shown), len(text))) + "\n"
        else:
            body += f"\n✂️ Plan text left out: no room in a comment. Full plan: {full_plan(r.stack)}.\n"
    if len(body) > limit:  # the lists alone are too long: cut them too, visibly
        note = f"\n\n✂️ **Report cut** here to fit a comment ({limit:,} characters).\n"
        body = body[: body.rfind("\n", 0, limit - len(note))] + note
    return body
