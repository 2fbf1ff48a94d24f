"""One home for the settings (graph.settings) and for the distance (graph.geo)."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.geo import distance_km, equirectangular_km
from graph.settings import DEFAULT_DATA_DIR, Settings, SettingsError


def test_every_setting_is_read_from_its_variable() -> None:
    s = Settings.from_env(
        {
            "MAILLAGE_STORE": "/tmp/s",
            "MAILLAGE_DATA": "/tmp/d",
            "MAILLAGE_NEO4J_URI": "bolt://h:1",
            "MAILLAGE_NEO4J_USER": "u",
            "MAILLAGE_NEO4J_PASSWORD": "p",
            "MAILLAGE_CONNECT_TIMEOUT": "2.5",
            "MAILLAGE_QUERY_TIMEOUT": "7",
            "MAILLAGE_ROW_LIMIT": "12",
        }
    )
    assert s == Settings(Path("/tmp/s"), Path("/tmp/d"), "bolt://h:1", "u", "p", 2.5, 7.0, 12)
    assert s.neo4j_auth == ("u", "p")


def test_empty_variables_keep_the_defaults() -> None:
    assert Settings.from_env({"MAILLAGE_DATA": "", "MAILLAGE_ROW_LIMIT": ""}) == Settings()
    assert Settings().data_dir == DEFAULT_DATA_DIR


def test_a_malformed_number_names_its_variable() -> None:
    with pytest.raises(SettingsError, match="MAILLAGE_ROW_LIMIT='many'"):
        Settings.from_env({"MAILLAGE_ROW_LIMIT": "many"})
    with pytest.raises(SettingsError, match="MAILLAGE_QUERY_TIMEOUT='soon'"):
        Settings.from_env({"MAILLAGE_QUERY_TIMEOUT": "soon"})


def test_distance_is_symmetric_and_the_query_approximation_close() -> None:
    troyes, paris = (48.2973, 4.0744), (48.8566, 2.3522)
    assert distance_km(*troyes, *paris) == distance_km(*paris, *troyes)
    # Troyes → Paris: 141.1 km on the great circle (Δφ 62.2 km, Δλ·cos φ 127 km)
    assert distance_km(*troyes, *paris) == pytest.approx(141.14, abs=0.01)
    assert equirectangular_km(*troyes, *paris) == pytest.approx(distance_km(*troyes, *paris), rel=1e-4)
