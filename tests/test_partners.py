"""Partner candidates and introductions on a small named territory, read back from the
real embedded store; expected scores computed by hand (see each test)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from graph.oxigraph_store import OxigraphStore
from graph.store import GraphStore
from queries.introductions import introductions
from queries.org_network import OrgNetwork, org_network
from queries.partners import (
    W_COLLECTIVE,
    W_FIT,
    W_SIZE,
    AmbiguousActor,
    Objective,
    UnknownActor,
    haversine_km,
    partner_candidates,
    resolve_actor,
)
from tests.partners_fixture import BB, CLUB, EI, ELEC, OLD, PAYSAGE, PTCE, RESTO, partners_batch


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OrgNetwork]:
    store = OxigraphStore(Path(tmp_path_factory.mktemp("partners")) / "store")
    store.upsert(partners_batch())
    yield org_network(store)  # type: ignore[misc]
    store.close()


# Section shares (+1 smoothing over 4 companies, 3 sections): N 3/7, F 2/7, I 2/7.
# Partnerships of inclusive employers with companies, both achat responsable: the ACI with
# Paysages Anciens (section N), the EI with the restaurant (section I). Each lift is shrunk
# by 4 pseudo-partnerships towards the broader one:
# every kind: lift(*, *, N) = (1 + 4) / (2 * 3/7 + 4) = 35/34,
#             lift(*, *, I) = (1 + 4) / (2 * 2/7 + 4) = 35/32;
# the ACI: lift(*, ACI, N) = (1 + 4 * 35/34) / (1 * 3/7 + 4),
#          lift(*, ACI, I) = (0 + 4 * 35/32) / (1 * 2/7 + 4);
# its achat: lift(achat, ACI, X) = (count + 4 * lift(*, ACI, X)) / (1 * share X + 4).
LIFT_ACI_N = (1 + 4 * 35 / 34) / (3 / 7 + 4)
LIFT_ACHAT_N = (1 + 4 * LIFT_ACI_N) / (3 / 7 + 4)
LIFT_ACHAT_I = (4 * ((4 * 35 / 32) / (2 / 7 + 4))) / (2 / 7 + 4)


def test_achat_ranks_the_club_member_first(network: OrgNetwork) -> None:
    found = partner_candidates(network, BB, objective="achat")
    assert [c.id for c in found] == [PAYSAGE, RESTO, ELEC]  # Paysages Anciens is already a partner
    paysage = found[0]
    # distance 0 (same commune), propensity log(lift N), shared club W_COLLECTIVE = 2.0;
    # no activity fit: a buyer need not be of the trade of what it buys
    assert paysage.score == pytest.approx(round(math.log(LIFT_ACHAT_N) + 2.0, 4))
    weights = {r.text.split(" ")[0]: round(r.weight, 6) for r in paysage.reasons}
    assert weights["membres"] == W_COLLECTIVE == 2.0
    assert "activité" not in weights
    assert weights["section"] == round(math.log(LIFT_ACHAT_N), 6)
    section = next(r for r in paysage.reasons if r.text.startswith("section"))
    assert section.text == (
        "section NAF N : 1,3 fois plus souvent partenaire des ACI en achat responsable que sa part des "
        "entreprises (1 partenariat(s) de ce type observé(s), 1 en tout, "
        "1 avec toutes les structures inclusives)"
    )
    shared = next(r for r in paysage.reasons if r.text.startswith("membres"))
    assert shared.text == "membres tous deux de Club de l'Aube (Club)"
    assert shared.facts == (f"{BB} MEMBER_OF {CLUB}", f"{PAYSAGE} MEMBER_OF {CLUB}")
    assert shared.datasets == ("fixture-partenaires",)


def test_sous_traitance_weighs_the_activity_fit_of_the_trade(network: OrgNetwork) -> None:
    found = {c.id: c for c in partner_candidates(network, BB, objective="sous-traitance")}
    # Boutique Boulot sells green spaces (NAF 01, 02, 81): the landscaper (81.30Z) is of the
    # trade, the electrician (43) and the restaurant (56) are not; no sous-traitance is
    # observed, so the lift is the ACI's over every objective
    fit = next(r for r in found[PAYSAGE].reasons if r.text.startswith("activité compatible"))
    assert (fit.text, fit.weight) == (
        "activité compatible : NAF 81.30Z de Paysages de Champagne ↔ "
        "creation-et-entretien-des-espaces-verts, 88.99B de Boutique Boulot (tables de correspondance)",
        W_FIT,
    )
    assert found[PAYSAGE].score == pytest.approx(round(math.log(LIFT_ACI_N) + W_FIT + 2.0, 4))
    assert not any(r.text.startswith("activité") for c in (ELEC, RESTO) for r in found[c].reasons)


def test_a_common_partner_counts_by_resource_allocation(network: OrgNetwork) -> None:
    resto = partner_candidates(network, BB, objective=Objective.ACHAT)[1]
    # the EI is a partner of both; its degree is 4 (Boutique Boulot, the restaurant, network, PTCE)
    common = next(r for r in resto.reasons if "en commun" in r.text)
    assert (common.text, common.weight) == ("1 relation(s) en commun : Recyclerie de Troyes", 0.5 * 1 / 4)
    assert resto.score == pytest.approx(round(0.125 + math.log(LIFT_ACHAT_I), 4))


def test_radius_and_territory_filter_candidates(network: OrgNetwork) -> None:
    romilly = haversine_km(48.2973, 4.0744, np.array([48.5167]), np.array([3.7267]))[0]
    assert 30 < romilly < 40
    assert [c.id for c in partner_candidates(network, BB, objective="achat", radius_km=30)] == [
        PAYSAGE,
        RESTO,
    ]
    assert [
        c.distance_km for c in partner_candidates(network, BB, objective="achat", territory="commune:10323")
    ] == [round(float(romilly), 2)]


def test_recrutement_weighs_the_size_band(network: OrgNetwork) -> None:
    found = {c.id: c for c in partner_candidates(network, BB, objective="recrutement")}
    size = next(r for r in found[PAYSAGE].reasons if r.text.startswith("taille"))
    assert (size.text, size.weight) == ("taille : 20 à 49 salariés (tranche 12)", W_SIZE * 0.6)


def test_a_company_looking_for_siae_gets_the_inclusive_employers(network: OrgNetwork) -> None:
    found = partner_candidates(network, PAYSAGE, objective="sous-traitance")
    assert [c.id for c in found] == [BB, EI]
    # the landscaper subcontracting: Boutique Boulot's green spaces are of its trade
    assert any(r.text.startswith("activité compatible") for r in found[0].reasons)
    # buying from an SIAE, it need not be of the SIAE's trade
    bought = partner_candidates(network, PAYSAGE, objective="achat")
    assert [c.id for c in bought] == [BB, EI]
    assert not any(r.text.startswith("activité") for c in bought for r in c.reasons)


def test_introduction_names_the_partner_and_the_ptce(network: OrgNetwork) -> None:
    (path,) = introductions(network, BB, ELEC, max_hops=3)
    assert path.path == (BB, EI, PTCE, ELEC)
    assert path.text == (
        "Boutique Boulot —partenaire de→ Recyclerie de Troyes (EI) —membre de→ PTCE Aube (PTCE) "
        "←membre de— Électricité Troyenne"
    )
    # partner 1.0 x member 0.8 x member 0.8, the EI has 4 ties, the PTCE 2
    assert path.strength == round(0.64 / math.log2(6) / math.log2(4), 6)
    assert path.facts == (f"{BB} PARTNER_OF {EI}", f"{EI} MEMBER_OF {PTCE}", f"{ELEC} MEMBER_OF {PTCE}")


def test_introductions_come_shortest_first(network: OrgNetwork) -> None:
    found = introductions(network, BB, RESTO, max_hops=3, limit=5)
    assert [p.path for p in found] == [(BB, EI, RESTO), (BB, "org:chantier-ecole", EI, RESTO)]
    assert introductions(network, BB, ELEC, max_hops=2) == []


def test_actor_by_id_siret_or_name(network: OrgNetwork) -> None:
    assert resolve_actor(network, BB) == BB
    assert resolve_actor(network, "34267885100045") == BB
    assert resolve_actor(network, "boutique boulot") == BB
    assert resolve_actor(network, "electricite troyenne") == ELEC
    with pytest.raises(AmbiguousActor) as ambiguous:
        resolve_actor(network, "Paysages")
    assert [m[0] for m in ambiguous.value.matches] == [OLD, PAYSAGE]
    with pytest.raises(UnknownActor, match="aucune organisation"):
        resolve_actor(network, "Boulangerie imaginaire")


def test_every_backend_gives_the_same_candidates(store: GraphStore) -> None:
    store.upsert(partners_batch())
    found = partner_candidates(org_network(store), BB, objective="achat")
    assert [(c.id, c.score) for c in found] == [
        (PAYSAGE, round(math.log(LIFT_ACHAT_N) + 2.0, 4)),
        (RESTO, round(0.125 + math.log(LIFT_ACHAT_I), 4)),
        (ELEC, found[2].score),
    ]
    assert found[2].score < -3


def test_vectorised_distance_is_the_project_distance() -> None:
    from graph.geo import distance_km

    lats, lons = np.array([48.5167, 48.2973, 43.2965]), np.array([3.7267, 4.0744, 5.3698])
    assert haversine_km(48.2973, 4.0744, lats, lons).tolist() == pytest.approx(
        [distance_km(48.2973, 4.0744, a, b) for a, b in zip(lats, lons, strict=True)], abs=1e-9
    )


def test_the_recommender_never_reads_the_generator_or_its_ground_truth() -> None:
    import ast

    root = Path(__file__).resolve().parents[1] / "queries"
    for module in (
        "partners.py",
        "org_network.py",
        "introductions.py",
        "consortium.py",
        "correspondences.py",
    ):
        tree = ast.parse((root / module).read_text(encoding="utf-8"))
        imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names} | {
            n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)
        }
        assert not {m for m in imported if m.startswith("loaders.synthetic")}, module
        assert "ground_truth" not in (root / module).read_text(encoding="utf-8"), module


def test_the_best_candidates_are_those_a_full_sort_ranks_first_ties_included() -> None:
    """`_best` selects the top of a national pool without sorting it: the same ranks as
    `np.lexsort((candidates, -total))`, ties on the score broken by vertex."""
    from queries.partners import _best

    rng = np.random.default_rng(7)
    total = rng.integers(0, 40, size=5000).astype(np.float64) / 4  # many ties
    candidates = rng.permutation(20_000)[:5000].astype(np.int64)
    for limit in (1, 10, 20, 100):
        assert _best(total, candidates, limit).tolist() == np.lexsort((candidates, -total))[:limit].tolist()
    total[:4990] = np.nan  # fewer known scores than asked: the full order, unknown last
    assert _best(total, candidates, 20).tolist() == np.lexsort((candidates, -total))[:20].tolist()
    assert _best(np.array([1.0, 3.0, 3.0]), np.array([9, 8, 7]), 2).tolist() == [2, 1]
