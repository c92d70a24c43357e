"""terraform validate in batches, with the real Terraform: one invalid attribute among many
stacks is reported against its stack and attribute, never remembered as valid; provider blocks
of another shape and errors Terraform cannot place are validated stack by stack; a stack
validated before, unchanged, is not validated again."""

from __future__ import annotations

import json
import shutil

from vending import cli
from vending.ops import validation


def copy_of(sample_synth, tmp_path):
    outdir = tmp_path / "cdktf.out"
    shutil.copytree(sample_synth.outdir, outdir)
    return outdir


def edit(outdir, stack, change):
    path = outdir / "stacks" / stack / "cdk.tf.json"
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data, indent=2))


def bogus_argument(data):
    group = next(iter(data["resource"]["aws_autoscaling_group"].values()))
    group["bogus_attribute"] = 1


def test_one_invalid_attribute_among_many_stacks_is_reported_against_its_stack(sample_synth, tmp_path, capsys):
    outdir = copy_of(sample_synth, tmp_path)
    edit(outdir, "acme-dev", bogus_argument)
    cache = tmp_path / "cache"
    found = validation.validate(outdir, cache=cache)
    assert not found.valid
    (invalid,) = [r for r in found.checked if not r.valid]
    assert invalid.stack == "acme-dev"
    assert any("bogus_attribute" in d.get("detail", "") for d in invalid.diagnostics)
    assert all(r.valid for r in found.checked if r.stack != "acme-dev") and len(found.checked) == 7

    again = validation.validate(outdir, cache=cache)  # the invalid stack was not remembered
    assert [r.stack for r in again.checked] == ["acme-dev"] and again.unchanged == 6
    assert again.summary == "validated 7 stack(s): 1 checked, 6 unchanged since validated"

    assert cli.main(["validate", "--outdir", str(outdir)]) == 1
    printed = capsys.readouterr()
    assert printed.out.startswith("acme-dev: INVALID") and "bogus_attribute" in printed.out


def test_a_provider_block_of_another_shape_is_validated_on_its_own(sample_synth, tmp_path):
    outdir = copy_of(sample_synth, tmp_path)
    edit(outdir, "globex-prod", lambda data: data["provider"]["aws"][0].update(no_such_setting=True))
    found = validation.validate(outdir)
    assert [r.stack for r in found.checked if not r.valid] == ["globex-prod"]


def test_an_error_terraform_cannot_place_is_found_stack_by_stack(sample_synth, tmp_path):
    # The batch's root provider is its first stack's: an error there is the root's, not a stack's.
    outdir = copy_of(sample_synth, tmp_path)
    edit(outdir, "acme-dev", lambda data: data["provider"]["aws"][0].update(no_such_setting=True))
    results = validation.in_batch(
        ["acme-dev", "acme-prod"],
        {name: (outdir / "stacks" / name / "cdk.tf.json").read_bytes() for name in ("acme-dev", "acme-prod")},
    )
    assert [(r.stack, r.valid) for r in results] == [("acme-dev", False), ("acme-prod", True)]


def test_a_stack_validated_before_is_not_validated_again(sample_synth, tmp_path):
    outdir, cache = copy_of(sample_synth, tmp_path), tmp_path / "cache"
    first = validation.validate(outdir, cache=cache)
    assert first.valid and first.summary == "validated 7 stack(s): 7 checked, 0 unchanged since validated"
    edit(outdir, "acme-prod", lambda data: data["output"]["url"].update(description="Where it answers"))
    again = validation.validate(outdir, cache=cache)
    assert [r.stack for r in again.checked] == ["acme-prod"] and again.valid
