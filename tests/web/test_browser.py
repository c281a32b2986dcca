"""The dashboard driven in headless Chromium against the real server on loopback.

Needs Debian's `chromium` and `chromium-driver` (`.ci/run` installs them) and selenium.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn

from repwatch.web.app import Settings, create_app
from tests.web.conftest import BRAND, THEMES

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
webdriver = pytest.importorskip("selenium.webdriver", reason="browser test needs selenium: pip install -e '.[dev]'")
if not (CHROMIUM and DRIVER):
    pytest.skip("browser test needs chromium and chromedriver: "
                "apt-get install chromium chromium-driver", allow_module_level=True)

from selenium.common.exceptions import WebDriverException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.expected_conditions import staleness_of  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

PHONE_WIDTH = 390


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def server(seeded) -> Iterator[str]:
    database, _ = seeded
    port = free_port()
    app = create_app(database, Settings([BRAND], THEMES))
    running = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not running.started:
        assert time.monotonic() < deadline, "the dashboard server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    running.should_exit = True
    thread.join(10)


@pytest.fixture
def browser() -> Iterator[webdriver.Chrome]:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(str(DRIVER)))
    driver.set_window_size(1280, 900)
    yield driver
    driver.quit()


def navigate(browser: webdriver.Chrome, by: str, value: str) -> None:
    """Click what leads to another page, and wait until that page has replaced this one."""
    page = browser.find_element(By.TAG_NAME, "html")
    browser.find_element(by, value).click()
    # While the old page is torn down Chromium may answer "node does not belong to the document"
    # instead of "stale"; asking again then gets "stale".
    WebDriverWait(browser, 20, ignored_exceptions=(WebDriverException,)).until(staleness_of(page))


def badges(browser: webdriver.Chrome) -> list[str]:
    return [badge.text for badge in browser.find_elements(By.CSS_SELECTOR, ".mention .badge")]


def test_a_person_explores_corrects_and_snoozes(server: str, browser: webdriver.Chrome) -> None:
    browser.get(server + "/")
    assert browser.find_element(By.TAG_NAME, "h1").text == BRAND
    navigate(browser, By.LINK_TEXT, "slow response")
    assert browser.find_element(By.TAG_NAME, "h1").text == "slow response"
    assert "Waited three hours" in browser.page_source

    navigate(browser, By.LINK_TEXT, "Mentions")
    Select(browser.find_element(By.NAME, "sentiment")).select_by_visible_text("negative")
    navigate(browser, By.CSS_SELECTOR, "form.filters button[type=submit]")
    assert badges(browser) and set(badges(browser)) == {"negative"}

    first_text = browser.find_element(By.CSS_SELECTOR, ".mention .text").text
    navigate(browser, By.LINK_TEXT, "Correct tags")
    Select(browser.find_element(By.NAME, "sentiment")).select_by_visible_text("positive")
    navigate(browser, By.XPATH, "//button[text()='Set sentiment']")
    assert browser.find_element(By.CSS_SELECTOR, ".card .badge").text == "positive"
    navigate(browser, By.LINK_TEXT, "← back")  # back to the negative-only list
    assert first_text not in [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".mention .text")]

    navigate(browser, By.LINK_TEXT, "Alerts")
    Select(browser.find_element(By.NAME, "for")).select_by_visible_text("24h")
    navigate(browser, By.XPATH, "//button[text()='Snooze']")
    assert "Snoozed" in browser.find_element(By.TAG_NAME, "main").text
    navigate(browser, By.XPATH, "//button[text()='Unsnooze']")
    assert "Snoozed" not in browser.find_element(By.TAG_NAME, "main").text


@pytest.mark.parametrize("path", ["/overview", "/themes/slow_response", "/mentions", "/alerts", "/sources", "/competitors"])
def test_no_page_scrolls_sideways_on_a_phone(server: str, browser: webdriver.Chrome, path: str) -> None:
    browser.set_window_size(PHONE_WIDTH, 844)
    browser.get(server + path)
    scroll_width, inner_width = browser.execute_script(
        "return [document.documentElement.scrollWidth, window.innerWidth]")
    assert inner_width <= PHONE_WIDTH
    assert scroll_width <= inner_width, f"{path} is {scroll_width}px wide in a {inner_width}px window"
