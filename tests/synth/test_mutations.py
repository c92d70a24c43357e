"""The sample configuration, mutated at random (keys, types, values, YAML constructs): every
outcome is either a clean refusal, one line per problem naming the file, or a synth whose every
name is inside AWS's limits and whose every string Terraform reads as written."""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import SAMPLES, live_expressions, synthesize
from vending.errors import ConfigError
from vending.model import limits
from vending.model.naming import pipeline_stack

FILES = sorted(path.name for path in SAMPLES.glob("*.yaml"))
PAYLOADS = [
    '${file("/etc/hostname")}',
    "%{ if true }x%{ endif }",
    "ops+${path.cwd}@example.com",
    "$${escaped}",
    "a\nb",
    "🚀",
    "x" * 300,
    "",
    " ",
    "Acme",
    "internal",
    "sg",
    "../etc",
    "ami-0123456789abcdef0",
    "200-499",
]
# What a YAML file may hold in place of a value, written as YAML text.
RAW = [
    "!!int abc",
    "!!bool maybe",
    "!!timestamp x",
    "2024-02-30",
    "9" * 5000,
    "0x" + "f" * 5000,
    "[a, b]",
    "{a: 1}",
    "&anchor x",
    "*alias",
    "~",
    "yes",
    ".inf",
    "-1",
    "65537",
    "'${var.x}'",
    "!!binary aGVsbG8=",
]
values = st.one_of(
    st.sampled_from(PAYLOADS),
    st.text(alphabet="abc019 .:/=+-@_${}%\"'", min_size=1, max_size=30),  # near what a field takes
    st.integers(min_value=-(2**40), max_value=2**40),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=False),
    st.text(max_size=20),
    st.lists(st.sampled_from(PAYLOADS), max_size=3),
    st.dictionaries(st.sampled_from(PAYLOADS + ["name", "owner"]), st.sampled_from(PAYLOADS), max_size=3),
)
# Resources whose name AWS checks, the attribute and the rule.
NAMED = {
    "aws_lb": ("name", limits.alb_name),
    "aws_lb_target_group": ("name", limits.alb_name),
    "aws_security_group": ("name", limits.security_group_name),
    "aws_s3_bucket": ("bucket", limits.s3_bucket),
    "aws_db_instance": ("identifier", limits.rds_identifier),
    "aws_codebuild_project": ("name", limits.codebuild_project),
    "aws_iam_role": ("name", lambda v: None if 1 <= len(v) <= limits.IAM_ROLE_MAX else "too long"),
}
PROBLEM = re.compile(r"(\S+/[^/:]+\.(?:yaml|lock|json)|[A-Z_]+): .+")


