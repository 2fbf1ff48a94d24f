// How many nodes are of a class of the ontology, its subclasses included.
// Parameter: $cls, a class as "mlg:SIAE". Every node carries the labels of its kind and of
// the kind's superclasses (graph/ontology.py), so the class is a label. The family label
// Code is also on projects (CodeKind.PROJET), which the ontology does not make a mlg:Code.
MATCH (o:Node)
WHERE any(label IN labels(o) WHERE 'mlg:' + label = $cls) AND NOT ($cls = 'mlg:Code' AND o:Projet)
RETURN count(*) AS n
