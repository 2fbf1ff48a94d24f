// SIAE (ACI, EI, AI, ETTI, EITI) within $km kilometres of the commune $commune.
// Parameters: $commune (commune:10387), $km (a float, 20.0).
//
// Position: an organisation's own latitude/longitude when it has both, otherwise that of
// each place it is LOCATED_IN (the nearest counts). Distance: the very formula of the
// SPARQL twin (which has no trigonometry nor square root), so that both answer alike:
// equirectangular, cos(φm) by its Taylor series to the 8th power, squared distances:
//   φm = (φ + φ0)/2 (radians), x = Δλ·cos φm, y = Δφ, d² = (x² + y²)·R², R = 6371 km.
// (point.distance(org.location, c.location) gives the exact haversine distance.)
// One row per SIAE and kind: org, kind, d2_km2 (the squared distance, km²).
MATCH (c:Node {id: $commune})
WHERE c.latitude IS NOT NULL AND c.longitude IS NOT NULL
MATCH (org:Node)
WHERE org:ACI OR org:EI OR org:AI OR org:ETTI OR org:EITI
UNWIND [label IN labels(org) WHERE label IN ['ACI', 'EI', 'AI', 'ETTI', 'EITI']] AS kind
OPTIONAL MATCH (org)-[:LOCATED_IN]->(place:Node)
WITH c, org, kind,
     CASE WHEN org.latitude IS NOT NULL AND org.longitude IS NOT NULL THEN org ELSE place END AS at
WITH org, kind, c.latitude AS lat0, c.longitude AS lon0, at.latitude AS lat, at.longitude AS lon
WHERE lat IS NOT NULL AND lon IS NOT NULL
WITH org, kind, lat0, lon0, lat, lon, (lat + lat0) / 2.0 * 1.7453292519943295e-2 AS phi
WITH org, kind, lat0, lon0, lat, lon, phi * phi AS p2
WITH org, kind, lat0, lon0, lat, lon,
     1.0 - p2 / 2.0 + p2 * p2 / 24.0 - p2 * p2 * p2 / 720.0 + p2 * p2 * p2 * p2 / 40320.0 AS cos_phi
WITH org, kind,
     (lon - lon0) * 1.7453292519943295e-2 * cos_phi AS x,
     (lat - lat0) * 1.7453292519943295e-2 AS y
WITH org, kind, (x * x + y * y) * 6371.0 * 6371.0 AS d2
WHERE d2 <= $km * $km
RETURN org.id AS org, kind, min(d2) AS d2_km2
