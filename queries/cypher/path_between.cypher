// One step of `path_between` (queries/paired.py): the nodes one relation away from $node,
// in either direction; the same breadth-first search runs on this step and on its SPARQL
// twin, so that both backends give the same path.
// Parameters: $node (org:boutique-boulot), $all (a boolean: false keeps organisations only,
// true goes through places and codes too).
MATCH (:Node {id: $node})--(next:Node)
WHERE $all OR next.id STARTS WITH 'org:'
RETURN DISTINCT next.id AS next
