"""``vending status``'s model, read from records that the project's own writers produce (records.py)
in a moto S3 (in process): one environment in each state, and its renderings (table, JSON, page)."""

from __future__ import annotations

import json

from vending.status import model, page, table


def test_each_environment_has_the_state_its_records_say(fleet):
    states = {e.name: e.state for e in fleet.environments}
    assert states == {
        "acme-dev": model.APPLIED,
        "acme-prod": model.APPLIED,
        "globex-dev": model.PENDING,
        "hooli-dev": model.NEVER,
        "initech-dev": model.FAILED,
        "umbrella-dev": model.DRIFTED,
        "wayne-dev": model.RETIRING,
    }
    assert fleet.summary == {"failed": 1, "drifted": 1, "pending": 1, "retiring": 1, "never applied": 1, "applied": 2}
    initech = {e.name: e for e in fleet.environments}["initech-dev"]
    [infrastructure, pipeline] = initech.stacks
    assert infrastructure.last_apply == model.LastApply(
        "d" * 40, "2026-12-08T11:00:00+00:00", False, "Error: creating ASG: boom"
    )
    assert infrastructure.applied_commit == "a" * 40 and pipeline.state == model.NEVER
    # acme-dev's drift was found before its last apply: it says nothing of what that apply left.
    acme = {e.name: e for e in fleet.environments}["acme-dev"].stacks[0]
    assert acme.drift.result == "drifted" and acme.drift.before_last_apply and acme.state == model.APPLIED


def test_an_environment_shows_its_image_and_priority(fleet):
    by_name = {e.name: e for e in fleet.environments}
    prod = by_name["acme-prod"]
    assert (prod.image.ami_id, prod.image.origin, prod.image.age_days) == ("ami-0123456789abcdef0", "baked", 30)
    dev = by_name["acme-dev"]
    assert dev.image.origin == "unbaked" and "vending bake acme-dev" in dev.image.warning
    assert (prod.shard, dev.shard) == (1, 1) and prod.priority != dev.priority
    assert {type(prod.priority), type(dev.priority)} == {int}


def test_only_production_or_the_others(fleet):
    assert [e.name for e in model.only(fleet, "production").environments] == ["acme-prod"]
    others = model.only(fleet, "other")
    assert "acme-prod" not in [e.name for e in others.environments] and sum(others.summary.values()) == 6


def test_the_renderings_say_the_same(fleet):
    data = json.loads(json.dumps(fleet.data()))
    assert data["summary"]["failed"] == 1 and len(data["environments"]) == 7
    text = table.render(fleet)
    assert text.startswith("7 environment(s) at cccccccccccc (2026-12-08T12:00:00+00:00): 1 failed, 1 drifted,")
    assert "failed initech-dev (initech-dev): Error: creating ASG: boom" in text
    html = page.render(fleet)
    assert '<script type="application/json" id="fleet-data">' in html
    embedded = html.split('id="fleet-data">', 1)[1].split("</script>", 1)[0]
    assert json.loads(embedded) == data
    assert "http://" not in html and "https://" not in html and "<link" not in html  # self-contained


def test_text_from_the_data_cannot_end_the_pages_script(fleet):
    from dataclasses import replace

    [first, *rest] = fleet.environments
    stack = replace(first.stacks[0], last_apply=model.LastApply("x", "t", False, "</script><script>alert(1)</script>"))
    tricky = replace(fleet, environments=(replace(first, stacks=(stack,)), *rest))
    html = page.render(tricky)
    assert html.count("</script>") == 2  # the data's and the code's own
    embedded = html.split('id="fleet-data">', 1)[1].split("</script>", 1)[0]
    assert json.loads(embedded)["environments"][0]["stacks"][0]["last_apply"]["message"].startswith("</script>")
