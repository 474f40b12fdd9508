"""Region by month through the whole pipeline (docs/contract.md section 4.5): a child who moves
does not take its history to the new region.

JBGL delivers its measures monthly, 31 January to 31 March 2025. Child A's OTS M1 (pronounced
2024-06-03, worker 2024-06-05) lives in Arnhem (GM0202, Centraal Gelderland) in the deliveries
of January and February; the child moves in March, so the March delivery says Nijmegen (GM0268,
Rijk van Nijmegen). Child B's OTS M2 (pronounced 2025-02-10) lives in Nijmegen throughout.
Expected by hand:
- stand (JBGL, lopend): Centraal Gelderland 1 on every month-end from June 2024 to February
  2025, Rijk van Nijmegen 1 on 31 March 2025 for M1, plus M2 in Rijk van Nijmegen from
  February 2025: so Rijk van Nijmegen 1 on 2025-02-28 and 2 on 2025-03-31;
- instroom of M1 counts in June 2024 in Centraal Gelderland (the month before the move keeps
  the old region), and nothing of it in Rijk van Nijmegen;
- with only the March delivery (no history), every month of M1 would be Rijk van Nijmegen:
  the second data dir shows that difference.
"""

from pathlib import Path

import pytest

from pipelines.run import run_pipeline
from tests.valid_deliveries import csv, deliver
from tests.warehouse_queries import query

CG, RVN = "CENTRAAL_GELDERLAND", "RIJK_VAN_NIJMEGEN"
KIND_A, KIND_B = f"{0xA:064x}", f"{0xB:064x}"
HEADER = [
    "maatregel_id", "kind_id", "gemeente_code", "geboortejaar", "maatregel_type", "datum_uitspraak",
    "datum_in_kennisstelling", "datum_jeugdbeschermer", "datum_plan_van_aanpak", "datum_passende_hulp",
    "datum_einde", "reden_einde", "scheidingsproblematiek",
]  # fmt: skip


def _rows(gemeente_a: str, with_b: bool) -> list[list[str]]:
    rows = [["M1", KIND_A, gemeente_a, "2015", "OTS", "2024-06-03", "2024-06-03", "2024-06-05", "", "", "", "", ""]]
    if with_b:
        b = ["M2", KIND_B, "GM0268", "2016", "OTS", "2025-02-10", "2025-02-10", "2025-02-12", "", "", "", "", ""]
        rows.append(b)
    return rows


def _build(root: Path, months: list[tuple[str, str, bool]]) -> Path:
    for peildatum, gemeente_a, with_b in months:
        deliver(root, f"JBGL/gi_maatregelen/{peildatum}.csv", csv(HEADER, _rows(gemeente_a, with_b)))
    summary = run_pipeline(root, log=lambda _: None)
    assert summary.exit_code == 0, summary
    return root


@pytest.fixture(scope="module")
def warehouses(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("DAGSTER_HOME", raising=False)
        mp.setenv("KETENMONITOR_VANDAAG", "2025-04-10")
        history = _build(
            tmp_path_factory.mktemp("historie") / "data",
            [("2025-01-31", "GM0202", False), ("2025-02-28", "GM0202", True), ("2025-03-31", "GM0268", True)],
        )
        only_march = _build(tmp_path_factory.mktemp("maart") / "data", [("2025-03-31", "GM0268", True)])
        yield history, only_march


def _stand(root: Path) -> dict:
    rows = query(
        root,
        "SELECT peildatum::VARCHAR, jeugdregio_code, lopend FROM marts.stand WHERE organisatie_code = 'JBGL' "
        "AND gemeente_code = 'TOTAAL' AND maatregel_type = 'TOTAAL' AND jeugdregio_code <> 'TOTAAL' "
        "AND peildatum BETWEEN '2024-05-31' AND '2025-03-31'",
    )
    return {(p, r): n for p, r, n in rows}


def _instroom(root: Path) -> set:
    return set(
        query(
            root,
            "SELECT periode::VARCHAR, jeugdregio_code, aantal FROM marts.instroom WHERE periode_type = 'maand' "
            "AND bron = 'gi_maatregelen' AND organisatie_code = 'JBGL' AND gemeente_code = 'TOTAAL' "
            "AND categorie = 'TOTAAL' AND soort_instroom = 'TOTAAL' AND jeugdregio_code <> 'TOTAAL'",
        )
    )


def test_a_child_who_moves_leaves_its_history_in_the_old_region(warehouses):
    history, _ = warehouses
    stand = _stand(history)
    months = ["2024-06-30", "2024-07-31", "2024-12-31", "2025-01-31", "2025-02-28"]
    for peildatum in months:
        assert stand[(peildatum, CG)] == 1, peildatum
    assert (("2024-12-31", RVN)) not in stand
    assert stand[("2025-02-28", RVN)] == 1
    assert stand[("2025-03-31", RVN)] == 2
    assert ("2025-03-31", CG) not in stand
    assert _instroom(history) == {("2024-06-01", CG, 1), ("2025-02-01", RVN, 1)}


def test_without_the_earlier_deliveries_the_delivery_in_force_tells_every_month(warehouses):
    _, only_march = warehouses
    stand = _stand(only_march)
    assert stand[("2024-06-30", RVN)] == 1
    assert not any(region == CG for _, region in stand)
    assert _instroom(only_march) == {("2024-06-01", RVN, 1), ("2025-02-01", RVN, 1)}
