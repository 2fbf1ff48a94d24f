// Partners of an organisation and the forms of each partnership, in both directions.
// Parameter: $org, a node id (org:boutique-boulot). One row per partnership: partner, name,
// direction ("out": $org is the relation's source; "in": its target), type, form.
MATCH (:Node {id: $org})-[p:PARTNER_OF]->(partner:Node)
RETURN partner.id AS partner, partner.name AS name, 'out' AS direction, p.type AS type, p.form AS form
UNION
MATCH (:Node {id: $org})<-[p:PARTNER_OF]-(partner:Node)
RETURN partner.id AS partner, partner.name AS name, 'in' AS direction, p.type AS type, p.form AS form
