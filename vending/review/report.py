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
import sys
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from vending.model.naming import (
    PIPELINE_SUFFIX,
    PRODUCTION,
    stack_environment,
)
from vending.review import plans
from vending.review.model import (
    ACTIONS,
    PREFLIGHT,
    PREVENTED,
    StackReview,
    stateful,
)
from vending.review.plans import ResourceChange, Shown

MARKER = "<!-- vending-plan-review -->"  # finds the one comment to update on a pull request
COMMIT = "<!-- vending-plan-review-commit: {} -->"  # which commit it reviews: an older run leaves a newer one be
COMMENT_LIMIT = 65_536  # GitHub's maximum comment length, in characters
HEADINGS = {"create": "add", "update": "change", "replace": "replace", "delete": "destroy"}
SYMBOLS = {"create": "+", "update": "~", "replace": "-/+", "delete": "-"}
REASONS = {
    "replace_because_tainted": "tainted",
    "replace_by_request": "replacement requested",
    "delete_because_no_resource_config": "no longer in the configuration",
    "delete_because_no_module": "its module is gone",
    "delete_because_count_index": "count shrank",
    "delete_because_each_key": "for_each key gone",
}
MAX_PATHS = 12  # attribute paths listed per resource
MAX_VALUE = 80  # characters of one shown value


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


def image_cautions(reviews: list[StackReview], images: Mapping[str, list[str]] | None) -> list[str]:
    """The image cautions (review.provenance, by stack) of the stacks that change: an unchanged
    stack's plan applies nothing."""
    return [line for r in reviews if r.changes for line in (images or {}).get(r.stack, ())]


def _retiring(reviews: list[StackReview], retiring: Mapping[str, list[str]]) -> list[str]:
    """The stacks retired: what each destroys and what becomes of its data, loudly."""
    found = [r for r in reviews if r.stack in retiring]
    if not found:
        return []
    lines = [
        "> [!CAUTION]",
        "> **🗑️ Retiring**: no longer in the configuration; destroyed from what was last applied, pipelines first",
    ]
    for r in sorted(found, key=lambda r: (not r.stack.endswith(PIPELINE_SUFFIX), r.stack)):
        if r.error:
            what = "**not destroyed**: " + r.error.strip().splitlines()[-1]
        else:
            what = "; ".join([f"{r.count('delete'):,} resource(s) destroyed", *retiring[r.stack]])
        approval = " (production: needs approval)" if r.production and r.changes else ""
        lines.append(f"> - {code(r.stack)}{approval}: {what}")
    return [*lines, ""]


def _warnings(reviews: list[StackReview], removed: list[str], images: list[str] = ()) -> list[str]:
    lines = []
    refused = [(r.stack, line) for r in reviews if r.error.startswith(PREFLIGHT) for line in r.error.splitlines()[1:]]
    if refused:
        lines += ["> [!CAUTION]", "> **⛔ Preflight: AWS would refuse these** (the stacks are not planned)"]
        lines += [f"> - {code(stack)}: {line}" for stack, line in refused] + [""]
    if images:
        lines += ["> [!CAUTION]", "> **⚠️ Image provenance**", *(f"> - {line}" for line in images), ""]
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
            "> [!CAUTION]",
            f"> **🗑️ Retiring**: {', '.join(code(s) for s in removed)}: no longer defined. Once merged, `vending"
            " plan --since-applied` plans their destruction from what was last applied (production first needs"
            " `retire: true` applied)",
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


UNCHANGED_NAMES_MAX = 50  # unchanged stacks named in a folded list; past that, counted only
FOOTER_ROOM = 2_000  # characters kept for the notes that end a cut report


def _production_first(reviews: list[StackReview]) -> list[StackReview]:
    return sorted(reviews, key=lambda r: not r.production)  # stable: the platform's order within each


def listed(review: StackReview) -> bool:
    """Whether a stack has anything to show: changes, an error, drift or a note (new, waiting)."""
    return bool(review.changes or review.error or review.drift or review.note)


