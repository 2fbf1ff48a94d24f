"""`maillage partenaires`, `maillage introductions`, `maillage consortium`: the partner
queries of queries/partners.py, queries/introductions.py and queries/consortium.py.

No `from __future__ import annotations` here: typer reads the options' annotations,
which name objects of api.cli imported inside `register`."""

import csv
import io
import json
from typing import Annotated, Any

import typer

from api.formatting import OutputFormat

__all__ = ["register"]


def _reason(reason: Any) -> dict[str, Any]:
    return {
        "texte": reason.text,
        "poids": round(reason.weight, 4),
        "faits": list(reason.facts),
        "jeux": list(reason.datasets),
    }


def _number(value: float | None, digits: int = 1) -> str:
    return "" if value is None else f"{value:.{digits}f}".replace(".", ",")


def _csv(header: list[str], rows: list[list[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().rstrip("\n")


def register(app: typer.Typer) -> None:
    from api.cli_options import DEFAULT_STORE, Neo4jOption, StoreOption, fail, open_graph

    FormatOption = Annotated[
        OutputFormat, typer.Option("--format", help="Présentation : table, json ou csv.")
    ]

    def _network(store: Any, neo4j: Any) -> tuple[Any, Any]:
        from queries.org_network import org_network
        from queries.partners import partner_index

        graph = open_graph(store, neo4j)
        return graph, partner_index(org_network(graph))

    def _actor(index: Any, text: str) -> str:
        from queries.partners import AmbiguousActor, UnknownActor, resolve_actor

        try:
            return resolve_actor(index.network, text)
        except AmbiguousActor as e:
            lines = [f"{text} est ambigu ; préciser l'identifiant ou le SIRET :"]
            lines += [f"  {node_id}  {name} ({kind})" for node_id, name, kind in e.matches]
            fail("\n".join(lines))
        except UnknownActor as e:
            fail(str(e))
        raise AssertionError  # unreachable: _fail exits

    def _place_names(graph: Any, ids: set[str]) -> dict[str, str]:
        names = {}
        for place in ids:
            node = graph.node(place)
            names[place] = node.name if node is not None else place
        return names

    @app.command()
    def partenaires(
        acteur: Annotated[str, typer.Argument(help="L'organisation : identifiant, SIRET ou nom.")],
        objectif: Annotated[
            str,
            typer.Option(
                "--objectif",
                help="recrutement, achat, sous-traitance, cotraitance, coentreprise ou mecenat.",
            ),
        ] = "achat",
        rayon: Annotated[
            float | None, typer.Option("--radius", "--rayon", help="Distance maximale en km.")
        ] = None,
        territoire: Annotated[
            str | None,
            typer.Option("--territoire", help="Commune ou département (commune:10387, departement:10)."),
        ] = None,
        types: Annotated[
            list[str] | None,
            typer.Option("--type", help="Types d'organisation candidats (Entreprise, ACI…), répétable."),
        ] = None,
        limite: Annotated[int, typer.Option("--limit", "--limite", help="Nombre de candidats.")] = 20,
        fmt: FormatOption = OutputFormat.TABLE,
        store: StoreOption = DEFAULT_STORE,
        neo4j: Neo4jOption = None,
    ) -> None:
        """Proposer des partenaires à une organisation pour un objectif, classés, chacun
        avec ses raisons (poids, faits du graphe et jeux de données)."""
        from queries.partners import Objective, partner_candidates

        try:
            objective = Objective(objectif)
        except ValueError:
            fail(f"objectif inconnu : {objectif} (choisir parmi {', '.join(o.value for o in Objective)})")
        graph, index = _network(store, neo4j)
        try:
            actor = _actor(index, acteur)
            try:
                found = partner_candidates(
                    index, actor, objective=objective, territory=territoire, radius_km=rayon,
                    kinds=types or None, limit=limite,
                )  # fmt: skip
            except ValueError as e:
                fail(str(e))
            places = _place_names(graph, {c.commune for c in found if c.commune})
        finally:
            graph.close()
        name = index.network.graph.vs[index.network.index[actor]]["label"]
        if fmt is OutputFormat.JSON:
            records = [
                {
                    "rang": rank, "id": c.id, "nom": c.name, "type": c.kind,
                    "commune": places.get(c.commune or "", None), "naf": c.naf,
                    "distance_km": c.distance_km, "score": c.score,
                    "raisons": [_reason(r) for r in c.reasons],
                }
                for rank, c in enumerate(found, start=1)
            ]  # fmt: skip
            typer.echo(json.dumps({"acteur": actor, "objectif": objective.value, "candidats": records},
                                  ensure_ascii=False, indent=1))  # fmt: skip
            return
        if fmt is OutputFormat.CSV:
            typer.echo(
                _csv(
                    ["rang", "id", "nom", "type", "commune", "distance_km", "score", "raisons"],
                    [
                        [
                            rank,
                            c.id,
                            c.name,
                            c.kind,
                            places.get(c.commune or "", ""),
                            c.distance_km,
                            c.score,
                            " ; ".join(f"{r.text} ({r.weight:+.2f})" for r in c.reasons),
                        ]
                        for rank, c in enumerate(found, start=1)
                    ],
                )
            )
            return
        if not found:
            typer.echo(f"aucun candidat pour {name} ({objective.label})")
            return
        typer.echo(f"Partenaires proposés à {name} ({actor}) — objectif : {objective.label}")
        for rank, c in enumerate(found, start=1):
            where = places.get(c.commune or "", "lieu inconnu")
            distance = "distance inconnue" if c.distance_km is None else f"{_number(c.distance_km)} km"
            typer.echo(f"{rank:>2}. {c.name} ({c.kind}, {where}) — {distance} — score {_number(c.score, 2)}")
            for r in c.reasons:
                typer.echo(f"      {r.weight:+.2f}  {r.text}".replace(".", ",", 1))
                if r.facts:
                    typer.echo(f"             faits : {' ; '.join(r.facts[:4])}")
                if r.datasets:
                    typer.echo(f"             jeux : {', '.join(r.datasets)}")

    @app.command()
    def introductions(
        a: Annotated[str, typer.Argument(help="Qui cherche à être présenté (identifiant, SIRET ou nom).")],
        b: Annotated[str, typer.Argument(help="À qui (identifiant, SIRET ou nom).")],
        sauts: Annotated[
            int, typer.Option("--hops", "--sauts", help="Nombre maximal de liens du chemin.")
        ] = 3,
        limite: Annotated[int, typer.Option("--limit", "--limite", help="Nombre de chemins.")] = 5,
        fmt: FormatOption = OutputFormat.TABLE,
        store: StoreOption = DEFAULT_STORE,
        neo4j: Neo4jOption = None,
    ) -> None:
        """Qui peut me présenter : les chemins les plus courts de A à B par des
        intermédiaires nommés, les plus solides d'abord."""
        from queries.introductions import introductions as find

        graph, index = _network(store, neo4j)
        try:
            source, target = _actor(index, a), _actor(index, b)
        finally:
            graph.close()
        try:
            paths = find(index, source, target, max_hops=sauts, limit=limite)
        except ValueError as e:
            fail(str(e))
        if fmt is OutputFormat.JSON:
            typer.echo(json.dumps([
                {"chemin": list(p.path), "noms": list(p.names), "liens": p.hops, "solidite": p.strength,
                 "texte": p.text, "faits": list(p.facts), "jeux": list(p.datasets)}
                for p in paths
            ], ensure_ascii=False, indent=1))  # fmt: skip
            return
        if fmt is OutputFormat.CSV:
            rows = [[p.hops, p.strength, p.text, " ; ".join(p.intermediaries)] for p in paths]
            typer.echo(_csv(["liens", "solidite", "chemin", "intermediaires"], rows))
            return
        if not paths:
            typer.echo(f"aucun chemin d'au plus {sauts} liens par un intermédiaire")
            return
        for rank, p in enumerate(paths, start=1):
            typer.echo(f"{rank}. ({p.hops} liens, solidité {_number(p.strength, 3)}) {p.text}")
            typer.echo(f"   faits : {' ; '.join(p.facts)}")
            if p.datasets:
                typer.echo(f"   jeux : {', '.join(p.datasets)}")

    @app.command()
    def consortium(
        lots: Annotated[
            list[str],
            typer.Option(
                "--lot", help="Un lot : code CPV (90910000) ou secteur du Marché (slug) ; répétable."
            ),
        ],
        lieu: Annotated[
            str | None, typer.Option("--place", "--lieu", help="Lieu d'exécution : commune (commune:10387).")
        ] = None,
        rayon: Annotated[
            float, typer.Option("--radius", "--rayon", help="Distance maximale au lieu, en km.")
        ] = 30.0,
        territoire: Annotated[
            str | None, typer.Option("--territoire", help="Département ou commune (departement:10).")
        ] = None,
        entreprises: Annotated[
            bool,
            typer.Option("--companies", "--entreprises", help="Admettre aussi les entreprises ordinaires."),
        ] = False,
        taille: Annotated[
            int, typer.Option("--size", "--taille", help="Nombre maximal de membres d'un groupement.")
        ] = 3,
        limite: Annotated[int, typer.Option("--limit", "--limite", help="Nombre de groupements.")] = 5,
        fmt: FormatOption = OutputFormat.TABLE,
        store: StoreOption = DEFAULT_STORE,
        neo4j: Neo4jOption = None,
    ) -> None:
        """Proposer des groupements de SIAE (et d'entreprises) qui couvrent ensemble tous
        les lots d'un marché près du lieu d'exécution, classés par les liens qui les
        unissent déjà."""
        from queries.consortium import consortium_candidates, lot
        from queries.partners import COMPANY, INCLUSIVE

        if lieu is None and territoire is None:
            fail("donner --lieu (avec --rayon) ou --territoire")
        graph, index = _network(store, neo4j)
        try:
            latitude = longitude = None
            if lieu is not None:
                place = graph.node(lieu)
                if place is None or place.props.get("latitude") is None:
                    fail(f"lieu inconnu ou sans coordonnées : {lieu}")
                assert place is not None
                latitude, longitude = float(place.props["latitude"]), float(place.props["longitude"])
        finally:
            graph.close()
        try:
            wanted = [lot(code, index.tables) for code in lots]
            groups = consortium_candidates(
                index, wanted, latitude=latitude, longitude=longitude,
                radius_km=rayon if lieu is not None else None, territory=territoire,
                kinds=INCLUSIVE | COMPANY if entreprises else INCLUSIVE, max_size=taille, limit=limite,
            )  # fmt: skip
        except ValueError as e:
            fail(str(e))
        if fmt is OutputFormat.JSON:
            typer.echo(json.dumps([
                {"membres": list(g.members), "noms": list(g.names), "score": g.score,
                 "couverture": {code: list(by) for code, by in g.coverage},
                 "raisons": [_reason(r) for r in g.reasons]}
                for g in groups
            ], ensure_ascii=False, indent=1))  # fmt: skip
            return
        if fmt is OutputFormat.CSV:
            typer.echo(_csv(["rang", "membres", "score", "raisons"],
                            [[rank, " + ".join(g.names), g.score, " ; ".join(r.text for r in g.reasons)]
                             for rank, g in enumerate(groups, start=1)]))  # fmt: skip
            return
        if not groups:
            typer.echo("aucun groupement ne couvre tous les lots dans ce périmètre")
            return
        for rank, g in enumerate(groups, start=1):
            typer.echo(f"{rank}. {' + '.join(g.names)} — score {_number(g.score, 2)}")
            for r in g.reasons:
                typer.echo(f"      {r.weight:+.2f}  {r.text}".replace(".", ",", 1))
