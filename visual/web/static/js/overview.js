// Overview: the organisation network of a territory in WebGL (sigma + graphology).
// The layout comes from the server (x, y); sizes follow centrality; click opens the actor.
"use strict";

(function () {
  const params = new URLSearchParams(window.location.search);
  const territory = document.getElementById("ov-territoire");
  const colour = document.getElementById("ov-color");
  territory.value = params.get("territoire") || "";
  colour.value = params.get("color") || "kind";
  let renderer = null;

  const COMMUNITY_COLOURS = ["#d1495b", "#00798c", "#edae49", "#6a4c93", "#30638e", "#3c896d", "#8d6a9f", "#e07a5f", "#5f0f40", "#9a8c98"];

  function legend(body) {
    const list = document.getElementById("overview-legend");
    if (colour.value === "kind") {
      const kinds = [...new Set(body.nodes.map((n) => n.kind))].sort();
      list.replaceChildren(...kinds.map((k) => el("li", {}, el("i", { style: `background:${kindInfo(k).colour}` }), kindInfo(k).label)));
    } else {
      const count = new Set(body.nodes.map((n) => n.community)).size;
      list.replaceChildren(el("li", {}, `${plural(count, "communauté", "communautés")} (couleurs cycliques)`));
    }
  }

  // A place id as typed (departement:10), or the first place whose name matches (« Aube »).
  async function territoryId() {
    const text = territory.value.trim();
    if (!text || /^[a-z]+:\S+$/.test(text)) return text;
    const found = await api("/api/v1/search", { q: text, famille: "place", per_page: 1 });
    if (!found.items.length) throw new Error(`aucun territoire ne correspond à « ${text} »`);
    territory.value = found.items[0].id;
    return found.items[0].id;
  }

  // The organisations by PageRank as links: the network for the keyboard.
  function list(body) {
    const ranked = [...body.nodes].sort((a, b) => b.pagerank - a.pagerank || (a.id < b.id ? -1 : 1)).slice(0, 100);
    document.getElementById("overview-list").replaceChildren(
      ...ranked.map((n) => el("li", {}, nodeLink(n), " ", kindBadge(n.kind), " ", syntheticBadge(n))),
    );
  }

  async function load(event) {
    if (event) event.preventDefault();
    setStatus("overview-status", "Chargement du réseau…");
    try {
      const body = await api("/api/v1/overview", { territoire: await territoryId() });
      const graph = new graphology.MultiDirectedGraph();
      const maxRank = body.nodes.reduce((m, n) => Math.max(m, n.pagerank), 1e-9);
      for (const n of body.nodes) {
        graph.addNode(n.id, {
          x: n.x,
          y: n.y,
          label: n.name,
          kind: n.kind,
          community: n.community,
          size: 3 + 12 * Math.sqrt(n.pagerank / maxRank),
          color: colour.value === "community" ? COMMUNITY_COLOURS[Math.abs(n.community || 0) % COMMUNITY_COLOURS.length] : kindInfo(n.kind).colour,
        });
      }
      for (const e of body.edges) {
        if (graph.hasNode(e.source) && graph.hasNode(e.target)) {
          graph.addEdge(e.source, e.target, { color: e.rel === "PARTNER_OF" ? "#d1495b" : "#c7ccd3", size: e.rel === "PARTNER_OF" ? 1.5 : 0.6 });
        }
      }
      if (renderer) renderer.kill();
      renderer = new Sigma(graph, document.getElementById("overview"), { labelRenderedSizeThreshold: 8 });
      renderer.on("clickNode", ({ node }) => window.location.assign(nodeHref({ id: node, kind: graph.getNodeAttribute(node, "kind") })));
      window.maillageOverview = { graph, renderer };
      legend(body);
      list(body);
      const synthetic = body.nodes.filter((n) => n.synthetic).length;
      setStatus(
        "overview-status",
        plural(graph.order, "organisation", "organisations") +
          (body.truncated ? " (les plus reliées seulement)" : "") +
          (synthetic ? ` dont ${formatNumber(synthetic)} synthétiques (générées)` : "") +
          `, ${plural(graph.size, "lien", "liens")}, ${plural(body.communities, "communauté", "communautés")}. ` +
          "Molette pour zoomer, cliquer un acteur pour ouvrir sa page.",
      );
    } catch (error) {
      setStatus("overview-status", `Le réseau n'a pas pu être chargé : ${error.message}`);
    }
  }

  document.getElementById("overview-form").addEventListener("submit", load);
  colour.addEventListener("change", load);
  load();
})();