def blast_radius(reviews: list[StackReview]) -> str:
    """Who a change reaches: customers and environments, how many in production, the platform."""
    changing = [r for r in reviews if r.changes]
    if not changing:
        return "**Blast radius**: none: no stack changes."
    environments = {r.stack.removesuffix(PIPELINE_SUFFIX) for r in changing if r.environment != "platform"}
    customers = {stack.rsplit("-", 1)[0] for stack in environments}
    production = sum(stack_environment(stack) == PRODUCTION for stack in environments)
    parts = [
        f"{len(customers):,} customer(s)",
        f"{len(environments):,} environment(s), {production:,} of them production",
    ]
    shards = [r.stack for r in changing if r.environment == "platform"]
    if shards:
        parts.append(f"and the platform ({', '.join(map(code, shards))}, which production runs behind)")
    actions = ", ".join(f"{sum(r.count(a) for r in changing):,} to {HEADINGS[a]}" for a in ACTIONS)
    return f"**Blast radius**: {', '.join(parts)} · {actions}"


def _table(reviews: list[StackReview], actions: tuple[str, ...]) -> list[str]:
    lines = ["| stack | environment | " + " | ".join(HEADINGS[a] for a in actions) + " | |"]
    lines.append("|---|---|" + "---:|" * len(actions) + "---|")
    for r in reviews:
        counts = [str(r.count(a)) if r.changes else "–" for a in actions]
        lines.append(f"| {code(r.stack)} | {r.environment} | " + " | ".join(counts) + f" | {_status(r)} |")
    return lines


def _grouped(reviews: list[StackReview], actions: tuple[str, ...], room: int, full_report: str) -> list[str]:
    """The stacks of the table in fewer characters: one line per status and count of changes,
    naming its stacks; names past ``room`` are counted, and the full report has them."""
    groups: dict[str, list[str]] = {}
    for r in reviews:
        counts = " / ".join(f"{r.count(a)} {HEADINGS[a]}" for a in actions) if r.changes else ""
        groups.setdefault(f"{_status(r)}" + (f" ({counts})" if counts else ""), []).append(r.stack)
    lines, used = [], 0
    for heading, stacks in groups.items():
        names, left = [], len(stacks)
        for stack in stacks:
            if used + len(stack) + 4 > room:
                break
            names.append(code(stack))
            used += len(stack) + 4
            left -= 1
        more = f", … and {left:,} more ({full_report})" if left else ""
        lines.append(f"- {heading}, {len(stacks):,} stack(s): {', '.join(names)}{more}")
    return lines


def _unchanged(reviews: list[StackReview]) -> list[str]:
    if not reviews:
        return []
    if len(reviews) > UNCHANGED_NAMES_MAX:
        return ["", f"{len(reviews):,} stacks unchanged."]
    names = ", ".join(code(r.stack) for r in reviews)
    return ["", f"<details><summary>{len(reviews):,} stack(s) unchanged</summary>", "", names, "", "</details>"]


def _section(r: StackReview, actions: tuple[str, ...]) -> str:
    lines = ["", f"### {code(r.stack)} · {r.environment}" + (" · ⚠️ needs approval" if r.needs_approval else "")]
    if r.error:
        lines += ["", "**❌ Error**", "", fenced(r.error[-3000:])]
    lines += _changes(r.changes, actions)
    if r.drift:
        lines += ["", f"**Changed outside Terraform** ({len(r.drift)}), found while refreshing:", ""]
        lines += drift_lines(r.drift)
    if r.note and not (r.changes or r.error or r.drift):
        lines += ["", r.note]
    return "\n".join(lines)


