"""docs/configuration.md is what the models say."""

from __future__ import annotations

from tests.conftest import ROOT
from vending.model import reference
from vending.model.config import Customer, Platform


def test_the_configuration_reference_is_the_models_own():
    # After a change to the models: `make docs`, and review the diff.
    assert (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8") == reference.render()


def test_every_field_has_a_row_with_a_description():
    fields = [row[0] for model in (Platform, Customer) for row in reference.rows(model)]
    assert "`database.deletion_protection`" in fields and "`state.lock_table`" in fields
    assert all(row[4] for model in (Platform, Customer) for row in reference.rows(model))
    rows = {row[0]: row for row in reference.rows(Customer)}
    assert rows["`database.backup_retention_days`"][2:4] == ("`1`", "`7`")  # elsewhere, in production
