"""The web explorer: REST API under /api/v1, the SPARQL 1.1 Protocol at /sparql,
read-only Cypher at /cypher, and the pages (api/web/pages.py) when present."""
