"""`repwatch demo` ends with the command that opens the dashboard on the demo's database."""

from __future__ import annotations

import io
import shlex
from pathlib import Path

from click.testing import CliRunner
from rich.console import Console

from repwatch.cli import cli
from repwatch.cli.demo import print_summary
from repwatch.demo.run import DemoResult


def test_the_demo_summary_prints_a_serve_command_that_loads(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("brands: [{name: Tidewell}]\nsources:\n  - {name: sky, kind: bluesky, brand: Tidewell, params: "
                      "{identifier: a.example, app_password_env: REPWATCH_DEMO_BLUESKY_PASSWORD}}\n", encoding="utf-8")
    buffer = io.StringIO()
    print_summary(DemoResult(tmp_path, config), Console(file=buffer, width=60, color_system=None))
    line = next(line for line in buffer.getvalue().splitlines() if line.rstrip().endswith(" serve"))
    program, *arguments = shlex.split(line)
    assert program == "repwatch" and arguments == ["--config", str(config), "serve"]
    # the printed command gets past config validation without the Bluesky secret it never uses:
    # here it stops at the next check, the address
    result = CliRunner(env={"REPWATCH_DEMO_BLUESKY_PASSWORD": None}).invoke(
        cli, [*arguments, "--host", "192.168.1.20"])
    assert "would let anyone on the network in" in result.output
