"""Jinja2 environments: HTML autoescaped, Markdown escaped for Markdown and HTML, text as is.

Stored review text, author names and URLs are untrusted. HTML output relies on autoescaping plus
`safe_url` for every href; no stored value is ever placed inside a style attribute. Markdown
renderers pass inline HTML through and build links from brackets, so every value printed into
Markdown is HTML-escaped and has its Markdown punctuation backslash-escaped. Plain text is not
interpreted by anything, so it is only stripped of control characters.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from reports.safety import safe_url

TEMPLATES = Path(__file__).parent / "templates"
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]()!#|~<>])")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def markdown_escape(value: Any) -> Markup:
    if isinstance(value, Markup):
        return value
    text = "" if value is None else str(value)
    # Safe: the text is HTML-escaped first, then only backslashes are added.
    return Markup(_MARKDOWN_SPECIAL.sub(r"\\\1", str(escape(text))))  # noqa: S704


def plain(value: Any) -> str:
    return "" if value is None else _CONTROL.sub("", str(value))


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
        loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
        trim_blocks=True, lstrip_blocks=True,
    ))


@cache
def markdown_env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=True, finalize=markdown_escape,
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
