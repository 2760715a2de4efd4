"""Vendor the browser assets of GX's Data Docs into the plugin (``make vendor-assets``), reproducibly.

For each package of :data:`PACKAGES`: ask the registry (npm, or PyPI's simple index for GX's logo) for the
exact version's tarball URL and digest, download it, refuse it unless its digest matches (npm's sha512
``integrity``, PyPI's sha256), extract exactly the listed files and the licence into
``plugins/dataops_airflow/ui/static/vendor/<package>@<version>/`` (the folder is emptied first) and write
``MANIFEST.json`` (package, version, licence, tarball URL, integrity, files with their sha256).

Every file :data:`dataops.quality.docs_assets.CDN_ASSETS` points at must be listed here (checked first). Needs
only the standard library and HTTPS access to registry.npmjs.org, pypi.org and files.pythonhosted.org.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import shutil
import sys
import tarfile
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

from dataops.quality.docs_assets import CDN_ASSETS

REPO = Path(__file__).resolve().parents[1]
VENDOR_DIR = REPO / "plugins" / "dataops_airflow" / "ui" / "static" / "vendor"
NPM = "https://registry.npmjs.org"
PYPI_SIMPLE = "https://pypi.org/simple"
FA_FONTS = tuple(f"webfonts/fa-{name}.woff2" for name in ("brands-400", "regular-400", "solid-900", "v4compatibility"))


@dataclass(frozen=True)
class Package:
    """One package to vendor.

    :param name: its name on the registry.
    :param version: the exact version.
    :param licence: its SPDX licence expression.
    :param files: paths inside the package (npm: below ``package/``) to extract.
    :param licence_file: path of the licence text inside the package (or inside ``licence_from``); written at
        the top of the package's folder.
    :param licence_from: ``name@version`` of another npm package of the same project whose tarball carries the
        licence text, when this package's tarball has none.
    :param registry: ``npm`` or ``pypi``.
    """

    name: str
    version: str
    licence: str
    files: tuple[str, ...]
    licence_file: str = "LICENSE"
    licence_from: str | None = None
    registry: str = "npm"

    @property
    def folder(self) -> str:
        return f"{self.name}@{self.version}"


PACKAGES = (
    Package("bootstrap", "4.3.1", "MIT", ("dist/css/bootstrap.min.css", "dist/js/bootstrap.min.js")),
    Package("jquery", "3.7.1", "MIT", ("dist/jquery.min.js",), licence_file="LICENSE.txt"),
    # popper.js 1.x tarballs carry the licence only in the file's header: the text is the project's (renamed
    # @popperjs/core) LICENSE.md
    Package("popper.js", "1.12.9", "MIT", ("dist/umd/popper.min.js",), licence_file="LICENSE.md",
            licence_from="@popperjs/core@2.11.8"),
    Package("bootstrap-table", "1.19.1", "MIT", (
        "dist/bootstrap-table.min.css", "dist/bootstrap-table.min.js",
        "dist/extensions/filter-control/bootstrap-table-filter-control.min.css",
        "dist/extensions/filter-control/bootstrap-table-filter-control.min.js")),
    Package("bootstrap-datepicker", "1.9.0", "Apache-2.0", (
        "dist/css/bootstrap-datepicker.min.css", "dist/js/bootstrap-datepicker.min.js")),
    # woff2 only: all.min.css lists each woff2 before its ttf fallback, which a browser with woff2 never loads
    Package("@fortawesome/fontawesome-free", "6.6.0", "CC-BY-4.0 AND OFL-1.1 AND MIT",
            ("css/all.min.css", *FA_FONTS), licence_file="LICENSE.txt"),
    Package("@forevolve/bootstrap-dark", "1.1.0", "MIT", ("dist/css/bootstrap-prefers-dark.min.css",)),
    # vega's tarball has no licence file: the text is the LICENSE of vega-util 1.17.3, a package of the same
    # repository (vega/vega) and of the 1.17 line vega 5.33.1 depends on (1.17.4 ships none either)
    Package("vega", "5.33.1", "BSD-3-Clause", ("build/vega.min.js",), licence_from="vega-util@1.17.3"),
    Package("vega-lite", "5.23.0", "BSD-3-Clause", ("build/vega-lite.min.js",)),
    Package("vega-embed", "6.29.0", "BSD-3-Clause", ("build/vega-embed.min.js",)),
    Package("great-expectations", "1.24.1", "Apache-2.0",
            ("great_expectations/render/view/static/images/logo-long.png",),
            licence_file="great_expectations-1.24.1.dist-info/licenses/LICENSE", registry="pypi"),
)


def _get(url: str, accept: str | None = None) -> bytes:
    request = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
    with urllib.request.urlopen(request, timeout=120) as response:
        return response.read()


def _npm_source(name: str, version: str) -> tuple[str, str]:
    """The tarball URL and ``integrity`` (``sha512-<base64>``) the npm registry records for a version."""
    meta = json.loads(_get(f"{NPM}/{name.replace('/', '%2F')}/{version}"))
    return meta["dist"]["tarball"], meta["dist"]["integrity"]


def _pypi_source(name: str, version: str) -> tuple[str, str]:
    """The wheel URL and its digest (as ``sha256-<base64>``) from PyPI's simple index (PEP 691)."""
    index = json.loads(_get(f"{PYPI_SIMPLE}/{name}/", accept="application/vnd.pypi.simple.v1+json"))
    prefix = f"{name.replace('-', '_')}-{version}-"
    wheel = next(f for f in index["files"] if f["filename"].startswith(prefix) and f["filename"].endswith(".whl"))
    digest = base64.b64encode(bytes.fromhex(wheel["hashes"]["sha256"])).decode()
    return wheel["url"], f"sha256-{digest}"


