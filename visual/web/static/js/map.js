// Map: actors by kind (clustered), territory centroids, a radius tool. Works with no tiles.
"use strict";

(function () {
  const params = new URLSearchParams(window.location.search);
  const focusId = params.get("acteur");
  const focusLat = parseFloat(params.get("lat"));
  const focusLon = parseFloat(params.get("lon"));
  const hasFocus = Number.isFinite(focusLat) && Number.isFinite(focusLon);

  const map = L.map("map", { preferCanvas: true, keyboard: true, maxZoom: 18, minZoom: 3 });
  if (MAILLAGE.tiles) {
    L.tileLayer(MAILLAGE.tiles, { maxZoom: 18, attribution: MAILLAGE.tiles_attribution }).addTo(map);
  }
  map.attributionControl.setPrefix("Leaflet");
  if (hasFocus) map.setView([focusLat, focusLon], 13);
  else map.setView([46.6, 2.4], 6);

  const cluster = L.markerClusterGroup({ chunkedLoading: true, showCoverageOnHover: false, disableClusteringAtZoom: 13 });
  const centroids = L.layerGroup();
  map.addLayer(cluster);
  map.addLayer(centroids);
  L.control.layers(null, { "Acteurs": cluster, "Territoires (centres)": centroids }, { collapsed: false }).addTo(map);
  const markers = new Map();
  window.maillageMap = map;
  window.maillageMarkers = markers;
  window.maillageCluster = cluster;

  const kindSelect = document.getElementById("kind");
  const orgKinds = Object.entries(MAILLAGE.kinds).filter(([kind]) => !/^(Commune|Departement|Region|Epci|ZoneEmploi|Naf|Rome|Secteur)/.test(kind));
  kindSelect.append(...orgKinds.map(([kind, info]) => el("option", { value: kind }, info.label)));
  const territoryInput = document.getElementById("territoire");
  territoryInput.value = params.get("territoire") || "";
  kindSelect.value = params.get("kind") || "";

  function popup(point) {
    return el(
      "div",
      {},
      el("a", { href: nodeHref(point) }, point.name),
      el("br"),
      kindInfo(point.kind).label,
      point.synthetic ? el("span", {}, " ", syntheticBadge(point)) : null,
    );
  }

  const MAX_POINTS = 4000;
  const PER_PAGE = 200;

  // Every page of a search, up to `cap` items (the REST API pages by 200).
  async function searchAll(query, cap) {
    const first = await api("/api/v1/search", { ...query, per_page: PER_PAGE, page: 1 });
    const pages = Math.min(Math.ceil(first.total / PER_PAGE), Math.ceil(cap / PER_PAGE));
    const rest = [];
    for (let page = 2; page <= pages; page++) rest.push(api("/api/v1/search", { ...query, per_page: PER_PAGE, page }));
    const items = first.items.concat(...(await Promise.all(rest)).map((p) => p.items));
    return { items: items.slice(0, cap), total: first.total };
  }

  function centroid(place, territoryLink) {
    const marker = L.circleMarker([place.latitude, place.longitude], { radius: 5, color: "#30638e", weight: 2, fillOpacity: 0.15 });
    marker.bindTooltip(place.name);
    marker.bindPopup(() =>
      el(
        "div",
        {},
        el("a", { href: nodeHref({ ...place, famille: "place" }) }, place.name),
        territoryLink ? [el("br"), el("a", { href: `/carte?territoire=${encodeURIComponent(place.id)}` }, "Afficher ses acteurs")] : null,
      ),
    );
    return marker;
  }

  // The actors of a territory, or around the actor the page was opened for; with no
  // territory, the départements' centres, each a link to its actors.
  async function load(event) {
    if (event) event.preventDefault();
    const territoire = territoryInput.value.trim();
    let orgs = null;
    let places = null;
    if (territoire) {
      orgs = { famille: "org", kind: kindSelect.value, territoire };
      places = { famille: "place", kind: "Commune", territoire };
    } else if (hasFocus) {
      const near = { lat: focusLat.toFixed(5), lon: focusLon.toFixed(5), rayon_km: 20 };
      orgs = { famille: "org", kind: kindSelect.value, ...near };
      places = { famille: "place", kind: "Commune", ...near };
    } else {
      places = { famille: "place", kind: "Departement" };
    }
    setStatus("map-status", "Chargement…");
    try {
      const [found, centres] = await Promise.all([
        orgs ? searchAll(orgs, MAX_POINTS) : Promise.resolve({ items: [], total: 0 }),
        searchAll(places, 1000),
      ]);
      cluster.clearLayers();
      centroids.clearLayers();
      markers.clear();
      const layers = [];
      for (const point of found.items) {
        if (point.latitude == null || point.longitude == null) continue;
        const marker = L.circleMarker([point.latitude, point.longitude], {
          radius: point.id === focusId ? 10 : 6,
          color: "#ffffff",
          weight: 1,
          fillColor: kindInfo(point.kind).colour,
          fillOpacity: 0.9,
        }).bindPopup(() => popup(point));
        markers.set(point.id, marker);
        layers.push(marker);
      }
      cluster.addLayers(layers);
      for (const place of centres.items) {
        if (place.latitude != null && place.longitude != null) centroids.addLayer(centroid(place, !orgs));
      }
      if (!orgs) {
        setStatus("map-status", `${plural(centroids.getLayers().length, "département", "départements")} : choisir un territoire, ou cliquer un centre puis « Afficher ses acteurs ».`);
        map.setView([46.6, 2.4], 6);
        return;
      }
      const synthetic = found.items.filter((p) => p.synthetic && markers.has(p.id)).length;
      const missing = found.items.length - layers.length;
      setStatus(
        "map-status",
        `${plural(layers.length, "acteur", "acteurs")} sur la carte` +
          (synthetic ? `, dont ${formatNumber(synthetic)} synthétiques (générés)` : "") +
          (missing ? `; ${formatNumber(missing)} sans coordonnées` : "") +
          (found.total > found.items.length ? `; ${formatNumber(found.total)} au total, affichés jusqu'à ${formatNumber(MAX_POINTS)}` : "") +
          ".",
      );
      if (!hasFocus && layers.length) map.fitBounds(L.latLngBounds(layers.map((m) => m.getLatLng())), { maxZoom: 12 });
      const focus = focusId && markers.get(focusId);
      if (focus) {
        map.setView(focus.getLatLng(), 13);
        focus.openPopup();
      }
    } catch (error) {
      setStatus("map-status", `La carte n'a pas pu être chargée : ${error.message}`);
    }
  }

  // ---- radius tool: the server's search by distance around a clicked point --------------
  let circle = null;
  async function radiusAt(latlng) {
    const km = Math.max(1, Number(document.getElementById("radius").value) || 10);
    if (circle) circle.remove();
    circle = L.circle(latlng, { radius: km * 1000, color: "#00607a", weight: 2, fillOpacity: 0.05 }).addTo(map);
    setStatus("radius-status", "Recherche dans le rayon…");
    try {
      const page = await api("/api/v1/search", {
        lat: latlng.lat.toFixed(5),
        lon: latlng.lng.toFixed(5),
        rayon_km: km,
        famille: "org",
        kind: kindSelect.value,
        per_page: 50,
      });
      document.getElementById("radius-list").replaceChildren(
        ...page.items.map((p) => el("li", {}, nodeLink(p), " ", el("span", { class: "meta" }, kindInfo(p.kind).label), " ", syntheticBadge(p))),
      );
      setStatus("radius-status", `${plural(page.total, "acteur", "acteurs")} à ${formatNumber(km)} km au plus.`);
    } catch (error) {
      setStatus("radius-status", `Échec : ${error.message}`);
    }
  }
  map.on("click", (event) => radiusAt(event.latlng));
  document.getElementById("map").addEventListener("keydown", (event) => {
    if (event.key === "Enter") radiusAt(map.getCenter());
  });

  document.getElementById("map-form").addEventListener("submit", load);
  load();
})();
