"""The consortium finder on the small named territory of tests/partners_fixture.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.oxigraph_store import OxigraphStore
from queries.consortium import consortium_candidates, lot
from queries.correspondences import correspondences
from queries.org_network import org_network
from queries.partners import COMPANY, INCLUSIVE, Reason, partner_index
from tests.partners_fixture import BB, EI, ELEC, M4, PAYSAGE, RESEAU, RESTO, partners_batch, procurement_batch

TROYES = (48.2973, 4.0744)


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    store = OxigraphStore(Path(tmp_path_factory.mktemp("consortium")) / "store")
    store.upsert(partners_batch())
    yield partner_index(org_network(store))
    store.close()


def test_the_siae_covering_both_lots_together_are_proposed_with_their_ties(index) -> None:  # type: ignore[no-untyped-def]
    tables = correspondences()
    lots = [lot("creation-et-entretien-des-espaces-verts", tables), lot("restaurants-cantines", tables)]
    (group,) = consortium_candidates(index, lots, latitude=TROYES[0], longitude=TROYES[1], radius_km=10)
    assert group.members == (BB, EI)
    # Boutique Boulot declares the green-spaces sector; the EI trades with a restaurant (56.10A)
    assert group.coverage == (
        ("creation-et-entretien-des-espaces-verts", (BB,)),
        ("restaurants-cantines", (EI,)),
    )
    # already partners 1.0 + same network 0.3 - 0.2 for the second member - 0 km / 50
    assert group.score == pytest.approx(1.1)
    assert (
        Reason(
            "Boutique Boulot et Recyclerie de Troyes sont déjà partenaires (cotraitance)",
            1.0,
            (f"{BB} PARTNER_OF {EI}",),
            ("fixture-partenaires",),
        )
        in group.reasons
    )
    assert any(
        r.text.endswith("sont membres de Chantier École (Reseau)") and r.weight == 0.3 for r in group.reasons
    )
    assert f"{EI} MEMBER_OF {RESEAU}" in next(r for r in group.reasons if r.weight == 0.3).facts


def test_companies_join_when_asked(index) -> None:  # type: ignore[no-untyped-def]
    tables = correspondences()
    lots = [lot("creation-et-entretien-des-espaces-verts", tables), lot("restaurants-cantines", tables)]
    groups = consortium_candidates(
        index, lots, territory="departement:10", kinds=INCLUSIVE | COMPANY, limit=20
    )
    members = {g.members for g in groups}
    assert (BB, EI) in members
    assert ("org:old", RESTO) in members and (PAYSAGE, RESTO) in members
    assert groups[0].members == (BB, EI)  # the only pair already tied


def test_a_lot_no_one_covers_means_no_group(index) -> None:  # type: ignore[no-untyped-def]
    tables = correspondences()
    assert consortium_candidates(index, [lot("plasturgie", tables)], territory="departement:10") == []


def test_lots_from_cpv_codes_and_bad_lots() -> None:
    tables = correspondences()
    assert "creation-et-entretien-des-espaces-verts" in lot("77310000-6", tables).sectors
    with pytest.raises(ValueError, match="aucun secteur"):
        lot("09100000", tables)
    with pytest.raises(ValueError, match="secteur du Marché de l'inclusion inconnu"):
        lot("jardinage-lunaire", tables)


def test_past_co_contracting_ranks_a_group_first_with_its_reason() -> None:
    store = OxigraphStore()
    store.upsert(partners_batch())
    store.upsert(procurement_batch())
    tables = correspondences()
    lots = [lot("creation-et-entretien-des-espaces-verts", tables), lot("petits-travaux", tables)]
    groups = consortium_candidates(
        partner_index(org_network(store)),
        lots,
        territory="departement:10",
        kinds=INCLUSIVE | COMPANY,
        limit=20,
    )
    store.close()
    # Boutique Boulot (green spaces) and Électricité Troyenne (43.21A: petits travaux) co-held M4:
    # 1.0 - 0.2 for the second member, no distance (no place given)
    assert groups[0].members == (BB, ELEC)
    assert groups[0].score == pytest.approx(0.8)
    assert groups[0].reasons[-1] == Reason(
        f"Boutique Boulot et Électricité Troyenne ont déjà été cotitulaires de 1 marché(s) public(s) : "
        f"{M4} « Entretien du cimetière »",
        1.0,
        (f"{BB} CO_CONTRACTOR_OF {ELEC}",),
        ("fixture-decp",),
    )
    assert all(g.score < 0.8 for g in groups[1:])