def _download(url: str, integrity: str) -> bytes:
    """The archive, refused unless it matches ``integrity`` (``<algorithm>-<base64 digest>``)."""
    data = _get(url)
    algorithm, expected = integrity.split("-", 1)
    actual = base64.b64encode(hashlib.new(algorithm, data).digest()).decode()
    if actual != expected:
        raise SystemExit(f"{url}: {algorithm} {actual} does not match the registry's {expected}")
    return data


def _members(archive: bytes, registry: str) -> dict[str, bytes]:
    """Every regular file of an npm tarball (``package/`` prefix dropped) or of a wheel, by path."""
    if registry == "pypi":
        with zipfile.ZipFile(io.BytesIO(archive)) as wheel:
            return {name: wheel.read(name) for name in wheel.namelist() if not name.endswith("/")}
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
        return {m.name.split("/", 1)[1]: tar.extractfile(m).read()  # type: ignore[union-attr]
                for m in tar.getmembers() if m.isfile()}


def _fetch(name: str, version: str, registry: str) -> tuple[str, str, dict[str, bytes]]:
    url, integrity = (_pypi_source if registry == "pypi" else _npm_source)(name, version)
    return url, integrity, _members(_download(url, integrity), registry)


def _licence(package: Package, members: dict[str, bytes]) -> tuple[bytes, str | None]:
    if package.licence_from is None:
        return members[package.licence_file], None
    name, version = package.licence_from.rsplit("@", 1)
    url, _, other = _fetch(name, version, "npm")
    return other[package.licence_file], url


def vendor(package: Package) -> dict:
    """Extract one package into its folder; its manifest entry."""
    url, integrity, members = _fetch(package.name, package.version, package.registry)
    licence, licence_source = _licence(package, members)
    files = {path: members[path] for path in package.files}
    files[Path(package.licence_file).name] = licence
    folder = VENDOR_DIR / package.folder
    for path, data in files.items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_bytes(data)
    entry = {"package": package.name, "version": package.version, "registry": package.registry,
             "licence": package.licence, "licence_file": Path(package.licence_file).name,
             "tarball": url, "integrity": integrity,
             "files": {path: hashlib.sha256(data).hexdigest() for path, data in sorted(files.items())}}
    if licence_source:
        entry["licence_source"] = licence_source
    return entry


def check_coverage() -> None:
    """Every file the rewrite points at is one this script vendors."""
    listed = {f"{p.folder}/{path}" for p in PACKAGES for path in p.files}
    missing = sorted(set(CDN_ASSETS.values()) - listed)
    if missing:
        raise SystemExit(f"CDN_ASSETS points at files no package here provides: {missing}")


def main() -> int:
    check_coverage()
    if VENDOR_DIR.exists():
        shutil.rmtree(VENDOR_DIR)
    VENDOR_DIR.mkdir(parents=True)
    entries = []
    for package in PACKAGES:
        print(f"vendoring {package.folder} ({package.registry})", flush=True)
        entries.append(vendor(package))
    manifest = {"generated_by": "scripts/vendor_data_docs_assets.py", "packages": entries}
    (VENDOR_DIR / "MANIFEST.json").write_text(json.dumps(manifest, indent=2) + "\n")
    size = sum(f.stat().st_size for f in VENDOR_DIR.rglob("*") if f.is_file())
    print(f"{len(entries)} packages, {size / 1024:.0f} KiB in {VENDOR_DIR.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
