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
  if (hasFocus) map.setView([focusLat, focusLon], 14);
  else map.setView([46.6, 2.4], 6);

  const cluster = L.markerClusterGroup({ chunkedLoading: true, showCoverageOnHover: false });
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

  async function load(event) {
    if (event) event.preventDefault();
    setStatus("map-status", "Chargement des acteurs…");
    const query = { kind: kindSelect.value, territoire: territoryInput.value.trim() };
    if (!query.territoire && hasFocus) {
      const b = L.latLng(focusLat, focusLon).toBounds(40000); // 40 km around the actor
      query.bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((v) => v.toFixed(5)).join(",");
    }
    try {
      const body = await api("/api/v1/map", query);
      cluster.clearLayers();
      centroids.clearLayers();
      markers.clear();
      const layers = [];
      for (const point of body.points) {
        if (point.latitude == null || point.longitude == null) continue;
        const marker = L.circleMarker([point.latitude, point.longitude], {
          radius: point.id === focusId ? 10 : 6,
          color: "#ffffff",
          weight: 1,
          fillColor: kindInfo(point.kind).colour,
          fillOpacity: 0.9,
        }).bindPopup(() => popup(point));
        marker.maillageId = point.id;
        markers.set(point.id, marker);
        layers.push(marker);
      }
      cluster.addLayers(layers);
      for (const c of body.centroids || body.outlines || []) {
        if (c.latitude == null || c.longitude == null) continue;
        L.circleMarker([c.latitude, c.longitude], { radius: 4, color: "#30638e", weight: 2, fill: false })
          .bindTooltip(c.name)
          .bindPopup(() => el("a", { href: nodeHref({ ...c, famille: "place" }) }, c.name))
          .addTo(centroids);
      }
      const synthetic = body.points.filter((p) => p.synthetic).length;
      setStatus(
        "map-status",
        `${plural(layers.length, "acteur", "acteurs")} sur la carte` +
          (synthetic ? `, dont ${formatNumber(synthetic)} synthétiques (générés).` : "."),
      );
      if (!hasFocus && layers.length) map.fitBounds(cluster.getBounds(), { maxZoom: 12 });
      const focus = focusId && markers.get(focusId);
      if (focus) cluster.zoomToShowLayer(focus, () => focus.openPopup());
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
