"""Jinja2 environments, one per output format, each escaping for its own format.

Stored review text, author names and URLs are untrusted. Every printed value first loses control
and bidi characters. HTML relies on autoescaping plus `safe_url` for every href; no stored value
is ever placed inside a style attribute. Markdown is escaped for Markdown, not HTML: renderers
pass inline HTML through and build links, emphasis, lists and headings from punctuation, so each
value is put on one line and its punctuation backslash-escaped (CommonMark lets any ASCII
punctuation be escaped), which keeps `'`, `"` and `&` as they are read. Plain text is not
interpreted by anything, so it is only cleaned.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from reports.safety import safe_url, without_controls

TEMPLATES = Path(__file__).parent / "templates"
# Characters that start inline Markdown (code, emphasis, links, images, HTML, tables,
# strikethrough) or a heading or block quote, and an `&` that would start an entity: escaped.
_MARKDOWN_INLINE = re.compile(r"([\\`*_\[\]()!#|~<>]|&(?=#?\w+;))")
# A list item, a setext underline or a thematic break can only start a line: escaped there.
_MARKDOWN_LINE_START = re.compile(r"^([-+=])(?=\s|\1|$)|^(\d+)([.)])(?=\s|$)")


def markdown_escape(value: Any) -> Any:
    if isinstance(value, Markup):  # a link target already made inert by safe_url
        return value
    if not isinstance(value, str):
        return value
    text = " ".join(without_controls(value).splitlines())
    text = _MARKDOWN_INLINE.sub(r"\\\1", text)
    return _MARKDOWN_LINE_START.sub(lambda m: f"\\{m[1]}" if m[1] else f"{m[2]}\\{m[3]}", text)


def _html_clean(value: Any) -> Any:
    if isinstance(value, Markup):  # removing characters cannot add markup
        return Markup(without_controls(str(value)))  # noqa: S704
    return without_controls(value) if isinstance(value, str) else value


def plain(value: Any) -> str:
    return "" if value is None else without_controls(str(value))


def theme_label(name: str) -> str:
    return name.replace("_", " ")


def percent(value: float | None, digits: int = 0) -> str:
    return "–" if value is None else f"{value * 100:.{digits}f}%"


def signed_percent(value: float | None) -> str:
    if value is None:
        return "new"
    return f"{value * 100:+.0f}%"


def signed(value: float | int | None, digits: int = 0) -> str:
    if value is None:
        return "–"
    return f"{value:+.{digits}f}"


def local_time(iso: str | None, zone: str, fmt: str = "%a %d %b %Y %H:%M") -> str:
    if not iso:
        return "never"
    moment = datetime.fromisoformat(iso)
    return moment.astimezone(ZoneInfo(zone)).strftime(fmt)


def _common_filters(env: Environment) -> Environment:
    env.filters.update(
        theme=theme_label, percent=percent, signed_percent=signed_percent, signed=signed,
        local_time=local_time, safe_url=safe_url,
    )
    return env


@cache
def html_env() -> Environment:
    return _common_filters(Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=True, finalize=_html_clean,
        undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
    ))


@cache
def markdown_env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=False, finalize=markdown_escape,  # noqa: S701
        undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
    )
    env = _common_filters(env)
    # A link target is already percent-encoded by safe_url; it must not get backslashes.
    env.filters["safe_url"] = _markdown_url
    return env


def _markdown_url(url: str | None) -> Markup | None:
    # safe_url percent-encodes quotes, brackets, parentheses and spaces: nothing can break out.
    cleaned = safe_url(url)
    return None if cleaned is None else Markup(cleaned)  # noqa: S704


@cache
def text_env() -> Environment:
    return _common_filters(Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=False, finalize=plain,  # noqa: S701
        undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    ))


def render(kind: str, template: str, **context: Any) -> str:
    """Render `template` with the environment for `kind`: 'html', 'markdown' or 'text'."""
    env = {"html": html_env, "markdown": markdown_env, "text": text_env}[kind]()
    return env.get_template(template).render(**context)
