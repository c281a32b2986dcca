"""Hostile feeds are inert: no entity is expanded or fetched, bombs and 1 GB bodies are refused,
and none of them grows the collecting process by 50 MB or more.

Each case runs in its own process (bench/hostile_feeds.py, `--child`), which resets its
peak-RSS counter after a warm-up, collects the hostile feed and reads the peak back; the same
process then collects a good neighbouring feed. Time is measured there too, but only the bench
reports it: tests do not assert on time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from reliability_kit import load_bench

hostile = load_bench("hostile_feeds")
CASES = [case.name for case in hostile.CASES]
REFUSED = {case.name: case.refused_with for case in hostile.CASES if case.refused_with}


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    workdir: Path = tmp_path_factory.mktemp("hostile")
    return {outcome.case: outcome for outcome in hostile.measure_all(workdir, parallel=2)}


@pytest.mark.parametrize("case", CASES)
def test_peak_memory_grows_less_than_50_mb_and_the_neighbour_is_unaffected(
    outcomes: dict[str, Any], case: str
) -> None:
    outcome = outcomes[case]
    assert outcome.peak_reset, "/proc/self/clear_refs refused: the growth would be measured from an older peak"
    assert outcome.rss_growth_mb < 50
    assert outcome.neighbour_ok and outcome.neighbour_new == 2


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_bombs_and_gigabyte_bodies_are_refused_with_a_clear_error(outcomes: dict[str, Any], case: str) -> None:
    outcome = outcomes[case]
    assert outcome.error is not None
    assert outcome.error.startswith("source hostile: ")
    assert REFUSED[case] in outcome.error and "20971520 bytes" in outcome.error  # the 20 MB default cap
    assert outcome.new == 0


def test_a_bomb_is_refused_after_reading_a_fraction_of_it(outcomes: dict[str, Any]) -> None:
    assert outcomes["gigabyte-declared"].bytes_sent < 100 * 2**20  # refused on its Content-Length
    assert outcomes["gigabyte-chunked"].bytes_sent < 100 * 2**20  # refused once past the cap


DECLARING = ["billion-laughs", "quadratic-blowup", "external-entities", "padded-dtd", "utf16-dtd",
             "malformed-dtd"]


@pytest.mark.parametrize("case", DECLARING)
def test_feeds_declaring_entities_are_refused_however_padded_or_encoded(
    outcomes: dict[str, Any], case: str
) -> None:
    outcome = outcomes[case]
    assert outcome.error is not None
    assert outcome.error.startswith("source hostile: http://127.0.0.1:")  # names the feed
    assert "declares a DTD or XML entities" in outcome.error
    assert outcome.new == 0
    assert not any("lollol" in text or "AAAA" in text for text in outcome.texts)


def test_external_entities_are_never_fetched_nor_read(outcomes: dict[str, Any]) -> None:
    outcome = outcomes["external-entities"]
    assert outcome.probe_requests == 0
    assert not any("root:" in text for text in outcome.texts)


def test_a_long_text_is_stored_cut_at_the_cap_with_a_visible_marker(outcomes: dict[str, Any]) -> None:
    outcome = outcomes["long-text"]
    assert outcome.error is None and outcome.new == 1
    assert outcome.longest_text == 100_000
    assert outcome.texts[0].endswith(" [… cut by repwatch; 299,999 characters in all]")
