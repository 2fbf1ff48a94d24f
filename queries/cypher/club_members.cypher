// Members of a club (or of any collective: PTCE, network, Fabrique), with their role.
// Parameter: $club, a node id (org:club-10). One row per membership: member, name, role
// (no role: null). Names and roles are the resolved values (first dataset by name wins).
MATCH (member:Node)-[m:MEMBER_OF]->(:Node {id: $club})
RETURN DISTINCT member.id AS member, member.name AS name, m.role AS role
