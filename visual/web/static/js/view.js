// Club and territory pages: the network-analysis view of /api/v1/clubs/{id} or
// /api/v1/territories/{id}, drawn as tables and bar charts (Observable Plot). Every list
// of records becomes a table; every list or mapping of counts also becomes a chart.
"use strict";

(function () {
  const root = document.getElementById("view");
  const id = root.dataset.id;
  const view = root.dataset.view;
  const body = document.getElementById("view-body");

  const LABELS = {
    members: "Membres", members_by_naf: "Membres par section NAF", members_by_section: "Membres par section NAF",
    members_by_size: "Membres par tranche d'effectif", by_naf: "Par section NAF", by_size: "Par tranche d'effectif",
    coverage: "Couverture", unlinked_siae: "SIAE sans lien avec le club", bridges: "Ponts",
    brokers: "Intermédiaires (courtiers)", communities: "Communautés", siae_by_kind: "SIAE par type",
    companies_engaged: "Entreprises engagées", partnerships_per_siae: "Partenariats par SIAE",
    sectors_covered: "Secteurs couverts", sectors_missing: "Secteurs manquants", zones_blanches: "Zones blanches",
    comparison: "Comparaison", centrality: "Centralité", name: "Nom", kind: "Type", kind_label: "Type",
    count: "Nombre", value: "Valeur", score: "Score", rank: "Rang", label: "Libellé", siret: "SIRET",
    commune: "Commune", commune_name: "Commune", departement: "Département", total: "Total",
    share: "Part", size: "Taille", degree: "Degré", betweenness: "Intermédiarité", pagerank: "PageRank",
  };
  const HIDDEN = new Set(["id", "synthetic", "famille", "latitude", "longitude"]);

  const label = (key) => LABELS[key] || key.replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase());
  const isRecord = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
  const isNumber = (v) => typeof v === "number" && Number.isFinite(v);

  function cell(value, record, key) {
    if (key === "name" && record.id) return el("a", { href: nodeHref(record) }, value);
    if (Array.isArray(value)) {
      return value.map((v, i) => [i ? ", " : "", isRecord(v) && v.id ? nodeLink(v) : isRecord(v) ? v.name || v.label || JSON.stringify(v) : String(v)]).flat();
    }
    if (isRecord(value)) return value.id ? nodeLink(value) : value.name || value.label || JSON.stringify(value);
    if (value === true) return "oui";
    if (value === false) return "non";
    return value == null ? "—" : formatNumber(value);
  }

  function table(records) {
    const columns = [...new Set(records.flatMap((r) => Object.keys(r)))].filter((k) => !HIDDEN.has(k)).slice(0, 8);
    return el(
      "table",
      { class: "data" },
      el("thead", {}, el("tr", {}, columns.map((c) => el("th", { scope: "col" }, label(c))))),
      el(
        "tbody",
        {},
        records.map((r) =>
          el("tr", {}, columns.map((c) => el("td", { class: isNumber(r[c]) ? "num" : null }, cell(r[c], r, c), c === "name" ? [" ", syntheticBadge(r)] : null))),
        ),
      ),
    );
  }

  // A bar chart of {label, value} pairs; null when there is nothing to compare.
  function chart(pairs) {
    if (pairs.length < 2 || typeof Plot === "undefined") return null;
    const svg = Plot.plot({
      marginLeft: 230,
      width: Math.min(900, document.getElementById("view").clientWidth || 800),
      height: 26 * pairs.length + 40,
      x: { grid: true, label: null },
      y: { label: null },
      marks: [
        Plot.barX(pairs, { x: "value", y: "label", fill: "#00798c", sort: { y: "-x" } }),
        Plot.text(pairs, { x: "value", y: "label", text: (d) => formatNumber(d.value), dx: 14 }),
        Plot.ruleX([0]),
      ],
    });
    return el("div", { class: "chart" }, svg);
  }

  function countPairs(records) {
    if (!records.length || !records.every(isRecord)) return [];
    const numeric = ["count", "value", "n", "total", "score", "members"].find((k) => records.every((r) => isNumber(r[k])));
    const text = ["label", "name", "kind_label", "kind", "id"].find((k) => records.every((r) => typeof r[k] === "string"));
    return numeric && text ? records.slice(0, 30).map((r) => ({ label: r[text], value: r[numeric] })) : [];
  }

  function section(key, value, level) {
    const heading = el(level <= 2 ? "h2" : "h3", {}, label(key));
    if (Array.isArray(value)) {
      if (!value.length) return el("section", { class: "view-section" }, heading, el("p", { class: "meta" }, "Aucun."));
      if (value.every(isRecord)) return el("section", { class: "view-section panel" }, heading, chart(countPairs(value)), table(value));
      return el("section", { class: "view-section panel" }, heading, el("p", {}, cell(value, {}, key)));
    }
    if (isRecord(value)) {
      const entries = Object.entries(value);
      if (entries.length && entries.every(([, v]) => isNumber(v))) {
        const pairs = entries.map(([k, v]) => ({ label: label(k), value: v }));
        return el("section", { class: "view-section panel" }, heading, chart(pairs), table(entries.map(([k, v]) => ({ label: label(k), value: v }))));
      }
      return el("section", { class: "view-section" }, heading, render(value, level + 1));
    }
    return null;
  }

  function render(data, level) {
    const scalars = Object.entries(data).filter(([k, v]) => !HIDDEN.has(k) && !isRecord(v) && !Array.isArray(v) && k !== "name");
    const parts = [];
    if (scalars.length) {
      parts.push(el("dl", { class: "identity panel" }, scalars.flatMap(([k, v]) => [el("dt", {}, label(k)), el("dd", {}, cell(v, data, k))])));
    }
    for (const [k, v] of Object.entries(data)) {
      if (!HIDDEN.has(k) && (isRecord(v) || Array.isArray(v))) parts.push(section(k, v, level));
    }
    return el("div", {}, parts);
  }

  api(`/api/v1/${view}/${encodeURIComponent(id)}`)
    .then((data) => {
      if (data.name) {
        const title = document.getElementById("view-title");
        title.replaceChildren(el("span", {}, `${title.textContent} : ${data.name} `, syntheticBadge(data)));
        document.title = `${data.name} — maillage`;
      }
      body.replaceChildren(render(data, 2));
      setStatus("view-status", "");
    })
    .catch((error) => {
      setStatus("view-status", "");
      showError("view-error", error);
    });
})();
