"""Markdown as a CommonMark renderer shows it (raw HTML enabled: stricter than Airflow's UI, which skips it)."""

from __future__ import annotations

import html
import re


def render(markdown: str) -> str:
    """The HTML CommonMark (with GFM tables) makes of ``markdown``."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": True}).enable("table").render(markdown)


def text_of(markdown: str) -> str:
    """What a reader sees: the rendered HTML without its tags, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", render(markdown)))
