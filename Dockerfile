# The maillage command line and library, for docker-compose.yml (Neo4j runs in its own
# container; this image needs no Java).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY pyproject.toml README.md ./
COPY graph graph
COPY loaders loaders
COPY queries queries
COPY api api
COPY visual visual
COPY data data
COPY bench bench
# editable: the bundled data files are read next to the packages
RUN pip install -e .

CMD ["maillage", "--help"]
