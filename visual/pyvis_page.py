"""Interactive pages of bounded views of the graph, drawn with pyvis.

pyvis builds pages in time growing with the square of the edges: it draws views
of at most `MAX_NODES` nodes, never the national graph.
"""

from __future__ import annotations

import html
import json
import math
from pathlib import Path

import networkx as nx
from pyvis.network import Network

from visual.palette import LEGEND, kind_colour, kind_label, relation_label

__all__ = ["MAX_NODES", "ViewTooLarge", "write_page"]

MAX_NODES = 1000


# vis-network options: labels stay readable when the whole view is fitted on screen.
_OPTIONS = json.dumps(
    {
        "physics": {
            "barnesHut": {"gravitationalConstant": -6000, "springLength": 140},
            "stabilization": {"iterations": 400, "fit": True},
        },
        "nodes": {"font": {"size": 16}, "scaling": {"label": {"enabled": True, "drawThreshold": 3}}},
        "edges": {"smooth": {"type": "continuous"}, "font": {"size": 10, "align": "middle"}},
        "interaction": {"hover": True, "navigationButtons": False, "tooltipDelay": 150},
    }
)


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
    net.set_options(_OPTIONS)
    for node, data in G.nodes(data=True):
        kind = str(data.get("kind", ""))
        net.add_node(
            str(node),
            label=str(data.get("name", node)),
            title=_tooltip(data),
            color=kind_colour(kind),
            shape="dot",
            size=(10 if str(node).startswith("org:") else 6) + 3 * math.sqrt(G.degree(node)),
        )
    for u, v, data in G.edges(data=True):
        rel = str(data["rel"])
        label = relation_label(rel, data.get("type") if isinstance(data.get("type"), str) else None)
        net.add_edge(str(u), str(v), label=label, title=label, arrows="to")
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
        f'<p style="margin:.2em 0">{_count_line(G)}</p>'
        f'<p style="font-size:.85em;margin:.2em 0">{legend}</p></header>'
    )


def _count_line(G: nx.MultiDiGraph) -> str:
    """'87 acteurs, 71 relations' — places are counted apart when the view has some."""
    actors = sum(1 for n in G if str(n).startswith("org:"))
    others = G.number_of_nodes() - actors
    parts = [f"{actors} acteur{'s' if actors != 1 else ''}"]
    if others:
        parts.append(f"{others} lieu{'x' if others != 1 else ''} et codes")
    parts.append(f"{G.number_of_edges()} relation{'s' if G.number_of_edges() != 1 else ''}")
    return ", ".join(parts)
