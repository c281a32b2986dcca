"""Docs that cannot drift: the README's commands and CI agree, and every collector is documented."""

from __future__ import annotations

import re
from pathlib import Path

from collector import registry

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def readme_commands() -> list[str]:
    return re.findall(r"```sh\n(.+?)\n```", README)[:2]


def test_readme_opens_with_the_demo_and_the_test_command() -> None:
    demo, tests = readme_commands()
    assert demo.endswith("repwatch demo")
    assert tests.endswith("pytest")
    assert README.index(tests) < 2500, "both commands belong on the first screen"


def test_ci_runs_the_readme_test_command_word_for_word() -> None:
    _, tests = readme_commands()
    assert tests in (ROOT / ".ci" / "run").read_text()


def test_every_collector_is_in_the_readme() -> None:
    missing = [kind for kind in registry.collectors() if f"`{kind}`" not in README]
    assert missing == []
