"""The demo's closing summary: every path printed whole, on its own line, ready to copy."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console

from repwatch.cli.demo import print_summary
from repwatch.demo.run import DemoResult


def test_long_paths_are_never_wrapped_or_read_as_markup(tmp_path: Path) -> None:
    workspace = tmp_path / "a-rather-long-folder-name-[team]" / "repwatch-demo"
    digest = workspace / "digests" / "tidewell-mobile" / "2026-W48" / "index.html"
    digest.parent.mkdir(parents=True)
    digest.write_text("<html></html>", encoding="utf-8")
    (workspace / "digests" / "index.html").write_text("<html></html>", encoding="utf-8")
    result = DemoResult(workspace, workspace / "config.yaml", digest_paths=[digest],
                        emails=[workspace / "emails" / "001.eml"], collected=3, tagged=3)
    buffer = io.StringIO()

    print_summary(result, Console(file=buffer, width=40, color_system=None))

    lines = buffer.getvalue().splitlines()
    for label, path in [("weekly digest:", digest), ("digest archive:", workspace / "digests" / "index.html"),
                        ("email:", workspace / "emails" / "001.eml"),
                        ("database:", workspace / "repwatch.db"),
                        ("config used:", workspace / "config.yaml")]:
        line = next(line for line in lines if line.strip().startswith(label))
        assert line.split(label, 1)[1].strip() == str(path)
    assert "no email was sent" not in buffer.getvalue()


def test_a_demo_that_sent_nothing_says_so(tmp_path: Path) -> None:
    buffer = io.StringIO()
    print_summary(DemoResult(tmp_path, tmp_path / "config.yaml"), Console(file=buffer, width=80))
    assert "no email was sent" in buffer.getvalue()
