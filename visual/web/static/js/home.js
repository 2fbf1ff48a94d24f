// Home: one search box over actors and places, and the list of loaded datasets.
"use strict";

(function () {
  const form = document.getElementById("search-form");
  const input = document.getElementById("q");
  const results = document.getElementById("results");
  let pending = 0;
  let timer = null;

  function resultItem(item) {
    const where = [item.commune_name, item.siret ? `SIRET ${item.siret}` : null].filter(Boolean).join(" · ");
    return el(
      "li",
      { "data-id": item.id },
      el("a", { href: nodeHref(item) }, item.name),
      kindBadge(item.kind, item.kind_label),
      where ? el("span", { class: "meta" }, where) : null,
      syntheticBadge(item),
    );
  }

  async function search() {
    const q = input.value.trim();
    const ticket = ++pending;
    if (q.length < 2) {
      results.replaceChildren();
      setStatus("search-status", "");
      return;
    }
    setStatus("search-status", "Recherche…");
    try {
      const page = await api("/api/v1/search", { q, per_page: 20 });
      if (ticket !== pending) return; // a newer search is on its way
      results.replaceChildren(...page.items.map(resultItem));
      setStatus(
        "search-status",
        page.total === 0 ? `Aucun résultat pour « ${q} ».` : `${plural(page.total, "résultat", "résultats")} pour « ${q} ».`,
      );
    } catch (error) {
      if (ticket === pending) setStatus("search-status", `La recherche a échoué : ${error.message}`);
    }
  }

  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(search, 250);
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearTimeout(timer);
    search();
  });

  async function datasets() {
    const body = document.querySelector("#datasets tbody");
    try {
      const page = await api("/api/v1/datasets", { per_page: 100 });
      body.replaceChildren(
        ...page.items.map((d) =>
          el(
            "tr",
            { "data-id": d.id },
            el("td", {}, d.title || d.id),
            el("td", {}, d.date || "—"),
            el("td", {}, d.synthetic ? syntheticBadge(d) : "réel"),
          ),
        ),
      );
    } catch (error) {
      body.replaceChildren(el("tr", {}, el("td", { colspan: 3, class: "error" }, error.message)));
    }
  }

  datasets();
  if (input.value.trim()) search();
})();
