// Organisations of a NAF section in a zone d'emploi.
// Parameters: $section (naf:C), $ze (ze:4404). An organisation is in the section when the
// NAF code it is IN_SECTOR of is the section or below it (PART_OF, any number of steps),
// and in the zone when the place it is LOCATED_IN is the zone or inside it (PART_OF).
// One row per organisation and NAF code.
MATCH (section:Node {id: $section})
MATCH (org:Node)-[:IN_SECTOR]->(naf:Node)-[:PART_OF*0..]->(section)
MATCH (org)-[:LOCATED_IN]->(:Node)-[:PART_OF*0..]->(:Node {id: $ze})
RETURN DISTINCT org.id AS org, naf.id AS naf
