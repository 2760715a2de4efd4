"""HTML pages of the view: Jinja2 templates (``templates/``, autoescaped), one stylesheet inline, no script."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from markupsafe import Markup

TEMPLATES = Path(__file__).with_name("templates")


@cache
def environment() -> Any:
    """The Jinja2 environment of the view's templates (autoescape on)."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    from dataops.overview.geometry import fmt, rule_label

    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["num"] = fmt
    env.filters["rule"] = rule_label
    env.filters["words"] = lambda text: str(text).replace("_", " ")
    return env


def render(template: str, **context: Any) -> str:
    """A page.

    :param template: the template's file name.
    :param context: its variables (``root``: the view's URL path, ``user``: who is logged in, ...).
    """
    return environment().get_template(template).render(**context)


def safe_svg(svg: str) -> Markup:
    """An SVG built by :mod:`.chart_svg` (every text in it escaped there) inserted as markup.

    :param svg: the SVG.
    """
    return Markup(svg)  # every text inside was escaped by chart_svg
