"""Hostile feeds: entity expansion, external entities, a gzip bomb and 1 GB responses.

A loopback server serves each hostile feed; each case is collected by the real runner in a
fresh process (`--child`), which first collects a small good feed (so imports, parsers and the
database are warm), then resets its peak-RSS counter (/proc/self/clear_refs) and collects the
hostile feed alone, timing it and reading the peak (VmHWM) back. A neighbouring good feed is
collected after it, to show it is unaffected. Nothing is ever held whole: the 1 GB bodies are
generated while they are sent, and the gzip bomb is 1 MB that inflates to 1 GiB of zeros.

    python bench/hostile_feeds.py [--json]
"""

from __future__ import annotations

import argparse
import gc
import json
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from loopback import Call, LoopbackServer  # noqa: E402

MB = 2**20
GB = 2**30
NOW = datetime.now(UTC).replace(microsecond=0)
RSS = "application/rss+xml"


def rss_date(moment: datetime) -> str:
    return moment.strftime("%a, %d %b %Y %H:%M:%S +0000")


def item(guid: str, title: str, text: str, hours_ago: int = 1) -> str:
    return (f"<item><title>{title}</title><guid>{guid}</guid><link>https://news.example/{guid}</link>"
            f"<pubDate>{rss_date(NOW - timedelta(hours=hours_ago))}</pubDate>"
            f"<description>{text}</description></item>")


def feed(items: str, doctype: str = "") -> bytes:
    return (f'<?xml version="1.0"?>\n{doctype}<rss version="2.0"><channel><title>Acme news</title>'
            f"{items}</channel></rss>").encode()


def good_feed(prefix: str) -> bytes:
    return feed("".join(item(f"{prefix}-{i}", f"Acme {prefix} {i}", "Acme support was quick", i + 1)
                        for i in range(2)))


def billion_laughs() -> bytes:
    """Ten levels of ten references: 10^9 copies of "lol" (3 GB) if expanded."""
    entities = '<!ENTITY lol0 "lol">\n' + "".join(
        f'<!ENTITY lol{level} "{f"&lol{level - 1};" * 10}">\n' for level in range(1, 10))
    return feed(item("laughs", "&lol9;", "&lol9;"), f"<!DOCTYPE rss [\n{entities}]>\n")


def quadratic_blowup() -> bytes:
    """One 100 kB entity referenced 10,000 times: 1 GB if expanded, from a 130 kB body."""
    doctype = f'<!DOCTYPE rss [<!ENTITY a "{"A" * 100_000}">]>\n'
    return feed(item("quadratic", "blowup", "&a;" * 10_000), doctype)


def external_entities(probe_url: str) -> bytes:
    """XXE: a local file and a URL on our own server, which must never be asked for."""
    doctype = (f'<!DOCTYPE rss [<!ENTITY file SYSTEM "file:///etc/passwd">'
               f'<!ENTITY probe SYSTEM "{probe_url}">]>\n')
    return feed(item("xxe", "&file;", "&probe; &file;"), doctype)


def padded_blowup() -> bytes:
    """The DTD behind a 70 kB comment, past any scan of the first 64 kB: a 100 kB entity
    referenced 2,000 times (200 MB expanded)."""
    head = '<?xml version="1.0"?><!-- ' + "pad " * 17_500 + " -->"
    doctype = f'<!DOCTYPE rss [<!ENTITY a "{"A" * 100_000}">]>'
    return head.encode() + feed(item("padded", "blowup", "&a;" * 2_000), doctype).split(b"\n", 1)[1]


def utf16_blowup() -> bytes:
    """The quadratic blowup encoded as UTF-16, where no byte reads `<!DOCTYPE`."""
    declaration = '<?xml version="1.0" encoding="UTF-16"?>'
    return quadratic_blowup().decode().replace('<?xml version="1.0"?>', declaration).encode("utf-16")


def malformed_blowup() -> bytes:
    """The quadratic blowup in a feed that is not well-formed XML (a bare `&` after the
    DTD), which feedparser hands to its loose parser."""
    return quadratic_blowup().replace(b"<channel>", b"<channel><title>Q & A</title>", 1)


