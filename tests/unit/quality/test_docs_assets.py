"""Data Docs' CDN URLs onto the vendored copies: every URL of the installed GX's templates is covered by a
committed file, the files are the manifest's, and GX's own pages come out with nothing loaded from elsewhere."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

import great_expectations
import pytest

from dataops.quality.docs_assets import (
    CDN_ASSETS,
    GX_WEB_ASSETS,
    VENDOR_ROUTE,
    offsite_resources,
    rewrite_html,
    rewrite_page,
)
from tests.conftest import REPO
from tests.unit.quality.gx_pages import gx_pages

VENDOR = REPO / "plugins" / "dataops_airflow" / "ui" / "static" / "vendor"
GX_VIEW = Path(great_expectations.__file__).parent / "render" / "view"
MANIFEST = json.loads((VENDOR / "MANIFEST.json").read_text())

ASSET_URL = re.compile(r"https?://[a-zA-Z0-9./@_-]+\.(?:js|css)[^\"' ]*")  # a stylesheet or a script
BARE_NPM = re.compile(r"https://cdn\.jsdelivr\.net/npm/[@a-z0-9./_-]+")  # jsdelivr's default file of a package
CSS_URL = re.compile(r"url\(\s*['\"]?(https?://[^'\")\s]+)")
IMAGES_ON_HOST = re.compile(r'static_images_dir\s*=\s*"(https?://[^"]+)"')
IMAGE_NAME = re.compile(r'static_images_dir\s*\+\s*"([^"]+)"')


def _texts() -> dict[Path, str]:
    """GX's page templates and the static files it copies into every Data Docs site."""
    files = [*(GX_VIEW / "templates").rglob("*.j2"), *(GX_VIEW / "static").rglob("*.css"),
             *(GX_VIEW / "static").rglob("*.js")]
    return {f: f.read_text(errors="replace") for f in files}


def _urls_loaded_by_gx() -> dict[str, Path]:
    """Every external URL GX's templates and static files make a browser load, with where it was found."""
    found: dict[str, Path] = {}
    for path, text in _texts().items():
        urls = ASSET_URL.findall(text) + BARE_NPM.findall(text) + CSS_URL.findall(text)
        for host in IMAGES_ON_HOST.findall(text):  # the navbar's logo: an image host + a file name
            urls += [host + name for name in IMAGE_NAME.findall(text)]
        found.update(dict.fromkeys(urls, path))
    return found


def test_every_cdn_url_of_the_installed_gx_maps_to_a_vendored_file():
    """A GX upgrade that loads something new from elsewhere fails here until it is vendored and mapped."""
    found = _urls_loaded_by_gx()
    assert len(found) >= 18 and GX_WEB_ASSETS + "logo-long.png" in found, sorted(found)
    assert "https://cdn.jsdelivr.net/npm/vega@5" in found and GX_WEB_ASSETS + "full_logo_dark.png" in found
    unmapped = {url: str(path.relative_to(GX_VIEW)) for url, path in found.items() if url not in CDN_ASSETS}
    assert not unmapped, f"not vendored: {unmapped}"
    missing = sorted({target for target in CDN_ASSETS.values() if not (VENDOR / target).is_file()})
    assert not missing, f"mapped but not committed: {missing}"


def test_the_subresource_integrity_gx_pins_matches_the_vendored_files():
    """GX pins popper's and bootstrap's scripts with ``integrity=``; the browser checks it on our copies too."""
    pinned = re.findall(r'src="([^"]+)"\s+integrity="sha384-([^"]+)"',
                        (GX_VIEW / "templates" / "js_script_imports.j2").read_text())
    assert len(pinned) == 2, pinned
    for url, digest in pinned:
        data = (VENDOR / CDN_ASSETS[url]).read_bytes()
        assert base64.b64encode(hashlib.sha384(data).digest()).decode() == digest, url


