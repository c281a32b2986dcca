"""The scheduler killed with SIGKILL mid-job and between jobs: no fire time runs twice, none vanishes."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from storage import Database

DRIVER = textwrap.dedent('''
    import sys, time, logging
    from datetime import datetime
    from repwatch.config import parse_config
    from repwatch.scheduler import Scheduler, job_specs
    from storage import Database

    url, now, marker, pause = sys.argv[1], datetime.fromisoformat(sys.argv[2]), sys.argv[3], float(sys.argv[4])

    class Jobs:
        def _run(self, name):
            with open(marker, "a") as log:
                log.write(f"start {name}\\n")
            time.sleep(pause)
            with open(marker, "a") as log:
                log.write(f"end {name}\\n")
        def collect(self, name): return 0
        def tag(self): return 0
        def check_alerts(self): self._run("alerts")
        def weekly_digest(self): self._run("digest")

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    config = parse_config("brands: [{name: Acme}]\\ndigest: {schedule: '0 8 * * mon'}\\n", env={})
    database = Database(url)
    database.upgrade()
    Scheduler(database, job_specs(config, Jobs()), clock=lambda: now).catch_up()
    print("caught up", flush=True)
''')

MONDAY_0810 = "2026-11-23T08:10:00+00:00"


def start(url: str, now: str, marker: Path, pause: float) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", DRIVER, url, now, str(marker), str(pause)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(process: subprocess.Popen[str]) -> tuple[str, str]:
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    return out, err


def wait_for_line(marker: Path, line: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if marker.exists() and line in marker.read_text().splitlines():
            return
        time.sleep(0.05)
    raise AssertionError(f"{line!r} never appeared in {marker}")


def test_killed_mid_job_then_between_jobs(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'r.db'}"
    Database(url).upgrade()
    marker = tmp_path / "runs.log"

    mid_job = start(url, MONDAY_0810, marker, pause=60)
    wait_for_line(marker, "start alerts")
    mid_job.send_signal(signal.SIGKILL)
    mid_job.communicate(timeout=30)
    assert marker.read_text().splitlines() == ["start alerts"]

    finish(start(url, MONDAY_0810, marker, pause=0))
    assert marker.read_text().splitlines() == [
        "start alerts", "start alerts", "end alerts", "start digest", "end digest",
    ]

    finish(start(url, "2026-11-23T08:40:00+00:00", marker, pause=0))  # killed between jobs, back
    assert marker.read_text().count("start digest") == 1
    assert marker.read_text().count("start alerts") == 2


def test_a_digest_missed_beyond_grace_is_reported(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'r.db'}"
    marker = tmp_path / "runs.log"
    finish(start(url, "2026-11-16T08:10:00+00:00", marker, pause=0))  # ran the week before
    marker.unlink()
    _, err = finish(start(url, "2026-11-24T09:30:00+00:00", marker, pause=0))
    assert "missed digest fire time 2026-11-23T08:00:00+00:00 while stopped" in err
    assert "start digest" not in marker.read_text()
    assert "start alerts" in marker.read_text()
