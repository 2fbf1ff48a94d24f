"""The explorer's pages as files: vendored libraries, templates, static files, settings.

What the pages show is tested in a real browser (tests/test_web_pages.py); these check
what a browser is sent.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.web.pages import DEFAULT_TILES, STATIC_DIR, router

VENDOR = STATIC_DIR / "vendor"
PAGES = [
    "/",
    "/acteur/org:boutique-boulot",
    "/club/org:club-10",
    "/territoire/departement:10",
    "/carte",
    "/vue-ensemble",
]


@pytest.fixture(scope="module")
def client() -> TestClient:
    app = FastAPI()
    app.include_router(router)
    return TestClient(app)


def test_vendored_files_match_their_checksums() -> None:
    listed = {}
    for line in (VENDOR / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split(maxsplit=1)
        listed[name] = digest
    on_disk = {
        str(p.relative_to(VENDOR)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in VENDOR.rglob("*")
        if p.is_file() and p.name != "SHA256SUMS"
    }
    assert on_disk == listed


def test_each_vendored_package_is_pinned_and_carries_its_licence() -> None:
    rows = [line.split() for line in (VENDOR / "PACKAGES.txt").read_text().splitlines()]
    assert [spec for spec, _, _ in rows] == [
        "sigma@3.0.2",
        "graphology@0.26.0",
        "graphology-library@0.8.0",
        "cytoscape@3.35.0",
        "leaflet@1.9.4",
        "leaflet.markercluster@1.5.3",
        "d3@7.9.2",
        "@observablehq/plot@0.6.17",
    ]
    assert all(integrity.startswith("sha512-") for _, _, integrity in rows)
    for folder in (p for p in VENDOR.iterdir() if p.is_dir()):
        licences = [p for p in folder.iterdir() if re.match(r"(LICEN[CS]E|MIT-LICENCE)", p.name)]
        assert licences, f"{folder.name} has no licence file"


@pytest.mark.parametrize("path", PAGES)
def test_pages_are_french_and_load_only_this_server(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    html = response.text
    assert '<html lang="fr">' in html
    links = re.findall(r'(?:src|href)="([^"]*)"', html)
    assert links and all(link.startswith(("/", "#")) for link in links), links
    for link in (link for link in links if link.startswith("/static/")):
        assert client.get(link).status_code == 200, link


def test_scripts_and_styles_name_no_other_host() -> None:
    ours = [p for p in STATIC_DIR.rglob("*") if p.suffix in {".js", ".css"} and VENDOR not in p.parents]
    templates = list((STATIC_DIR.parent / "templates").glob("*.html"))
    assert len(ours) == 7 and len(templates) == 6
    for path in ours + templates:
        assert not re.search(r"https?://", path.read_text()), path


def test_static_files_outside_the_static_folder_are_refused(client: TestClient) -> None:
    assert client.get("/static/%2e%2e/templates/base.html").status_code == 404
    assert client.get("/static/..%2F..%2F..%2Fpyproject.toml").status_code == 404
    script = client.get("/static/js/common.js")
    assert script.headers["content-type"] == "text/javascript; charset=utf-8"


def _settings(html: str) -> dict[str, object]:
    match = re.search(r'<script id="maillage-settings" type="application/json">(.*?)</script>', html, re.S)
    assert match
    loaded: dict[str, object] = json.loads(match.group(1))
    return loaded


def test_tile_server_is_a_setting_openstreetmap_by_default(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MAILLAGE_TUILES", raising=False)
    assert _settings(client.get("/carte").text)["tiles"] == DEFAULT_TILES
    monkeypatch.setenv("MAILLAGE_TUILES", "")
    assert _settings(client.get("/carte").text)["tiles"] == ""
    monkeypatch.setenv("MAILLAGE_TUILES", "http://127.0.0.1:8080/tuiles/{z}/{x}/{y}.png")
    assert _settings(client.get("/carte").text)["tiles"] == "http://127.0.0.1:8080/tuiles/{z}/{x}/{y}.png"


def test_page_settings_give_every_kind_a_french_label_and_colour(client: TestClient) -> None:
    settings = _settings(client.get("/").text)
    kinds = settings["kinds"]
    assert isinstance(kinds, dict)
    assert kinds["ACI"] == {"label": "Atelier et chantier d'insertion", "colour": "#d1495b"}
    assert kinds["Commune"]["label"] == "Commune"
    relations = settings["relations"]
    assert isinstance(relations, list)
    assert [r["id"] for r in relations] == [
        "MEMBER_OF",
        "DELEGATION_OF",
        "CARRIED_BY",
        "SUPPORTED_BY",
        "PARTNER_OF",
        "SAME_ESTABLISHMENT",
        "CO_CONTRACTOR_OF",
    ]


def test_an_id_with_markup_is_escaped_in_the_page(client: TestClient) -> None:
    html = client.get('/acteur/org:"><script>alert(1)</script>').text
    assert "<script>alert(1)</script>" not in html
    assert 'data-id="org:&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in html


def test_vendor_script_fetches_from_the_registry_by_pinned_name() -> None:
    script = (Path(__file__).resolve().parents[1] / "tools" / "vendor-js.sh").read_text()
    assert "npm pack" in script
    for spec in re.findall(r'"([^"|]+@\d+\.\d+\.\d+)\|', script):
        assert spec in (VENDOR / "PACKAGES.txt").read_text()
