"""Pages drawn by visual/, opened in a real headless Chromium."""

from __future__ import annotations

from pathlib import Path

import pytest
from selenium.webdriver.support.ui import WebDriverWait

from graph.oxigraph_store import OxigraphStore
from queries.views import neighbourhood_view
from tests.browser import chromium
from tests.conftest import aube_batch
from visual.pyvis_page import MAX_NODES, ViewTooLarge, write_page


def test_page_draws_every_node_and_edge_with_french_labels(tmp_path: Path) -> None:
    store = OxigraphStore()
    store.upsert(aube_batch())
    view = neighbourhood_view(store, "org:boutique-boulot")
    page = write_page(view, tmp_path / "page.html", title="Autour de Boutique Boulot")
    with chromium() as browser:
        browser.get(page.as_uri())
        WebDriverWait(browser, 20).until(lambda b: b.execute_script("return typeof network !== 'undefined'"))
        drawn_nodes = browser.execute_script("return network.body.data.nodes.get().map(n => n.label).sort()")
        drawn_edges = browser.execute_script("return network.body.data.edges.get().map(e => e.label).sort()")
        heading = browser.find_element("tag name", "h1").text
        lang = browser.find_element("tag name", "html").get_attribute("lang")
    assert drawn_nodes == [
        "Boutique Boulot",
        "Club Les entreprises s'engagent de l'Aube",
        "Menuiserie Champenoise",
        "Troyes",
    ]
    assert drawn_edges == [
        "Achat responsable",
        "Recrutement en sortie de parcours",
        "membre de",
        "membre de",
        "situé dans",
        "situé dans",
    ]
    assert heading == "Autour de Boutique Boulot"
    assert lang == "fr"


def test_page_refuses_a_view_larger_than_it_can_draw(tmp_path: Path) -> None:
    import networkx as nx

    G = nx.MultiDiGraph()
    G.add_nodes_from((f"org:{i}", {"kind": "Entreprise", "name": str(i)}) for i in range(MAX_NODES + 1))
    with pytest.raises(ViewTooLarge, match="1001 nodes"):
        write_page(G, tmp_path / "big.html", title="trop grand")
    assert not (tmp_path / "big.html").exists()
