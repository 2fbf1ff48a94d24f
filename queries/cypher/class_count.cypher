// How many nodes are of a class of the ontology, its subclasses included.
// Parameter: $cls, a class as "mlg:SIAE". Every node carries the labels of its kind and of
// the kind's superclasses (graph/ontology.py), so the class is a label.
MATCH (o:Node)
WHERE any(label IN labels(o) WHERE 'mlg:' + label = $cls)
RETURN count(*) AS n
