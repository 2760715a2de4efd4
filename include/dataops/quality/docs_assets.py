"""Data Docs without the internet: GX's pages load Bootstrap, jQuery, Vega, Font Awesome (and GX's logo) from
public CDNs; :func:`rewrite_page` points those URLs at copies the ``/dataops`` app serves itself.

The copies are vendored from the npm registry (and GX's logo from its PyPI wheel) by
``scripts/vendor_data_docs_assets.py`` into ``plugins/dataops_airflow/ui/static/vendor/<package>@<version>/``
(files keep their path inside the package, so Font Awesome's ``../webfonts/`` still resolves), with each
package's licence and a ``MANIFEST.json``. The app serves that folder under ``<prefix>`` + :data:`VENDOR_ROUTE`.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import quote, urlparse

VENDOR_ROUTE = "/assets/vendor"

#: GX writes its logo's URL on this host (with a timestamp and the data context id in the query string).
GX_WEB_ASSETS = "https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/"
_GX_IMAGES = "great-expectations@1.24.1/great_expectations/render/view/static/images/"
_FILTER_CONTROL = "bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min"

#: Every CDN URL of GX's page templates -> the vendored file (``<package>@<version>/<path in the package>``).
CDN_ASSETS: dict[str, str] = {
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": "bootstrap@4.3.1/dist/css/bootstrap.min.css",
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": "bootstrap@4.3.1/dist/js/bootstrap.min.js",
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery@3.7.1/dist/jquery.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js":
        "popper.js@1.12.9/dist/umd/popper.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css":
        "bootstrap-table@1.19.1/dist/bootstrap-table.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js":
        "bootstrap-table@1.19.1/dist/bootstrap-table.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js":
        f"{_FILTER_CONTROL}.js",
    # two templates still name 1.19.0's stylesheet of the extension: the 1.19.1 one goes with the 1.19.1 script
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css":
        f"{_FILTER_CONTROL}.css",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css":
        f"{_FILTER_CONTROL}.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css":
        "bootstrap-datepicker@1.9.0/dist/css/bootstrap-datepicker.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js":
        "bootstrap-datepicker@1.9.0/dist/js/bootstrap-datepicker.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css":
        "@fortawesome/fontawesome-free@6.6.0/css/all.min.css",
    # the same stylesheet minified (150 KB, not 860)
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css":
        "@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.min.css",
    # bare package URLs: jsdelivr serves the package's browser build (its "jsdelivr" field) of the latest major
    "https://cdn.jsdelivr.net/npm/vega@5": "vega@5.33.1/build/vega.min.js",
    "https://cdn.jsdelivr.net/npm/vega-lite@5": "vega-lite@5.23.0/build/vega-lite.min.js",
    "https://cdn.jsdelivr.net/npm/vega-embed@6": "vega-embed@6.29.0/build/vega-embed.min.js",
    GX_WEB_ASSETS + "logo-long.png": _GX_IMAGES + "logo-long.png",
    # the dark-mode logo ships in no package: dark mode shows the light logo rather than none
    GX_WEB_ASSETS + "full_logo_dark.png": _GX_IMAGES + "logo-long.png",
}

# A known URL, its query string dropped (GX's logo carries a timestamp and the data context id), ending where
# an attribute value or a CSS url() ends (so ``vega@5`` never matches the start of ``vega@5.1/x.js``).
_CDN_URL = re.compile("(" + "|".join(re.escape(url) for url in sorted(CDN_ASSETS, key=len, reverse=True))
                      + r")(?:\?[^\"'\s()<>]*)?(?=[\"'\s)<>])")
_CSS_URL = re.compile(r"url\(\s*[\"']?([^\"')\s]+)")


def vendored_url(target: str, prefix: str) -> str:
    """The app's URL of a vendored file.

    :param target: ``<package>@<version>/<path>`` (a value of :data:`CDN_ASSETS`).
    :param prefix: where the app is mounted (``/dataops``, or ``/airflow/dataops`` behind a base path).
    """
    return f"{prefix.rstrip('/')}{VENDOR_ROUTE}/{quote(target, safe='/@')}"


def rewrite_html(text: str, prefix: str) -> str:
    """``text`` with every CDN URL of :data:`CDN_ASSETS` replaced by the app's URL of its vendored copy.

    :param text: a Data Docs page (HTML, or CSS).
    :param prefix: where the app is mounted (see :func:`vendored_url`).
    """
    return _CDN_URL.sub(lambda match: vendored_url(CDN_ASSETS[match.group(1)], prefix), text)


def rewrite_page(body: bytes, prefix: str) -> bytes:
    """:func:`rewrite_html` on a page's bytes (UTF-8, as GX writes them; undecodable bytes pass unchanged)."""
    return rewrite_html(body.decode("utf-8", "surrogateescape"), prefix).encode("utf-8", "surrogateescape")


class _Resources(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_style = tag == "style"
        for name, value in attrs:
            if value and (name in ("src", "srcset", "poster", "data") or (name == "href" and tag != "a")):
                self.urls.append(value)
            elif value and name == "style":
                self.urls.extend(_CSS_URL.findall(value))

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.urls.extend(_CSS_URL.findall(data))


def offsite_resources(text: str, host: str | None = None) -> list[str]:
    """The URLs a page makes the browser load from another host: ``src``/``href`` of every tag but ``<a>``
    (a hyperlink is followed only when clicked) and ``url()`` in ``<style>`` and ``style=``.

    :param text: the page's HTML.
    :param host: the host of the page (its own absolute URLs are not off-site); None: every absolute URL is.
    """
    parser = _Resources()
    parser.feed(text)
    parser.close()
    absolute = [url for url in parser.urls if url.startswith(("http://", "https://", "//"))]
    return [url for url in absolute if host is None or urlparse(url).hostname != host]
