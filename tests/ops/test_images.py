"""``vending images``: what prune may remove, and the pull request that records new bakes (the AMIs
themselves, baked with the real Packer and pruned on the emulator: tests/ops/test_bake.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from tests.conftest import git
from vending.model import images as records
from vending.ops import images

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def image(number: int, days_old: int) -> images.Image:
    return images.Image(
        f"ami-{number:017x}", f"ami-acme-prod-{number}", NOW - timedelta(days=days_old), "", "", False, ()
    )


def test_prune_keeps_the_newest_and_never_what_is_in_use():
    found = [image(4, 1), image(3, 10), image(2, 20), image(1, 30)]  # newest first
    assert images.prunable(found, 2, set()) == found[2:]
    assert images.prunable(found, 1, {found[3].ami_id}) == found[1:3]  # the record's AMI, however old
    assert images.prunable(found, 0, {found[0].ami_id, found[1].ami_id}) == found[2:]
    assert images.prunable(found, 9, set()) == []


def test_bakes_made_within_one_second_list_the_later_build_first():
    same_second = [
        images.Image(f"ami-{n:017x}", f"ami-acme-prod-{b}", NOW, b, "", False, ()) for n, b in ((1, "10"), (2, "9"))
    ]
    assert [i.build for i in images.newest_first(same_second[::-1])] == ["10", "9"]
    assert [i.build for i in images.newest_first([image(1, 0), *same_second])][:2] == ["10", "9"]


def test_the_listing_says_which_is_in_use_and_how_old():
    found = [image(2, 0), image(1, 3)]
    lines = images.table(found, {found[1].ami_id: "bake record images/acme-prod.json"}, NOW)
    assert lines[1].split()[:2] == [found[0].ami_id, "ami-acme-prod-2"] and lines[1].split()[-2:] == ["0", "hour(s)"]
    assert lines[2].endswith("3 day(s)    bake record images/acme-prod.json")


def test_the_pull_request_lists_the_records_that_changed(tmp_path):
    directory = tmp_path / "images"
    old = {"ami_id": "ami-0000000000000000a", "ami_name": "ami-acme-prod-1", "commit": {"id": "a" * 40}}
    records.write_record(directory, "acme-prod", old)
    records.write_record(directory, "globex-prod", old)
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "records")
    new = {"ami_id": "ami-0000000000000000b", "ami_name": "ami-acme-prod-2", "source_ami": "ami-1e749f67"}
    records.write_record(directory, "acme-prod", new | {"commit": {"id": "b" * 40}})
    records.write_record(directory, "acme-dev", new | {"commit": {"id": "c" * 40}, "dirty": True})

    body = images.pull_request_body(directory)
    rows = [line for line in body.splitlines() if line.startswith("| `")]
    assert rows == [
        "| `acme-dev` | new: `ami-0000000000000000b` | `ami-acme-prod-2` | `cccccccccccc (dirty)` | `ami-1e749f67` |",
        "| `acme-prod` | `ami-0000000000000000a` → `ami-0000000000000000b` | `ami-acme-prod-2` | `bbbbbbbbbbbb` |"
        " `ami-1e749f67` |",
    ]
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "merged")
    assert images.pull_request_body(directory) == "No bake record changed.\n"
    assert json.loads((directory / "acme-prod.json").read_text())["ami_id"] == new["ami_id"]
