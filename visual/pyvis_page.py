"""Interactive pages of bounded views of the graph, drawn with pyvis.

pyvis builds pages in time growing with the square of the edges: it draws views
of at most `MAX_NODES` nodes, never the national graph.
"""

from __future__ import annotations

import html
from pathlib import Path

import networkx as nx
from pyvis.network import Network

from visual.palette import LEGEND, kind_colour, kind_label, relation_label

__all__ = ["MAX_NODES", "ViewTooLarge", "write_page"]

MAX_NODES = 1000


class ViewTooLarge(ValueError):
    """A view with more nodes than a page can draw."""


def _tooltip(data: dict[str, object]) -> str:
    kind = str(data.get("kind", ""))
    lines = [str(data.get("name", "")), kind_label(kind) if kind else ""]
    for key in ("siret", "code", "page", "note"):
        if key in data:
            lines.append(f"{key} : {data[key]}")
    if data.get("sources"):
        lines.append("sources : " + ", ".join(map(str, data["sources"])))  # type: ignore[call-overload]
    return "\n".join(line for line in lines if line)


def write_page(G: nx.MultiDiGraph, path: Path, *, title: str) -> Path:
    """Write `G` as a self-contained interactive HTML page (no network needed to open it)."""
    if G.number_of_nodes() > MAX_NODES:
        raise ViewTooLarge(
            f"{G.number_of_nodes()} nodes: a page draws at most {MAX_NODES}; choose a smaller view"
        )
    net = Network(height="820px", width="100%", directed=True, cdn_resources="in_line", heading="")
    net.barnes_hut(gravity=-6000, spring_length=140)
    for node, data in G.nodes(data=True):
        kind = str(data.get("kind", ""))
        net.add_node(
            str(node),
            label=str(data.get("name", node)),
            title=_tooltip(data),
            color=kind_colour(kind),
            shape="dot",
            size=14 if node.startswith("org:") else 8,
            group=kind,
        )
    for u, v, data in G.edges(data=True):
        rel = str(data["rel"])
        label = relation_label(rel, data.get("type") if isinstance(data.get("type"), str) else None)
        net.add_edge(str(u), str(v), label=label, title=label, arrows="to", font={"size": 9})
    path.parent.mkdir(parents=True, exist_ok=True)
    page = net.generate_html().replace("<h1></h1>", "")
    page = page.replace("<body>", f"<body>{_header(title, G)}", 1)
    page = page.replace("<html>", '<html lang="fr">', 1)
    path.write_text(page, encoding="utf-8")
    return path


def _header(title: str, G: nx.MultiDiGraph) -> str:
    legend = "".join(
        f'<span style="margin-right:1em"><span style="display:inline-block;width:.8em;height:.8em;'
        f'border-radius:50%;background:{colour}"></span> {html.escape(label)}</span>'
        for label, colour in LEGEND
    )
    return (
        '<header style="font-family:sans-serif;padding:.5em 1em">'
        f'<h1 style="font-size:1.3em;margin:.2em 0">{html.escape(title)}</h1>'
        f'<p style="margin:.2em 0">{G.number_of_nodes()} acteurs et lieux, '
        f"{G.number_of_edges()} relations</p>"
        f'<p style="font-size:.85em;margin:.2em 0">{legend}</p></header>'
    )
