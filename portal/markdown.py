"""The one Markdown wrapper: CommonMark (markdown-it-py) rendered, then sanitised with nh3."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

_TAGS = {
    "a",
    "blockquote",
    "br",
    "code",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "img",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "th": {"align"},
    "td": {"align"},
}
_md = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def render_markdown(text: str) -> SafeString:
    """Markdown to sanitised HTML (raw HTML in the source is escaped, then nh3 cleans)."""
    html = _md.render(text)
    cleaned = nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )
    return mark_safe(cleaned)


@lru_cache(maxsize=8)
def _render_file(path: str, mtime: float) -> SafeString:
    return render_markdown(Path(path).read_text(encoding="utf-8"))


def render_markdown_file(path: Path) -> SafeString:
    """A Markdown file rendered once per modification."""
    if not path.exists():
        return mark_safe("")
    return _render_file(str(path), path.stat().st_mtime)
