"""The archived digest page in a real headless Chromium: no sideways scrolling on a phone."""

from __future__ import annotations

import base64
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_digest import NOW, W47, new_york_config, seed_weeks

from reports.digest import DigestReport, build_digest
from storage.db import Database

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
webdriver = pytest.importorskip("selenium.webdriver", reason="needs selenium: pip install -e '.[dev]'")

pytestmark = pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason="needs Debian's chromium and chromium-driver (apt-get install -y chromium chromium-driver)",
)

PHONE, DESKTOP = 390, 1280
LONG_WORD = "https://support.example/tickets/" + "x" * 160  # no break opportunity at all


def chrome(width: int, phone: bool) -> webdriver.Chrome:
    """Headless Chromium; as a phone it honours the page's viewport meta tag, as phones do."""
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM or ""
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                     "--disable-dev-shm-usage", f"--window-size={width},800"):
        options.add_argument(argument)
    if phone:
        options.add_experimental_option("mobileEmulation", {
            "deviceMetrics": {"width": width, "height": 844, "pixelRatio": 1.0, "touch": True}})
    return webdriver.Chrome(options=options,
                            service=webdriver.ChromeService(executable_path=CHROMEDRIVER))


@pytest.fixture(scope="module", params=[PHONE, DESKTOP], ids=["phone-390", "desktop-1280"])
def browser(request: pytest.FixtureRequest) -> Iterator[tuple[webdriver.Chrome, int]]:
    driver = chrome(request.param, phone=request.param == PHONE)
    yield driver, request.param
    driver.quit()


@pytest.fixture
def page(sqlite_database: Database, tmp_path: Path) -> DigestReport:
    from reporting import Seeder

    seed = Seeder(sqlite_database)
    seed_weeks(seed)
    seed.mention("appstore", NOW.replace(day=18), f"Still waiting, see {LONG_WORD} for the ticket",
                 sentiment="negative", themes={"slow_response": 0.99}, author="a" * 80)
    seed.flush()
    return build_digest(sqlite_database, new_york_config().digest_settings(), "Acme", W47, NOW, tmp_path / "archive")


def show(driver: webdriver.Chrome, path: Path, screenshot: Path) -> dict[str, int]:
    """Open `path`, save a full-page screenshot, and return the page's widths."""
    driver.get(path.as_uri())
    sizes: dict[str, int] = driver.execute_script(
        "const images = Array.from(document.images);"
        "return {scroll: document.documentElement.scrollWidth, inner: window.innerWidth,"
        " broken: images.filter(i => !i.complete || i.naturalWidth === 0).length,"
        " widest_image: Math.max(0, ...images.map(i => i.getBoundingClientRect().right))};")
    shot = driver.execute_cdp_cmd("Page.captureScreenshot",
                                  {"captureBeyondViewport": True, "format": "png"})
    screenshot.write_bytes(base64.b64decode(shot["data"]))
    return sizes


def test_the_digest_page_fits_the_screen_without_sideways_scrolling(
    browser: tuple[webdriver.Chrome, int], page: DigestReport, tmp_path: Path
) -> None:
    driver, width = browser
    assert page.archive_path is not None
    sizes = show(driver, page.archive_path, tmp_path / f"digest-{width}.png")
    assert sizes["inner"] == width  # as a phone: only with a viewport meta tag
    assert sizes["scroll"] <= sizes["inner"], sizes
    assert sizes["widest_image"] <= width
    assert sizes["broken"] == 0  # every chart PNG loaded
    assert LONG_WORD[:40] in page.html


def test_the_archive_index_fits_the_screen(
    browser: tuple[webdriver.Chrome, int], page: DigestReport, tmp_path: Path
) -> None:
    driver, width = browser
    sizes = show(driver, tmp_path / "archive" / "index.html", tmp_path / f"index-{width}.png")
    assert sizes["scroll"] <= sizes["inner"] == width, sizes
