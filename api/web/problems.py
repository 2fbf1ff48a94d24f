"""Errors as `application/problem+json` (RFC 9457), in French."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

__all__ = ["PROBLEM_TYPE", "Problem", "install", "problem_response"]

PROBLEM_TYPE = "application/problem+json"
_BASE = "https://w3id.org/maillage/problemes/"

_TITLES = {
    400: "Requête invalide",
    403: "Lecture seule",
    404: "Introuvable",
    405: "Méthode non permise",
    406: "Format non disponible",
    408: "Délai dépassé",
    413: "Réponse trop grande",
    415: "Type de contenu non pris en charge",
    422: "Paramètres invalides",
    500: "Erreur interne",
    503: "Service indisponible",
}
_SLUGS = {
    400: "requete-invalide",
    403: "lecture-seule",
    404: "introuvable",
    405: "methode-non-permise",
    406: "format-non-disponible",
    408: "delai-depasse",
    413: "reponse-trop-grande",
    415: "type-de-contenu",
    422: "parametres-invalides",
    500: "erreur-interne",
    503: "service-indisponible",
}


class Problem(Exception):
    """An error the API answers with a problem document."""

    def __init__(self, status: int, detail: str, *, title: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.title = title or _TITLES.get(status, "Erreur")
        self.extra = extra


def problem_response(
    request: Request, status: int, detail: str, *, title: str | None = None, **extra: Any
) -> JSONResponse:
    allow = extra.pop("allow", None)
    body = {
        "type": _BASE + _SLUGS.get(status, str(status)),
        "title": title or _TITLES.get(status, "Erreur"),
        "status": status,
        "detail": detail,
        "instance": str(request.url.path),
        **extra,
    }
    headers = {"Allow": allow} if allow else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM_TYPE, headers=headers)


_MESSAGES = {
    "missing": "obligatoire",
    "int_parsing": "doit être un nombre entier",
    "float_parsing": "doit être un nombre",
    "greater_than_equal": "doit être au moins {ge}",
    "less_than_equal": "doit être au plus {le}",
    "greater_than": "doit être plus grand que {gt}",
    "less_than": "doit être plus petit que {lt}",
    "enum": "doit être l'une des valeurs : {expected}",
    "literal_error": "doit être l'une des valeurs : {expected}",
    "string_too_short": "ne doit pas être vide",
    "bool_parsing": "doit être true ou false",
}


def _validation_detail(error: RequestValidationError) -> tuple[str, list[dict[str, str]]]:
    invalid: list[dict[str, str]] = []
    for e in error.errors():
        name = ".".join(str(part) for part in e.get("loc", ())[1:]) or "requête"
        template = _MESSAGES.get(e.get("type", ""), "valeur invalide")
        try:
            reason = template.format(**(e.get("ctx") or {}))
        except (KeyError, IndexError):
            reason = template
        invalid.append({"name": name, "reason": reason})
    text = " ; ".join(f"paramètre « {p['name']} » : {p['reason']}" for p in invalid)
    return text, invalid


def install(app: FastAPI) -> None:
    """Every error of the app becomes a problem document."""

    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(request, exc.status, exc.detail, title=exc.title, **exc.extra)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        detail, invalid = _validation_detail(exc)
        return problem_response(request, 422, detail, invalid_params=invalid)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 404 and exc.detail in (None, "", "Not Found"):
            detail = f"aucune ressource à l'adresse {request.url.path}"
        elif exc.status_code == 405 and exc.detail in (None, "", "Method Not Allowed"):
            detail = f"la méthode {request.method} n'est pas permise à l'adresse {request.url.path}"
        else:
            detail = str(exc.detail)
        return problem_response(request, exc.status_code, detail)
