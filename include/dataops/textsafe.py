"""Data values in text meant for people: one line, no control character, bounded; and Markdown that stays text.

Values from landed files (a header name, a field, a file key) reach log lines, task failure messages and the
Markdown bodies Airflow renders on its "Required Actions" page. :func:`printable` keeps a log line one line
(no forged lines, no terminal escape sequences); :func:`md_code` and :func:`md_text` make a value inert in
Markdown (no link, image, emphasis or HTML comes out of it). HTML pages escape with Jinja2's autoescape.
"""

from __future__ import annotations

import re

_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff]")
_MD_PUNCTUATION = re.compile(r"([!\"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])")
_BACKTICKS = re.compile(r"`+")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(value: object, limit: int = 200) -> str:
    """``value`` as one line of printable text: control characters written as ``\\xNN``, at most ``limit``
    characters (then ``...``).

    :param value: any value (``str()`` of it).
    :param limit: the longest result.
    """
    text = _UNPRINTABLE.sub(_escape, str(value))
    return text if len(text) <= limit else text[:max(limit - 3, 0)] + "..."


def md_code(value: object, limit: int = 300) -> str:
    """``value`` as a Markdown code span: shown verbatim, nothing in it interpreted (CommonMark: a fence of
    more backticks than any run inside).

    :param value: any value (made :func:`printable` first: one line).
    :param limit: the longest text inside the span.
    """
    text = printable(value, limit)
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def md_text(value: object, limit: int = 300) -> str:
    """``value`` as plain Markdown text: every ASCII punctuation character backslash-escaped (no link, image,
    emphasis, HTML or list comes out of it).

    :param value: any value (made :func:`printable` first: one line).
    :param limit: the longest text before escaping.
    """
    return _MD_PUNCTUATION.sub(r"\\\1", printable(value, limit))


def md_link(text: object, url: object) -> str:
    """A Markdown link whose text is :func:`md_text` and whose destination is an ``http(s)`` URL in angle
    brackets; any other URL (``javascript:``, spaces, brackets) is shown as code, not linked.

    :param text: the link text.
    :param url: the destination.
    """
    target = str(url or "")
    if re.match(r"^https?://[^\s<>\\]+$", target, re.IGNORECASE):
        return f"[{md_text(text)}](<{target}>)"
    return f"{md_text(text)}: {md_code(target)}"
