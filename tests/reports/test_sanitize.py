"""Hostile review text, author names and URLs stay inert in every format."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
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
    return build_digest(sqlite_database, make_config().digest_settings(), "Acme", Week(2026, 47),
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


def render_markdown(markdown: str) -> str:
    """The Markdown as a GitHub-like renderer shows it: CommonMark plus tables and strikethrough."""
    return MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(markdown)


def test_rendered_markdown_makes_no_links_or_html_from_review_text(hostile: DigestReport) -> None:
    html = render_markdown(hostile.markdown)
    elements = parse(html)
    names = {tag for tag, _ in elements}
    assert not names & {"script", "img", "svg", "style", "iframe", "s", "del", "em"}
    hrefs = [attrs["href"] for tag, attrs in elements if tag == "a"]
    assert hrefs and all((href or "").startswith("https://ok.example/") for href in hrefs)
    assert sum(text.startswith(HOSTILE_TEXT) for text in quote_texts(html)) == 3  # as text


class Blockquotes(HTMLParser):
    """The text of each blockquote's first paragraph, and the tags found inside blockquotes."""

    def __init__(self) -> None:
        super().__init__()
        self.depth, self.paragraphs, self.texts, self.inner_tags = 0, 0, [], []  # type: ignore[var-annotated]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "blockquote":
            self.depth, self.paragraphs = self.depth + 1, 0
            self.texts.append("")
        elif self.depth:
            self.inner_tags.append(tag)
            self.paragraphs += tag == "p"

    def handle_endtag(self, tag: str) -> None:
        self.depth -= tag == "blockquote"

    def handle_data(self, data: str) -> None:
        if self.depth and self.paragraphs == 1:
            self.texts[-1] += data


def quote_texts(html: str) -> list[str]:
    parser = Blockquotes()
    parser.feed(html)
    return [text.strip() for text in parser.texts]


WRITTEN = [
    "He said \"it's fine\" & left; AT&T's <b>bold</b> claim costs &amp; 5 * 3 = 15_000",
    "1. first they ignored me",
    "- then they ignored me again",
    "# not a heading, ![not an image](https://x.example/i.png) `not code` ~~not struck~~",
    "=== not a heading underline | not a table cell \\ not a break",
]


def test_markdown_shows_review_text_exactly_as_written(sqlite_database: Database, tmp_path: Path) -> None:
    seed = Seeder(sqlite_database)
    seed.source("appstore")
    for index, text in enumerate(WRITTEN):
        seed.mention("appstore", datetime(2026, 11, 17, 10 + index, tzinfo=UTC), text,
                     sentiment="negative", themes={f"theme_{index}": 0.9},
                     author="O'Brien \"the reviewer\"")
    seed.flush()
    config = make_config("themes:\n  custom:\n" + "".join(
        f"    - {{name: theme_{index}, description: a made-up theme for this test,"
        f" examples: [one, two, three, four, five]}}\n" for index in range(len(WRITTEN))))
    report = build_digest(sqlite_database, config.digest_settings(), "Acme", Week(2026, 47),
                          datetime(2026, 11, 24, tzinfo=UTC), tmp_path)
    html = render_markdown(report.markdown)
    assert sorted(quote_texts(html)[-len(WRITTEN):]) == sorted(WRITTEN)
    assert "&#39;" not in report.markdown and "&#34;" not in report.markdown
    inside = Blockquotes()
    inside.feed(html)
    assert set(inside.inner_tags) <= {"p", "a", "ul", "li", "strong"}  # no lists, headings, images
    assert "O'Brien \"the reviewer\"" in unescape(re.sub(r"<[^>]+>", "", html))


BIDI = "\u202e\u2066\u2067\u2068\u2069\u202a\u200f"


def test_bidi_controls_reach_no_digest_format(sqlite_database: Database, tmp_path: Path) -> None:
    seed = Seeder(sqlite_database)
    seed.source("appstore")
    seed.mention("appstore", datetime(2026, 11, 17, 10, tzinfo=UTC),
                 f"refund \u202egnp.exe\u202c never came {BIDI}", sentiment="negative",
                 themes={"slow_response": 0.9}, author=f"eve{BIDI}",
                 url="https://ok.example/\u202eabc")
    seed.flush()
    report = build_digest(sqlite_database, make_config().digest_settings(), "Acme", Week(2026, 47),
                          datetime(2026, 11, 24, tzinfo=UTC), tmp_path)
    assert "refund gnp.exe never came" in report.text
    archive = report.archive_path or Path()
    for output in (report.html, report.text, report.markdown, archive.read_text(),
                   (archive.parent / "digest.md").read_text()):
        assert not any(ch in output for ch in BIDI + "\u202c"), output


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