def render(
    reviews: list[StackReview],
    *,
    title: str = "Plan review",
    intro: str = "",
    actions: tuple[str, ...] = ACTIONS,
    removed: list[str] = (),
    limit: int = COMMENT_LIMIT,
    full_plan: Callable[[str], str] | None = None,
    full_report: str = "`vending review` writes it whole",
    commit: str = "",
    images: Mapping[str, list[str]] | None = None,
    retiring: Mapping[str, list[str]] | None = None,
) -> str:
    """The report, at most ``limit`` characters, whatever the platform's size.

    First the summary: how many stacks change, the blast radius, the cautions and approvals,
    the table of the stacks that change (production first) and the count of those that do not;
    that always fits (past its room, the table lists its stacks more tersely). Then each changed
    stack's detail, as many as fit, and their plan texts cut to share what is left, each cut
    saying where the whole is (``full_plan(stack)``; ``full_report`` for the whole report).
    With ``commit``, the report says which commit it reviews, and so does a hidden line
    (``COMMIT``) that CI reads back. ``images``: cautions about the fleets' images,
    by stack (review.provenance), shown for the stacks that change. ``retiring``: the stacks
    retired, with what becomes of their data; they open the report."""
    full_plan = full_plan or (lambda stack: f"`vending review {stack}` prints it")
    shown = _production_first([r for r in reviews if listed(r)])
    changing = [r for r in reviews if r.changes]
    head = [MARKER, f"## {title}: {len(changing):,} of {len(reviews):,} stacks change", "", blast_radius(reviews), ""]
    if commit:
        head[1:1] = [COMMIT.format(commit)]
        intro = f"At commit {code(commit)}. {intro}".strip()
    if intro:
        head += [intro, ""]
    head += _retiring(reviews, retiring or {})
    head += _warnings(reviews, list(removed), image_cautions(reviews, images))
    table = (
        _table(shown, actions)
        if shown
        else ["Nothing to plan: no stack is touched." if not reviews else "No stack changes."]
    )
    tail = _unchanged([r for r in reviews if not listed(r)])
    room = limit - FOOTER_ROOM - len("\n".join(head + tail))
    if len("\n".join(table)) > room:
        table = _grouped(shown, actions, room - 2_000, full_report)  # the group headings take the rest
    body = "\n".join(head + table + tail) + "\n"

    sections = [(r, _section(r, actions)) for r in shown if r.changes or r.error or r.drift]
    included, left_out = [], []
    for r, section in sections:
        room = limit - FOOTER_ROOM - len(body) - 1
        if not left_out and len(section) <= room:
            body += section + "\n"
            included.append(r)
        elif not left_out and room >= FOOTER_ROOM:  # the first that does not fit: as much as fits
            cut = section[: section.rfind("\n", 0, room - 300)]
            shown_resources, total = cut.count("\n- "), section.count("\n- ")
            body += (
                f"{cut}\n\n✂️ **Cut**: {shown_resources:,} of {total:,} resources shown. Full report: {full_report}.\n"
            )
            left_out.append(None)  # nothing after it fits
        else:
            left_out.append(r.stack)
    left_out = [stack for stack in left_out if stack is not None]

    def cut_note(stack: str, shown_chars: int, total: int) -> str:
        return f"\n✂️ **Cut**: {shown_chars:,} of {total:,} characters shown. Full plan: {full_plan(stack)}.\n"

    texts = [(r, diff_view(r.text)) for r in included if r.changes and r.text]
    overhead = sum(len(_details(r, "", cut_note(r.stack, 10**6, 10**6))) for r, _ in texts)
    footer = ""
    if left_out:
        names = ", ".join(code(s) for s in left_out[:20]) + (
            f", … and {len(left_out) - 20:,} more" if len(left_out) > 20 else ""
        )
        footer = (
            f"\n✂️ **{len(left_out):,} stack(s) not detailed here**, to fit a comment: {names}."
            f" Full report: {full_report}.\n"
        )
    budget = limit - len(body) - overhead - len(footer) - 16
    plan_texts = []
    for (r, text), share in zip(texts, _share([len(t) for _, t in texts], budget), strict=True):
        if share >= len(text):
            plan_texts.append(_details(r, text, ""))
        elif share > 0:
            cut = text[: text.rfind("\n", 0, share) + 1 or share].rstrip("\n")
            plan_texts.append(_details(r, cut, cut_note(r.stack, len(cut), len(text))))
        else:
            plan_texts.append(
                f"\n✂️ Plan text of {code(r.stack)} left out: no room in a comment. Full plan: {full_plan(r.stack)}.\n"
            )
    body += "".join(text + "\n" for text in plan_texts) + footer
    if len(body) > limit:  # only when the summary alone is too long: cut it too, visibly
        note = f"\n\n✂️ **Report cut** here to fit a comment ({limit:,} characters). Full report: {full_report}.\n"
        body = body[: body.rfind("\n", 0, limit - len(note))] + note
    return body


