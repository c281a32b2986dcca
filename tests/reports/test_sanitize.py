"""Hostile review text, author names and URLs stay inert in every format."""

from __future__ import annotations

from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from reporting import Seeder, make_config

from reports.digest import DigestReport, build_digest
from reports.periods import Week
from reports.safety import safe_url
from storage.db import Database

HOSTILE_TEXT = (
    "<script>alert(1)</script><img src=x onerror=alert(2)> [click](javascript:alert(3)) "
    "</style><style>body{background:url(javascript:alert(4))}</style> <a href=\"javascript:x\">a</a>"
)
HOSTILE_AUTHOR = '"><svg onload=alert(5)> style="color:red'
HOSTILE_URLS = [
    "javascript:alert(6)",
    " JaVaScRiPt:alert(7)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCg4KTwvc2NyaXB0Pg==",
    "vbscript:msgbox(9)",
    "https://ok.example/a\"onmouseover=\"alert(10)",
    "https://ok.example/b)](javascript:alert(11)",
]


class Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def parse(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Elements()
    parser.feed(html)
    return parser.tags


@pytest.fixture
def hostile(sqlite_database: Database, tmp_path: Path) -> DigestReport:
    seed = Seeder(sqlite_database)
    seed.source("appstore")
    for index, url in enumerate(HOSTILE_URLS):
        seed.mention("appstore", datetime(2026, 11, 17, 10 + index, tzinfo=UTC),
                     f"{HOSTILE_TEXT} " + " ".join(f"w{index}x{k}" for k in range(40)),
                     sentiment="negative",
                     themes={"slow_response": (0.9 if url.startswith("https") else 0.8) - index / 100},
                     author=HOSTILE_AUTHOR, url=url)
    seed.flush()
    return build_digest(sqlite_database, make_config(), "Acme", Week(2026, 47),
                        datetime(2026, 11, 24, tzinfo=UTC), tmp_path)


def test_html_has_no_script_handlers_or_dangerous_links(hostile: DigestReport) -> None:
    for html in (hostile.html, (hostile.archive_path or Path()).read_text()):
        elements = parse(html)
        names = {tag for tag, _ in elements}
        assert not names & {"script", "svg", "iframe", "object", "embed", "form"}
        styles = [tag for tag, _ in elements if tag == "style"]
        assert styles == []
        for tag, attrs in elements:
            assert not any(name.startswith("on") for name in attrs), (tag, attrs)
            for name in ("href", "src"):
                value = attrs.get(name)
                if value is not None:
                    assert value.startswith(("https://", "http://", "cid:", "theme-", "volume-")), value
            style = attrs.get("style") or ""
            assert "javascript" not in style and "url(" not in style
        images = [attrs["src"] for tag, attrs in elements if tag == "img"]
        assert len(images) == 2  # the volume chart and one sparkline: nothing from review text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_only_http_links_survive_and_are_encoded(hostile: DigestReport) -> None:
    quotes = hostile.data["themes"][0]["quotes"]
    assert [quote["url"] for quote in quotes] == [
        "https://ok.example/a%22onmouseover=%22alert%2810%29",
        "https://ok.example/b%29%5D%28javascript:alert%2811%29",
        None,  # javascript:alert(6)
    ]
    hrefs = [attrs["href"] for tag, attrs in parse(hostile.html) if tag == "a"]
    assert all(href and href.startswith("https://ok.example/") for href in hrefs)
    assert all('"' not in (href or "") and ")" not in (href or "") for href in hrefs)


def test_markdown_makes_no_links_or_html_from_review_text(hostile: DigestReport) -> None:
    markdown = hostile.markdown
    assert "<script" not in markdown and "<img" not in markdown and "<svg" not in markdown
    assert "](javascript" not in markdown
    assert "\\[click\\]\\(javascript:alert\\(3\\)\\)" in markdown
    links = [part.split(")", 1)[0] for part in markdown.split("](")[1:]]
    assert links and all(link.startswith("https://ok.example/") for link in links)


def test_text_is_plain(hostile: DigestReport) -> None:
    assert "<script>alert(1)</script>" in hostile.text  # shown as written: text/plain is inert
    assert "javascript:alert(6)" not in hostile.text  # but no unsafe link is offered


@pytest.mark.parametrize(("url", "expected"), [
    ("https://example.com/a?b=1&c=2", "https://example.com/a?b=1&c=2"),
    ("http://example.com/x y", None),
    ("https://example.com/(a)", "https://example.com/%28a%29"),
    ("https://example.com/'\"<>", "https://example.com/%27%22%3C%3E"),
    ("javascript:alert(1)", None),
    ("JAVASCRIPT:alert(1)", None),
    ("java\tscript:alert(1)", None),
    ("//evil.example/x", None),
    ("/relative", None),
    ("ftp://example.com/file", None),
    ("", None),
    (None, None),
])
def test_safe_url(url: str | None, expected: str | None) -> None:
    assert safe_url(url) == expected
