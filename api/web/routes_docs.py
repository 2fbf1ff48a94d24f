"""/api/v1/docs: the OpenAPI description as one plain French page, with no script and no
CDN, so it reads offline (the machine-readable schema is /api/v1/openapi.json)."""

from __future__ import annotations

from html import escape
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

__all__ = ["render_openapi", "router"]

router = APIRouter(include_in_schema=False)

_STYLE = """body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;
line-height:1.45}h2{margin-top:2.2rem;font-size:1.1rem}code{background:#f2f2f2;padding:0 .2rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0}td,th{border:1px solid #ccc;padding:.25rem .4rem;
text-align:left;vertical-align:top}.m{font-weight:bold;color:#1a4d8f}"""


def _type(schema: dict[str, Any]) -> str:
    if "anyOf" in schema:
        return " | ".join(_type(s) for s in schema["anyOf"])
    if schema.get("type") == "array":
        return f"liste de {_type(schema.get('items', {}))}"
    if "enum" in schema:
        return " | ".join(str(v) for v in schema["enum"])
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    return str(schema.get("type", ""))


def render_openapi(schema: dict[str, Any]) -> str:
    """Every operation of the schema: method, path, summary, description, parameters."""
    info = schema.get("info", {})
    title = escape(info.get("title", ""))
    parts = [
        f'<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>API {title}</title>'
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>API {title}</h1><p>{escape(info.get('description', ''))}</p>",
        '<p>Schéma OpenAPI : <a href="/api/v1/openapi.json">/api/v1/openapi.json</a></p>',
    ]
    for path, methods in schema.get("paths", {}).items():
        for method, operation in methods.items():
            anchor = escape(operation.get("operationId", path))
            summary = escape(operation.get("summary", ""))
            parts.append(
                f'<h2 id="{anchor}"><span class="m">{method.upper()}</span> <code>{escape(path)}</code>'
                f" — {summary}</h2>"
            )
            if operation.get("description"):
                parts.append(f"<p>{escape(operation['description'])}</p>")
            params = operation.get("parameters", [])
            if params:
                parts.append("<table><tr><th>paramètre</th><th>où</th><th>type</th><th>description</th></tr>")
                for p in params:
                    schema_of = p.get("schema", {})
                    required = " (obligatoire)" if p.get("required") else ""
                    described = p.get("description", "") or schema_of.get("description", "")
                    parts.append(
                        f"<tr><td><code>{escape(p['name'])}</code>{required}</td>"
                        f"<td>{escape(p.get('in', ''))}</td><td>{escape(_type(schema_of))}</td>"
                        f"<td>{escape(described)}</td></tr>"
                    )
                parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts)


@router.get("/api/v1/docs", response_class=HTMLResponse)
def docs(request: Request) -> HTMLResponse:
    return HTMLResponse(render_openapi(request.app.openapi()))