def long_text() -> bytes:
    """No DTD at all, just an item of 300,000 characters: stored cut to the text cap."""
    return feed(item("long", "Acme", "Acme " * 60_000))


@cache
def gzip_bomb() -> bytes:
    """A valid gzip member of 1 GiB of zeros in about 1 MB: one compressed 1 MB block, which
    after a full flush is byte-identical every time, repeated 1,024 times."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(b"\0" * MB) + compressor.flush(zlib.Z_FULL_FLUSH)
    end = compressor.flush(zlib.Z_FINISH)
    crc, zeros = 0, b"\0" * (64 * MB)
    for _ in range(GB // len(zeros)):
        crc = zlib.crc32(zeros, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    return header + block * (GB // MB) + end + struct.pack("<II", crc, GB & 0xFFFFFFFF)


def endless_feed(total: int) -> Iterator[bytes]:
    """A feed of `total` bytes, made while it is sent (64 kB at a time)."""
    head = b'<?xml version="1.0"?><rss version="2.0"><channel><title>endless</title>'
    entry = item("endless", "Acme", "x" * 400).encode()
    chunk = entry * (64 * 1024 // len(entry))
    sent = len(head)
    yield head
    while sent < total:
        piece = chunk[: total - sent]
        sent += len(piece)
        yield piece


@dataclass(frozen=True)
class Case:
    name: str
    description: str
    answer: Callable[[Call, str], None]  # (call, probe URL)
    refused_with: str | None  # text the source's error must contain; None: read as inert text


CASES = [
    Case("billion-laughs", "10 levels x 10 entity references (3 GB expanded), 1 kB body",
         lambda call, probe: call.reply(200, billion_laughs(), RSS), None),
    Case("quadratic-blowup", "a 100 kB entity referenced 10,000 times (1 GB expanded)",
         lambda call, probe: call.reply(200, quadratic_blowup(), RSS), None),
    Case("external-entities", "XXE: SYSTEM file:///etc/passwd and a URL on our server",
         lambda call, probe: call.reply(200, external_entities(probe), RSS), None),
    Case("padded-dtd", "the quadratic blowup's DTD behind a 70 kB comment (200 MB expanded)",
         lambda call, probe: call.reply(200, padded_blowup(), RSS), None),
    Case("utf16-dtd", "the quadratic blowup encoded as UTF-16 (1 GB expanded)",
         lambda call, probe: call.reply(200, utf16_blowup(), RSS), None),
    Case("malformed-dtd", "the quadratic blowup in a feed that is not well-formed XML",
         lambda call, probe: call.reply(200, malformed_blowup(), RSS), None),
    Case("long-text", "an honest feed with one 300,000-character item",
         lambda call, probe: call.reply(200, long_text(), RSS), None),
    Case("gzip-bomb", "Content-Encoding: gzip, 1 MB inflating to 1 GiB",
         lambda call, probe: call.reply(200, gzip_bomb(), RSS, {"Content-Encoding": "gzip"}),
         "decompresses to more than"),
    Case("gigabyte-declared", "a 1 GiB body with its Content-Length",
         lambda call, probe: call.stream(200, endless_feed(GB), RSS, declared=GB), "larger than"),
    Case("gigabyte-chunked", "a 1 GiB chunked body, no Content-Length",
         lambda call, probe: call.stream(200, endless_feed(GB), RSS), "larger than"),
]


@dataclass
class Outcome:
    case: str
    description: str
    seconds: float  # the hostile source's run, in the child
    rss_growth_mb: float  # peak RSS during that run minus RSS before it
    peak_reset: bool  # False: /proc/self/clear_refs refused, growth measured from the old peak
    error: str | None
    new: int
    longest_text: int
    texts: list[str]  # each cut to its first and last 60 characters
    neighbour_ok: bool
    neighbour_new: int
    probe_requests: int
    bytes_sent: int  # what the server pushed before the client stopped reading


def measure(case: Case, server: LoopbackServer, workdir: Path) -> Outcome:
    """Collect one hostile case in a fresh process and read its figures back."""
    path, probe = f"/{case.name}.xml", f"/{case.name}-probe"
    server.route(path, lambda call: case.answer(call, server.url(probe)))
    server.route(probe, lambda call: call.reply(200, b"root:x:0:0:probe", "text/plain"))
    server.route("/warm-up.xml", lambda call: call.reply(200, good_feed("warm"), RSS))
    server.route("/neighbour.xml", lambda call: call.reply(200, good_feed("neighbour"), RSS))
    database = workdir / f"{case.name}.db"
    command = [sys.executable, __file__, "--child", str(database), server.url("/warm-up.xml"),
               server.url(path), server.url("/neighbour.xml")]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise RuntimeError(f"{case.name}: the child failed:\n{done.stderr[-3000:]}")
    figures = json.loads(done.stdout)
    return Outcome(case=case.name, description=case.description, probe_requests=server.requests[probe],
                   bytes_sent=server.bytes_sent[path], **figures)


def measure_all(workdir: Path, parallel: int = 1) -> list[Outcome]:
    gzip_bomb()  # built before any timing starts
    with LoopbackServer() as server, ThreadPoolExecutor(max_workers=parallel) as pool:
        outcomes = list(pool.map(lambda case: measure(case, server, workdir), CASES))
        if server.errors:
            raise RuntimeError(f"server errors: {server.errors}")
    return outcomes


# ---- the child process --------------------------------------------------------------------------


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def child(database_path: str, warm_up: str, hostile: str, neighbour: str) -> dict[str, Any]:
    import yaml
    from sqlalchemy import func, select

    from repwatch.collect import Collection
    from repwatch.config import parse_config
    from storage import Database
    from storage.models import MentionRow, Source

    config = parse_config(yaml.safe_dump({
        "database": {"url": f"sqlite:///{database_path}"},
        "brands": [{"name": "Acme", "keywords": ["acme"]}],
        "sources": [{"name": name, "kind": "rss", "brand": "Acme", "params": {"urls": [url]}}
                    for name, url in (("warm-up", warm_up), ("hostile", hostile), ("neighbour", neighbour))],
        "network": {"allow_private_hosts": True, "min_seconds_between_requests": 0, "max_retries": 0},
        "collection": {"backfill_days": 30},
    }))
    database = Database(config.database.url)
    database.upgrade()
    collection = Collection(database, config)
    collection.run_source("warm-up")
    gc.collect()
    peak_reset = _reset_peak()
    before = _status_kb("VmRSS") if peak_reset else _status_kb("VmHWM")
    started = time.perf_counter()
    run = collection.run_source("hostile")
    seconds = time.perf_counter() - started
    growth = _status_kb("VmHWM") - before
    neighbour_run = collection.run_source("neighbour")
    with database.session() as session:
        texts = list(session.scalars(
            select(MentionRow.text).join(Source).where(Source.name == "hostile")))
        longest = session.scalar(select(func.max(func.length(MentionRow.text)))
                                 .join(Source).where(Source.name == "hostile")) or 0
    database.dispose()
    return {"seconds": round(seconds, 4), "rss_growth_mb": round(growth / 1024, 1), "peak_reset": peak_reset,
            "error": run.error, "new": run.new, "longest_text": longest,
            "texts": [text[:60] + text[-60:] for text in texts], "neighbour_ok": neighbour_run.ok,
            "neighbour_new": neighbour_run.new}


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        print(json.dumps(child(*sys.argv[2:6])))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="repwatch-hostile-") as tmp:
        outcomes = measure_all(Path(tmp))
    if args.json:
        print(json.dumps([asdict(outcome) for outcome in outcomes], indent=2))
        return
    print(f"{'case':<20} {'seconds':>8} {'peak RSS growth':>16}  outcome")
    for outcome in outcomes:
        result = outcome.error or (
            f"read as inert text: {outcome.new} mention(s), longest {outcome.longest_text} chars")
        print(f"{outcome.case:<20} {outcome.seconds:>8.3f} {outcome.rss_growth_mb:>13.1f} MB  {result[:110]}")
    print(f"server bytes pushed before the client stopped reading: "
          f"{ {o.case: o.bytes_sent for o in outcomes} }")
    print(f"neighbouring source unaffected in every case: {all(o.neighbour_ok for o in outcomes)}; "
          f"external-entity probe requests: {sum(o.probe_requests for o in outcomes)}")


if __name__ == "__main__":
    main()