def test_the_committed_files_are_the_manifests_with_their_licences():
    on_disk = {p.relative_to(VENDOR).as_posix() for p in VENDOR.rglob("*") if p.is_file()}
    listed = {"MANIFEST.json"}
    for entry in MANIFEST["packages"]:
        folder = f"{entry['package']}@{entry['version']}"
        assert entry["integrity"].startswith(("sha512-", "sha256-")) and entry["tarball"].startswith("https://")
        assert entry["licence"] and entry["licence_file"] in entry["files"], entry
        licence = (VENDOR / folder / entry["licence_file"]).read_text()
        assert len(licence) > 500 and re.search(r"licen[cs]e|copyright", licence, re.I), folder
        for path, sha256 in entry["files"].items():
            assert hashlib.sha256((VENDOR / folder / path).read_bytes()).hexdigest() == sha256, f"{folder}/{path}"
            listed.add(f"{folder}/{path}")
    assert on_disk == listed  # nothing committed that the manifest does not account for
    assert set(CDN_ASSETS.values()) <= listed  # every file a page is pointed at is a manifest's file


def test_the_urls_inside_vendored_stylesheets_resolve():
    """Font Awesome's ``../webfonts/``: each font's woff2 is vendored (the ttf after it is never loaded)."""
    for css in VENDOR.rglob("*.css"):
        for url in re.findall(r"url\(\s*['\"]?([^'\")]+)", css.read_text()):
            if url.startswith("data:"):
                continue
            assert not url.startswith(("http:", "https:", "//")), f"{css.name} loads {url}"
            target = (css.parent / url.split("?")[0].split("#")[0]).resolve()
            assert target.is_file() or (target.suffix == ".ttf" and target.with_suffix(".woff2").is_file()), url
    assert len(list(VENDOR.rglob("webfonts/*.woff2"))) == 4


@pytest.mark.parametrize("prefix", ["/dataops", "/airflow/dataops/"])
def test_rewritten_gx_pages_load_nothing_from_elsewhere(prefix):
    base = prefix.rstrip("/") + VENDOR_ROUTE + "/"
    for renderer, page in gx_pages().items():
        before = offsite_resources(page)
        assert len(before) == 17, (renderer, before)  # 15 CDN files, the logo (with the context id), the dark one
        assert any("dataContextId=0c1d-context-id" in url for url in before)
        after = rewrite_html(page, prefix)
        assert offsite_resources(after) == [], renderer
        assert "dataContextId" not in after and "full_logo_dark" not in after  # no tracking query, no S3 host
        local = re.findall(r'(?:src|href)="(/[^"]+)"', after) + re.findall(r"url\('(/[^']+)'\)", after)
        vendored = [url for url in local if url.startswith(base)]
        assert len(vendored) == 17 and all((VENDOR / url.removeprefix(base)).is_file() for url in vendored)
        assert 'href="https://greatexpectations.io/newsletter' in after  # a hyperlink stays a hyperlink
        assert 'integrity="sha384-' in after  # the browser still checks the pinned scripts


def test_the_rewrite_replaces_only_whole_known_urls():
    page = ('<script src="https://cdn.jsdelivr.net/npm/vega@5"></script>'
            '<script src="https://cdn.jsdelivr.net/npm/vega@5.1/build/vega.js"></script>'
            "<div style=\"background: url('https://cdn.example/x.png')\"></div>"
            '<img src="//cdn.example/y.png"><a href="https://docs.greatexpectations.io/">docs</a>')
    after = rewrite_html(page, "/dataops")
    assert '<script src="/dataops/assets/vendor/vega@5.33.1/build/vega.min.js">' in after
    assert offsite_resources(after) == ["https://cdn.jsdelivr.net/npm/vega@5.1/build/vega.js",
                                        "https://cdn.example/x.png", "//cdn.example/y.png"]
    assert offsite_resources(after, host="cdn.example") == ["https://cdn.jsdelivr.net/npm/vega@5.1/build/vega.js"]


def test_a_page_with_bytes_that_are_not_utf8_keeps_them():
    body = b'<p>\xff</p><link href="https://code.jquery.com/jquery-3.7.1.min.js">'
    assert rewrite_page(body, "/dataops") == b'<p>\xff</p><link href="/dataops/assets/vendor/jquery@3.7.1/dist/jquery.min.js">'