def document(
    reviews: list[StackReview],
    *,
    format: str = "markdown",
    title: str = "Plan review",
    intro: str = "",
    actions: tuple[str, ...] = ACTIONS,
    removed: list[str] = (),
    plans_dir: Path | None = None,
    plans_url: str | None = None,
    commit: str = "",
    images: Mapping[str, list[str]] | None = None,
) -> str:
    """The report as a comment (Markdown) or as data (JSON). With ``plans_dir``, each stack's
    plan and the whole report, uncut, are written there too, and the comment points to them
    (in the artifacts of the CI run at ``plans_url``)."""
    if format == "json":
        found = as_data(reviews, title=title, removed=removed, images=images) | ({"commit": commit} if commit else {})
        return json.dumps(found, indent=2, ensure_ascii=False) + "\n"
    kind = {
        "title": title,
        "intro": intro,
        "actions": actions,
        "removed": list(removed),
        "commit": commit,
        "images": images,
    }
    if plans_dir is None:
        return render(reviews, **kind)
    full_plan = write_plan_texts(reviews, plans_dir, plans_url)
    whole = plans_dir / "review.md"
    whole.write_text(render(reviews, **kind, limit=sys.maxsize, full_plan=full_plan), encoding="utf-8")
    where = code(str(whole))
    full_report = f"{where} in the artifacts of [this workflow run]({plans_url})" if plans_url else where
    text = render(reviews, **kind, full_plan=full_plan, full_report=full_report)
    link = f"\nThe whole report, and each stack's plan: {full_report}.\n"
    return text + link if len(text) + len(link) <= COMMENT_LIMIT else text


def as_data(
    reviews: list[StackReview],
    *,
    title: str = "Plan review",
    removed: list[str] = (),
    images: Mapping[str, list[str]] | None = None,
    retiring: Mapping[str, list[str]] | None = None,
) -> dict:
    """What the report says, as data (``vending review --format json``)."""

    def change(c: ResourceChange) -> dict:
        return {
            "address": c.address,
            "type": c.type,
            "action": c.action,
            "attributes": [{"path": p, "before": b, "after": a} for p, b, a in c.values],
            "replaced_because": list(c.replaced_because),
            "reason": c.reason,
            "stateful": stateful(c),
        }

    return {
        "title": title,
        "stacks": len(reviews),
        "changing": sum(bool(r.changes) for r in reviews),
        "blast_radius": blast_radius(reviews).removeprefix("**Blast radius**: "),
        "cautions": [
            {"stack": r.stack, "address": c.address, "action": c.action}
            for r in reviews
            for c in r.changes
            if stateful(c)
        ],
        "needs_approval": [r.stack for r in reviews if r.needs_approval],
        "image_cautions": image_cautions(reviews, images),
        "retiring": dict(retiring or {}),
        "removed": list(removed),
        "results": [
            {
                "stack": r.stack,
                "environment": r.environment,
                "production": r.production,
                "status": "error" if r.error else "changes" if r.changes else "no changes",
                "note": r.note,
                "error": r.error,
                "counts": {a: r.count(a) for a in ACTIONS},
                "changes": [change(c) for c in r.changes],
                "drift": [change(c) for c in r.drift],
            }
            for r in reviews
        ],
    }
