// Actor page: identity with provenance, ego network (cytoscape), partner candidates, introductions.
"use strict";

(function () {
  const root = document.getElementById("actor");
  const actorId = root.dataset.id;
  const base = `/api/v1/actors/${encodeURIComponent(actorId)}`;
  let datasetTitles = {};
  let cy = null;

  // ---- identity -------------------------------------------------------------------------
  function datasetList(ids) {
    return (ids || []).map((id) => datasetTitles[id] || id).join(", ");
  }

  function factValue(fact) {
    if (fact.value_label) return fact.value_label;
    if (fact.value === true) return "oui";
    if (fact.value === false) return "non";
    return Array.isArray(fact.value) ? fact.value.join(", ") : String(fact.value);
  }

  function renderIdentity(actor) {
    document.title = `${actor.name} — maillage`;
    document.getElementById("actor-name").textContent = actor.name;
    const kind = document.getElementById("actor-kind");
    kind.replaceChildren(el("span", {}, kindBadge(actor.kind, actor.kind_label), " ", syntheticBadge(actor)));
    for (const d of actor.datasets || []) datasetTitles[d.id] = d.title || d.id;

    const rows = [
      ["Type", actor.kind_label],
      ["SIRET", actor.siret],
      ["Adresse", actor.adresse],
      ["Commune", actor.commune ? el("a", { href: nodeHref(actor.commune) }, actor.commune_name || actor.commune) : null],
      [
        "Département",
        actor.departement ? el("a", { href: nodeHref(actor.departement) }, actor.departement_name || actor.departement) : null,
      ],
      [
        "Vue du collectif",
        MAILLAGE.collectives.includes(actor.kind)
          ? el("a", { id: "club-view-link", href: `/club/${encodeURIComponent(actor.id)}` }, "membres, couverture, SIAE à relier, courtiers")
          : null,
      ],
      ["Secteurs", (actor.sectors || []).map((s) => s.label).join(" ; ")],
      ["Métiers", (actor.jobs || []).map((j) => j.label).join(" ; ")],
      [
        "Sources",
        el("ul", { class: "sources" }, (actor.datasets || []).map((d) => el("li", {}, d.title || d.id, " ", syntheticBadge(d)))),
      ],
    ];
    document.getElementById("identity").replaceChildren(
      ...rows
        .filter(([, value]) => value && (!Array.isArray(value) || value.length))
        .flatMap(([term, value]) => [el("dt", {}, term), el("dd", {}, value)]),
    );
    document.querySelector("#facts tbody").replaceChildren(
      ...(actor.facts || []).map((fact) =>
        el(
          "tr",
          {},
          el("th", { scope: "row" }, fact.label || fact.property),
          el("td", {}, factValue(fact)),
          el("td", {}, datasetList(fact.datasets)),
        ),
      ),
    );
    const map = document.getElementById("actor-map-link");
    if (actor.latitude != null && actor.longitude != null) {
      map.href = `/carte?acteur=${encodeURIComponent(actor.id)}&lat=${actor.latitude}&lon=${actor.longitude}`;
    } else {
      map.hidden = true;
    }
  }

  // ---- ego network ----------------------------------------------------------------------
  const depthSelect = document.getElementById("depth");
  const relFilters = document.getElementById("rel-filters");
  for (const rel of MAILLAGE.relations) {
    const id = `rel-${rel.id}`;
    relFilters.append(
      el(
        "label",
        { for: id },
        el("input", { type: "checkbox", id, name: "rel", value: rel.id, checked: true }),
        ` ${rel.label}`,
      ),
    );
  }

  function selectedRelations() {
    return [...relFilters.querySelectorAll("input:checked")].map((input) => input.value);
  }

  function renderEgo(hood) {
    const elements = [];
    for (const node of hood.nodes) {
      const info = kindInfo(node.kind);
      elements.push({
        data: {
          id: node.id,
          label: node.name,
          colour: info.colour,
          depth: node.depth,
          href: nodeHref(node),
          synthetic: node.synthetic ? 1 : 0,
        },
      });
    }
    hood.edges.forEach((edge, i) => {
      elements.push({
        data: { id: `e${i}`, source: edge.source, target: edge.target, label: edge.rel_label || edge.rel, rel: edge.rel },
      });
    });
    if (cy) cy.destroy();
    const many = hood.edges.length > 60;
    cy = cytoscape({
      container: document.getElementById("ego"),
      elements,
      minZoom: 0.2,
      maxZoom: 1.4,
      style: [
        {
          selector: "node",
          style: {
            "background-color": "data(colour)",
            label: "data(label)",
            "font-size": 11,
            "min-zoomed-font-size": 8,
            "text-wrap": "ellipsis",
            "text-max-width": 140,
            "text-valign": "bottom",
            "text-margin-y": 3,
            width: 16,
            height: 16,
          },
        },
        { selector: "node[depth = 1]", style: { "font-size": 14, width: 20, height: 20 } },
        { selector: `node[id = ${JSON.stringify(actorId)}]`, style: { width: 30, height: 30, "font-weight": "bold", "font-size": 16 } },
        { selector: "node[synthetic = 1]", style: { "border-width": 2, "border-color": "#e8b96a", "border-style": "dashed" } },
        {
          selector: "edge",
          style: {
            width: 1.2,
            "line-color": "#aab3bf",
            "curve-style": "bezier",
            "target-arrow-shape": "triangle",
            "target-arrow-color": "#aab3bf",
            "arrow-scale": 0.7,
            label: many ? "" : "data(label)",
            "font-size": 10,
            color: "#5b6472",
            "text-rotation": "autorotate",
          },
        },
        { selector: "edge[rel = 'PARTNER_OF']", style: { "line-color": "#d1495b", "target-arrow-color": "#d1495b", width: 2 } },
      ],
      layout: { name: "preset" },
    });
    // Few nodes: rings by distance from the actor; many: a force layout that groups
    // the members around their club or network.
    const layout =
      hood.nodes.length <= 30
        ? { name: "breadthfirst", roots: cy.getElementById(actorId), circle: true, spacingFactor: 1.3 }
        : { name: "cose", randomize: false, nodeRepulsion: () => 6000, idealEdgeLength: () => 50, numIter: 1500 };
    cy.layout({ ...layout, padding: 30, animate: false }).run();
    cy.on("tap", "node", (event) => {
      const href = event.target.data("href");
      if (event.target.id() !== actorId) window.location.assign(href);
    });
    window.maillageEgo = cy;

    const others = hood.nodes.filter((n) => n.id !== actorId);
    document.getElementById("ego-list").replaceChildren(
      ...others.map((n) => el("li", {}, nodeLink(n), " ", kindBadge(n.kind, n.kind_label), " ", syntheticBadge(n))),
    );
    const facets = hood.facets || {};
    const chips = [
      ...(facets.places || []).map((p) => el("a", { class: "badge", href: nodeHref({ ...p, famille: "place" }) }, p.name)),
      ...(facets.codes || []).map((c) => el("span", { class: "badge", title: c.kind }, c.label)),
    ];
    document.getElementById("facets").replaceChildren(...(chips.length ? [el("span", { class: "meta" }, "Lieux et codes : "), ...chips] : []));
    setStatus(
      "ego-status",
      `${plural(others.length, "acteur", "acteurs")} et ${plural(hood.edges.length, "relation", "relations")} à ${plural(Number(depthSelect.value), "lien", "liens")}.`,
    );
  }

  async function loadEgo() {
    const rel = selectedRelations();
    if (rel.length === 0) {
      setStatus("ego-status", "Choisir au moins une relation.");
      if (cy) cy.elements().remove();
      return;
    }
    setStatus("ego-status", "Chargement du réseau…");
    try {
      renderEgo(await api(`${base}/neighbourhood`, { depth: depthSelect.value, rel }));
    } catch (error) {
      setStatus("ego-status", `Le réseau n'a pas pu être chargé : ${error.message}`);
    }
  }

  document.getElementById("ego-form").addEventListener("change", loadEgo);

  // ---- partner candidates ---------------------------------------------------------------
  const objective = document.getElementById("objectif");
  objective.replaceChildren(...MAILLAGE.objectives.map((o) => el("option", { value: o.id }, o.label)));

  function reasonItem(evidence) {
    const sources = (evidence.facts || []).flatMap((f) => f.datasets || []);
    return el(
      "li",
      {},
      evidence.reason,
      evidence.weight != null
        ? el("span", { class: "score" }, ` (${evidence.weight >= 0 ? "+" : "−"}${formatNumber(Math.abs(evidence.weight))})`)
        : null,
      sources.length ? el("span", { class: "meta" }, ` — ${datasetList([...new Set(sources)])}`) : null,
    );
  }

  function candidateCard(candidate) {
    return el(
      "li",
      { "data-id": candidate.id },
      el("h3", {}, nodeLink(candidate)),
      el(
        "p",
        { class: "meta" },
        kindBadge(candidate.kind, candidate.kind_label),
        " ",
        syntheticBadge(candidate),
        ` score ${formatNumber(candidate.score)}`,
        candidate.distance_km != null ? ` · ${formatNumber(candidate.distance_km)} km` : "",
      ),
      el("ul", { class: "reasons" }, (candidate.evidence || []).map(reasonItem)),
      el(
        "button",
        { type: "button", class: "secondary", onclick: () => introductions(candidate.id, candidate.name) },
        "Qui peut me présenter ?",
      ),
    );
  }

  async function candidates(event) {
    if (event) event.preventDefault();
    setStatus("candidates-status", "Recherche de partenaires…");
    const list = document.getElementById("candidates");
    try {
      const page = await api(`${base}/candidates`, {
        objectif: objective.value,
        rayon_km: document.getElementById("rayon").value,
        limit: 12,
      });
      list.replaceChildren(...page.items.map(candidateCard));
      setStatus(
        "candidates-status",
        page.items.length
          ? `${plural(page.items.length, "partenaire possible", "partenaires possibles")}, du plus probable au moins probable.`
          : "Aucun partenaire possible pour cet objectif dans ce rayon.",
      );
    } catch (error) {
      list.replaceChildren();
      setStatus("candidates-status", `Les partenaires possibles n'ont pas pu être calculés : ${error.message}`);
    }
  }

  document.getElementById("candidates-form").addEventListener("submit", candidates);

  // ---- introductions --------------------------------------------------------------------
  function pathItem(item) {
    const parts = [];
    item.path.forEach((node, i) => {
      if (i > 0) {
        // the tie's direction, from the fact that carries it
        const fact = (item.facts || [])[i - 1];
        const rel = item.rels[i - 1] || "";
        const forward = !fact || fact.subject === item.path[i - 1].id;
        parts.push(el("span", { class: "hop" }, forward ? ` — ${rel} → ` : ` ← ${rel} — `));
      }
      parts.push(nodeLink(node));
    });
    return el("li", {}, ...parts, item.strength != null ? el("span", { class: "score" }, ` (force ${formatNumber(item.strength)})`) : null);
  }

  async function introductions(targetId, targetName) {
    const list = document.getElementById("introductions");
    setStatus("intro-status", `Chemins vers ${targetName || targetId}…`);
    document.getElementById("intro-title").scrollIntoView({ block: "start" });
    try {
      const page = await api(`${base}/introductions`, { vers: targetId, max_hops: 3, limit: 5 });
      list.replaceChildren(...page.items.map(pathItem));
      setStatus(
        "intro-status",
        page.items.length
          ? `${plural(page.items.length, "chemin", "chemins")} vers ${targetName || targetId}.`
          : `Personne dans le réseau connu ne relie à ${targetName || targetId} en 3 liens au plus.`,
      );
    } catch (error) {
      list.replaceChildren();
      setStatus("intro-status", `Les chemins n'ont pas pu être calculés : ${error.message}`);
    }
  }

  const introInput = document.getElementById("intro-q");
  const introOptions = document.getElementById("intro-options");
  let introHits = [];
  introInput.addEventListener("input", async () => {
    const q = introInput.value.trim();
    if (q.length < 3) return;
    try {
      introHits = (await api("/api/v1/search", { q, famille: "org", per_page: 8 })).items;
      introOptions.replaceChildren(...introHits.map((h) => el("option", { value: h.name }, h.commune_name || "")));
    } catch (error) {
      introHits = [];
    }
  });
  document.getElementById("intro-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const q = introInput.value.trim();
    let hit = introHits.find((h) => h.name === q);
    if (!hit && q) hit = (await api("/api/v1/search", { q, famille: "org", per_page: 1 })).items[0];
    if (hit) introductions(hit.id, hit.name);
    else setStatus("intro-status", `Aucun acteur ne correspond à « ${q} ».`);
  });

  // ---- start ----------------------------------------------------------------------------
  // Titles of every dataset, for the provenance of candidates' reasons.
  api("/api/v1/datasets", { per_page: 200 })
    .then((page) => {
      for (const d of page.items) datasetTitles[d.id] = d.title || d.id;
    })
    .catch(() => {});
  api(base)
    .then((actor) => {
      renderIdentity(actor);
      loadEgo();
    })
    .catch((error) => {
      document.getElementById("actor-name").textContent = "Acteur introuvable";
      showError("actor-error", error);
    });
})();
