"""Network analysis of the organisation network, one family per module: `centrality`,
`brokerage`, `communities`; `metrics` runs them all for `maillage metriques`.

Every function takes the graph first — an `graph.analytic.AnalyticGraph` or an
`igraph.Graph` — computes with igraph, and returns plain Python values keyed by
vertex name (the node id).
"""
