"""Full-text match on a mention's title and text: PostgreSQL full-text search, LIKE on SQLite.

SQLite has FTS5, but its virtual and shadow tables sit outside the models the migration test
compares against, so SQLite matches every word as a case-insensitive substring (LIKE) instead:
fine for a dashboard whose other filters (brand, dates) narrow the rows first.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, func, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement
from sqlalchemy.types import Boolean

from storage.models import MentionRow


class _Matches(FunctionElement[bool]):
    type = Boolean()
    inherit_cache = True
    name = "matches_text"


@compiles(_Matches)
def _like_every_word(element: _Matches, compiler: Any, **kw: Any) -> str:
    document, _, *patterns = list(element.clauses)
    parts = [func.lower(document).like(pattern, escape="\\") for pattern in patterns]
    return "(" + str(compiler.process(and_(*parts) if parts else literal(True), **kw)) + ")"


@compiles(_Matches, "postgresql")
def _full_text(element: _Matches, compiler: Any, **kw: Any) -> str:
    document, query, *_ = list(element.clauses)
    matched = func.to_tsvector("simple", document).bool_op("@@")(func.plainto_tsquery("simple", query))
    return "(" + str(compiler.process(matched, **kw)) + ")"


def _pattern(word: str) -> str:
    escaped = word.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def matches_text(words: str) -> ColumnElement[bool]:
    """True where the mention's title or text holds every word of `words`."""
    document = func.coalesce(MentionRow.title, "") + " " + MentionRow.text
    # One bound pattern per word (SQLite), so statements with different word counts cache apart.
    return _Matches(document, literal(words), *(literal(_pattern(word)) for word in words.split()))
