"""The status page in a real browser: Debian's chromium, headless, driven by Selenium through
Debian's chromium-driver (both installed by ``make setup``). The page's counts and rows are the
JSON's, filtering by a state shows only its rows, and a screenshot is kept as a test artifact
(``test-artifacts/status-page.png``)."""

from __future__ import annotations

import shutil

import pytest

from tests.conftest import ROOT
from vending.status import model, page

ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    assert chromium and driver, "Debian's chromium and chromium-driver are not installed (make setup)"
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,1600"):
        options.add_argument(argument)
    session = webdriver.Chrome(options=options, service=Service(executable_path=driver))
    try:
        yield session
    finally:
        session.quit()


@pytest.fixture(scope="module")
def opened(browser, fleet, tmp_path_factory):
    path = tmp_path_factory.mktemp("page") / "status.html"
    path.write_text(page.render(fleet), encoding="utf-8")
    browser.get(path.as_uri())
    return browser


def rows(browser) -> list[tuple[str, str]]:
    from selenium.webdriver.common.by import By

    found = browser.find_elements(By.CSS_SELECTOR, "#environments tbody tr")
    return [(row.get_attribute("data-environment"), row.get_attribute("data-state")) for row in found]


def test_the_pages_counts_and_rows_are_the_jsons(opened, fleet):
    from selenium.webdriver.common.by import By

    data = fleet.data()
    counts = {
        card.get_attribute("data-state"): int(card.find_element(By.CLASS_NAME, "count").text)
        for card in opened.find_elements(By.CSS_SELECTOR, "#summary .card")
    }
    assert counts == data["summary"]
    assert sorted(rows(opened)) == sorted((e["name"], e["state"]) for e in data["environments"])
    legend = [item.text for item in opened.find_elements(By.CSS_SELECTOR, "#legend li")]
    assert legend == [f"{page.SYMBOLS[state]} {state}" for state in model.STATES]  # a word, not colour alone
    grid = opened.find_elements(By.CSS_SELECTOR, "#grid tbody button")
    assert sorted(b.get_attribute("aria-label") for b in grid) == sorted(
        f"{e['name']}: {e['state']}" for e in data["environments"]
    )


def test_filtering_by_a_state_shows_only_its_rows_and_a_row_opens_its_detail(opened, fleet):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    try:
        for state in model.STATES:
            Select(opened.find_element(By.ID, "filter-state")).select_by_value(state)
            expected = [e.name for e in fleet.environments if e.state == state]
            assert sorted(name for name, _ in rows(opened)) == sorted(expected), state
            assert opened.find_element(By.ID, "shown").text == f"showing {len(expected)} of {len(fleet.environments)}"
        Select(opened.find_element(By.ID, "filter-state")).select_by_value(model.FAILED)
        opened.find_element(By.CSS_SELECTOR, "#environments tbody tr").click()
        detail = opened.find_element(By.ID, "detail").text
        assert "initech-dev" in detail and "Error: creating ASG: boom" in detail
    finally:
        Select(opened.find_element(By.ID, "filter-state")).select_by_value("")
    ARTIFACTS.mkdir(exist_ok=True)
    assert opened.save_screenshot(str(ARTIFACTS / "status-page.png"))
    assert (ARTIFACTS / "status-page.png").stat().st_size > 10_000


def test_the_table_sorts_by_state_worst_first(opened, fleet):
    from selenium.webdriver.common.by import By

    [state_header] = [b for b in opened.find_elements(By.CSS_SELECTOR, "#environments th button") if b.text == "state"]
    state_header.click()
    shown = [state for _, state in rows(opened)]
    assert shown == sorted(shown, key=model.STATES.index)
    state_header.click()
    assert [state for _, state in rows(opened)] == sorted(shown, key=model.STATES.index, reverse=True)
