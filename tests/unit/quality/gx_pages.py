"""GX's three kinds of Data Docs pages as its own views render them, with no content: their head (stylesheets,
scripts, the logo) is the one every real page has."""

from __future__ import annotations


def gx_pages(data_context_id: str = "0c1d-context-id") -> dict[str, str]:
    """Renderer name -> HTML of a validation page, a suite page and the site index."""
    from great_expectations.render import RenderedDocumentContent
    from great_expectations.render.view import DefaultJinjaIndexPageView, DefaultJinjaPageView

    pages = {}
    for view, renderer in ((DefaultJinjaPageView, "ValidationResultsPageRenderer"),
                           (DefaultJinjaPageView, "ExpectationSuitePageRenderer"),
                           (DefaultJinjaIndexPageView, "SiteIndexPageRenderer")):
        document = RenderedDocumentContent(sections=[], renderer_type=renderer, expectation_suite_name="tx.c")
        pages[renderer] = view().render(document, data_context_id=data_context_id)
    return pages