def paths(data: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path to a value in a parsed YAML document."""
    found = [prefix] if prefix else []
    if isinstance(data, dict):
        for key, value in data.items():
            found += paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += paths(value, (*prefix, index))
    return found


def mutate(data: dict, path: tuple, how: str, value: Any) -> dict:
    *parents, last = path
    target = data
    for part in parents:
        target = target[part]
    if how == "delete" and isinstance(target, dict):
        del target[last]
    elif how == "rename" and isinstance(target, dict):
        target[f"{last}x"] = target.pop(last)
    elif how == "add" and isinstance(target, dict):
        target[str(value)[:20] or "extra"] = value
    else:
        target[last] = value
    return data


# Values of the right shape, for fields where they reach AWS names and strings: most of these
# are accepted, and their synth must then stay inside AWS's limits.
TAG = st.from_regex(r"[A-Za-z0-9][\w .:/=+@-]{0,15}", fullmatch=True)
PLAUSIBLE = {
    ("tags",): st.dictionaries(TAG, TAG, max_size=4),
    ("pipeline", "approval_emails"): st.lists(
        st.from_regex(r"[a-z0-9.+${}%]{1,12}@[a-z]{1,8}\.example\.com", fullmatch=True), min_size=1, max_size=3
    ),
    ("pipeline", "branch"): st.from_regex(r"[a-z0-9]{1,8}(/[a-z0-9._-]{1,8}){0,2}", fullmatch=True),
    ("health_check", "matcher"): st.from_regex(r"2[0-9]{2}(-4[0-9]{2})?", fullmatch=True),
    ("health_check", "path"): st.from_regex(r"/[a-z0-9._~%-]{0,20}", fullmatch=True),
    ("instances", "max"): st.integers(1, 100),
    ("priority",): st.integers(1, 50000),
    ("customer",): st.from_regex(r"[a-z][a-z0-9]{0,12}(-[a-z0-9]{1,6}){0,2}", fullmatch=True),
    ("name",): st.from_regex(r"[a-z][a-z0-9]{0,8}(-[a-z0-9]{1,3})?", fullmatch=True),  # the platform's
    ("domain",): st.from_regex(r"[a-z][a-z0-9-]{0,20}[a-z0-9](\.[a-z]{2,10}){1,2}", fullmatch=True),
}


@st.composite
def mutations(draw) -> tuple[str, str, str]:
    """(sample file, the file that replaces it, its text)."""
    name = sample = draw(st.sampled_from(FILES))
    text = (SAMPLES / name).read_text(encoding="utf-8")
    if draw(st.integers(0, 2)) == 0:  # a plausible value where it shapes names and strings
        data = yaml.safe_load(text)
        fields = [f for f in PLAUSIBLE if (f == ("name",) or f == ("domain",)) == (name == "platform.yaml")]
        field = draw(st.sampled_from(fields))
        value = draw(PLAUSIBLE[field])
        if field == ("customer",):  # the file is named after its customer
            name = f"{value}-{data['environment']}.yaml"
        target = data
        for part in field[:-1]:
            target = target.setdefault(part, {})
        target[field[-1]] = value
        return sample, name, yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    if draw(st.integers(0, 4)) == 0:  # a raw YAML construct on one line
        lines = text.splitlines()
        index = draw(st.integers(0, len(lines) - 1))
        key, colon, _ = lines[index].partition(":")
        if colon and not key.lstrip().startswith(("#", "-")):
            lines[index] = f"{key}: {draw(st.sampled_from(RAW))}"
        return sample, name, "\n".join(lines) + "\n"
    data = yaml.safe_load(text)
    path = draw(st.sampled_from(paths(data)))
    how = draw(st.sampled_from(["set", "set", "set", "delete", "rename", "add"]))
    return sample, name, yaml.safe_dump(mutate(data, path, how, draw(values)), sort_keys=False, allow_unicode=True)


def check_output(outdir: Path) -> None:
    for stack_dir in (outdir / "stacks").iterdir():
        stack = yaml.safe_load((stack_dir / "cdk.tf.json").read_text(encoding="utf-8"))
        assert live_expressions(stack) == [], stack_dir.name
        for kind, (attribute, rule) in NAMED.items():
            for resource in (stack.get("resource") or {}).get(kind, {}).values():
                value = resource.get(attribute)
                if isinstance(value, str) and "${" not in value:
                    assert rule(value) is None, f"{stack_dir.name}: {kind}.{attribute} {value!r}: {rule(value)}"


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(mutations())
def test_a_mutated_sample_is_refused_cleanly_or_synthesized_within_limits(sample_synth, mutation):
    sample, name, text = mutation
    with tempfile.TemporaryDirectory() as scratch:
        customers = Path(scratch) / "customers"
        shutil.copytree(SAMPLES, customers)
        (customers / sample).unlink()
        (customers / name).write_text(text, encoding="utf-8")
        stem = Path(name).stem
        # The mutated environment's stacks (the platform's: shared-alb and one environment).
        stacks = ("shared-alb", "acme-dev") if stem == "platform" else (stem, pipeline_stack(stem))
        try:
            synthesize(customers, Path(scratch) / "cdktf.out", stacks=stacks)
        except ConfigError as error:
            assert error.problems
            for line in error.problems:
                assert "\n" not in line and "Traceback" not in line
                assert PROBLEM.fullmatch(line), line
            return
        check_output(Path(scratch) / "cdktf.out")
