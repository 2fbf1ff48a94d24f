// Club and territory pages: the network-analysis view of /api/v1/clubs/{id} or
// /api/v1/territories/{id} (tables computed by queries.club / queries.territory), each
// table with its CSV export and, where it compares counts, a bar chart (Observable Plot).
"use strict";

(function () {
  const root = document.getElementById("view");
  const id = root.dataset.id;
  const view = root.dataset.view; // "clubs" or "territories"
  const exportView = view === "clubs" ? "club" : "territoire";
  const body = document.getElementById("view-body");
  const SERIES = ["territoire", "département", "médiane nationale des départements"];
  const SERIES_COLOURS = ["#00798c", "#edae49", "#8d99ae"];
  const SIAE_ROWS = ["SIAE", "ACI", "EI", "AI", "ETTI", "EITI"];
  window.maillageCharts = {};

  // Which tables get a chart, and from which columns: {label, value} bars, or the
  // territory's indicators grouped by series.
  const BARS = {
    sections: ["section NAF", "membres"],
    tranches: ["libellé", "membres"],
    couverture: ["section NAF", "couverture %"],
    siae: ["nom", "partenariats"],
    zones_blanches: ["nom", "distance au plus proche ACI ou EI km"],
    courtiers: ["nom", "intermédiarité"],
  };

  // Rows as records; a NAF section letter is shown with its name (« F — Construction »).
  function records(table) {
    return table.rows.map((row) =>
      Object.fromEntries(
        table.columns.map((c, i) => [c, c === "section NAF" && MAILLAGE.naf_sections[row[i]] ? `${row[i]} — ${MAILLAGE.naf_sections[row[i]]}` : row[i]]),
      ),
    );
  }

  function barChart(key, pairs, axis) {
    window.maillageCharts[key] = pairs;
    const svg = Plot.plot({
      marginLeft: 300,
      marginRight: 50,
      width: Math.min(820, root.clientWidth || 800),
      height: 28 * pairs.length + 40,
      x: { grid: true, label: axis },
      y: { label: null },
      marks: [
        Plot.barX(pairs, { x: "value", y: "label", fill: "#00798c", sort: { y: "-x" } }),
        Plot.text(pairs, { x: "value", y: "label", text: (d) => formatNumber(d.value), dx: 16 }),
        Plot.ruleX([0]),
      ],
    });
    return el("div", { class: "chart", "data-chart": key }, svg);
  }

  function indicatorChart(table) {
    const data = records(table)
      .filter((r) => SIAE_ROWS.includes(r.indicateur))
      .flatMap((r) => SERIES.map((s) => ({ indicateur: r.indicateur, serie: s, value: r[s] ?? 0 })));
    window.maillageCharts.indicateurs = data;
    const svg = Plot.plot({
      marginLeft: 70,
      marginRight: 50,
      width: Math.min(820, root.clientWidth || 800),
      height: 28 * data.length + 40,
      x: { grid: true, label: "SIAE" },
      y: { axis: null, domain: SERIES },
      fy: { label: null, domain: SIAE_ROWS },
      color: { domain: SERIES, range: SERIES_COLOURS, legend: true },
      marks: [
        Plot.barX(data, { x: "value", y: "serie", fy: "indicateur", fill: "serie" }),
        Plot.text(data, { x: "value", y: "serie", fy: "indicateur", text: (d) => formatNumber(d.value), dx: 12 }),
        Plot.ruleX([0]),
      ],
    });
    return el("div", { class: "chart", "data-chart": "indicateurs" }, svg);
  }

  function chart(table) {
    if (typeof Plot === "undefined" || !table.rows.length) return null;
    if (table.key === "indicateurs") return indicatorChart(table);
    const columns = BARS[table.key];
    if (!columns) return null;
    const pairs = records(table)
      .filter((r) => typeof r[columns[1]] === "number")
      .slice(0, 30)
      .map((r) => ({ label: String(r[columns[0]]), value: r[columns[1]] }));
    return pairs.length ? barChart(table.key, pairs, columns[1]) : null;
  }

  // A table of the view: ids become links on the name beside them, and are not shown.
  function dataTable(table) {
    const idColumn = table.columns.indexOf("id") >= 0 ? "id" : table.columns.indexOf("commune") >= 0 && table.key === "zones_blanches" ? "commune" : null;
    const shown = table.columns.filter((c) => c !== idColumn);
    const nameColumn = idColumn ? shown.find((c) => c === "nom") : null;
    const synthetic = new Set(table.synthetic || []);
    const rows = records(table).map((r) =>
      el(
        "tr",
        {},
        shown.map((c) => {
          const value = r[c];
          const text = value === null || value === undefined ? "—" : formatNumber(value);
          const content = c === nameColumn
            ? [el("a", { href: nodeHref(r[idColumn]) }, text), " ", syntheticBadge({ synthetic: synthetic.has(r[idColumn]) })]
            : text;
          return el("td", { class: typeof value === "number" ? "num" : null }, content);
        }),
      ),
    );
    return el(
      "table",
      { class: "data" },
      el("thead", {}, el("tr", {}, shown.map((c) => el("th", { scope: "col" }, c)))),
      el("tbody", {}, rows),
    );
  }

  function section(table) {
    const params = new URLSearchParams(view === "clubs" ? { id } : { territoire: id });
    params.set("tableau", table.key);
    return el(
      "section",
      { class: "view-section panel", id: `table-${table.key}`, "data-key": table.key },
      el("h2", {}, table.title),
      el("p", { class: "meta" }, el("a", { href: `/api/v1/export/${exportView}?${params}`, download: "" }, "Exporter en CSV")),
      table.rows.length ? [chart(table), dataTable(table)] : el("p", { class: "meta" }, "Aucune ligne."),
    );
  }

  function heading(data) {
    document.getElementById("view-title").replaceChildren(el("span", {}, data.name, " ", syntheticBadge(data)));
    document.title = `${data.name} — maillage`;
    const facts = view === "clubs"
      ? [
          ["Type", data.kind_label],
          ["Territoire", data.territoire ? el("a", { href: nodeHref(data.territoire) }, data.territoire_name || data.territoire) : null],
          ["Membres", plural(data.members.length, "membre", "membres")],
          ["Fiche", el("a", { href: `/acteur/${encodeURIComponent(data.id)}` }, "identité, réseau et partenaires possibles")],
        ]
      : [
          ["Type", data.kind_label],
          ["Département", data.departement && data.departement !== data.id ? el("a", { href: nodeHref(data.departement) }, data.departement_name) : null],
          ["Zone blanche", `commune à plus de ${formatNumber(data.km)} km de tout ACI ou EI`],
          ["Réseau", el("a", { href: `/vue-ensemble?territoire=${encodeURIComponent(data.id)}` }, "vue d'ensemble des organisations du territoire")],
        ];
    return el(
      "dl",
      { class: "identity panel", id: "view-facts" },
      facts.filter(([, v]) => v).flatMap(([term, value]) => [el("dt", {}, term), el("dd", {}, value)]),
    );
  }

  // The members, folded when they are many (the tables come first).
  function members(data) {
    const synthetic = data.members.filter((m) => m.synthetic).length;
    const summary = `${plural(data.members.length, "membre", "membres")}` + (synthetic ? `, dont ${formatNumber(synthetic)} synthétiques` : "");
    return el(
      "section",
      { class: "view-section panel", id: "members" },
      el("h2", {}, "Membres"),
      el(
        "details",
        { open: data.members.length <= 12 },
        el("summary", {}, summary),
        el(
          "ul",
          { class: "members" },
          data.members.map((m) => el("li", {}, el("a", { href: nodeHref(m) }, m.name), " ", kindBadge(m.kind, m.kind_label), " ", syntheticBadge(m))),
        ),
      ),
    );
  }

  async function central() {
    const page = await api("/api/v1/centrality", { territoire: id, per_page: 10 });
    const table = {
      key: "centralite",
      title: "Organisations les plus centrales (PageRank)",
      columns: ["id", "nom", "type", "PageRank", "degré", "intermédiarité"],
      rows: page.items.map((i) => [i.id, i.name, i.kind_label, i.pagerank, i.degree, i.betweenness]),
      synthetic: page.items.filter((i) => i.synthetic).map((i) => i.id),
    };
    const done = section(table);
    done.querySelector(".meta a").setAttribute("href", `/api/v1/export/centralite?territoire=${encodeURIComponent(id)}`);
    return done;
  }

  api(`/api/v1/${view}/${encodeURIComponent(id)}`)
    .then(async (data) => {
      const parts = [heading(data)];
      if (view === "clubs") parts.push(members(data));
      parts.push(...data.tables.map(section));
      if (view === "territories") parts.push(await central().catch(() => null));
      body.replaceChildren(...parts);
      setStatus("view-status", "");
      root.dataset.ready = "true";
    })
    .catch((error) => {
      setStatus("view-status", "");
      showError("view-error", error);
    });
})();
