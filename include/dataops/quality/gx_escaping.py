"""Data Docs show the data's values as text, never as markup.

Great Expectations 1.24 writes a failed expectation's sampled unexpected values into the validation page as
they are: a ``channel`` value ``"><img src=x onerror=alert(1)>`` became a live element of a page the
``/dataops`` app serves under the Airflow UI's origin (with the user's session). :func:`install` wraps GX's
validation page renderer so every value taken from the data (unexpected values and their counts, observed
values) is HTML-escaped before GX inserts it; the page then shows exactly the value. Idempotent.
"""

from __future__ import annotations

import copy
import html
from typing import Any

#: keys of a validation result's ``result`` that hold values read from the data
DATA_KEYS = ("partial_unexpected_list", "partial_unexpected_counts", "unexpected_list", "partial_unexpected_index_list",
             "unexpected_index_list", "observed_value")
_INSTALLED = "_dataops_escapes_data_values"


def escape_values(value: Any) -> Any:
    """``value`` with every string in it (inside lists and dicts too) HTML-escaped."""
    if isinstance(value, str):
        return html.escape(value, quote=True)
    if isinstance(value, list | tuple):
        return [escape_values(v) for v in value]
    if isinstance(value, dict):
        return {k: escape_values(v) for k, v in value.items()}
    return value


def escaped_results(validation_results: Any) -> Any:
    """A copy of a suite's validation results whose data values are escaped (:data:`DATA_KEYS`)."""
    out = copy.deepcopy(validation_results)
    for result in getattr(out, "results", None) or []:
        body = result.result or {}
        result.result = {k: escape_values(v) if k in DATA_KEYS else v for k, v in body.items()}
    return out


def install() -> None:
    """Make GX's validation page renderer escape the data values it is given (once per process)."""
    from great_expectations.render.renderer.page_renderer import ValidationResultsPageRenderer

    if getattr(ValidationResultsPageRenderer, _INSTALLED, False):
        return
    original = ValidationResultsPageRenderer.render

    def render(self: Any, validation_results: Any, *args: Any, **kwargs: Any) -> Any:
        return original(self, escaped_results(validation_results), *args, **kwargs)

    ValidationResultsPageRenderer.render = render  # type: ignore[method-assign]
    setattr(ValidationResultsPageRenderer, _INSTALLED, True)
