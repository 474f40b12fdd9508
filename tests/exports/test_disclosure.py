"""Disclosure control by kind of row (exports/disclosure.py) on tiny tables worked out by hand."""

from datetime import date

import pyarrow as pa

from exports.disclosure import ONDERDRUKT, DisclosureSpec, round_half_up, suppress, whole_percent
from exports.regions import export_spec
from marts.catalog import catalog
from sources.definitions.models import Rijsoort

P = date(2025, 1, 1)


def test_rounding_half_up_and_whole_percents():
    assert round_half_up(__import__("numpy").array([10.0, 12.0, 12.5, 13.0, 17.0, 18.0]), 5).tolist() == [
        10,
        10,
        15,
        15,
        15,
        20,
    ]
    # 100 * 29 / 40 = 72.5 -> 73 (halves up); 100 * 2 / 3 = 66.67 -> 67; 100 * 1 / 8 = 12.5 -> 13.
    np = __import__("numpy")
    assert whole_percent(np.array([29.0, 2.0, 1.0]), np.array([40.0, 3.0, 8.0])).tolist() == [73, 67, 13]


def test_person_level_rows_are_rounded_small_ones_emptied_or_left_out():
    spec = DisclosureSpec.from_model(catalog()["stand"], Rijsoort(soort="persoonsniveau"))
    rows = [("G1", 23, 12), ("G2", 12, 3), ("G3", 9, 2), ("G4", 40, 0)]
    table = pa.table(
        {
            "peildatum": pa.array([P] * 4, pa.date32()),
            "organisatie_code": ["A"] * 4,
            "jeugdregio_code": ["R"] * 4,
            "gemeente_code": [r[0] for r in rows],
            "maatregel_type": ["OTS"] * 4,
            "lopend": pa.array([r[1] for r in rows], pa.int64()),
            "wachtend_op_jeugdbeschermer": pa.array([r[2] for r in rows], pa.int64()),
        }
    )
    out = {r["gemeente_code"]: r for r in suppress(table, spec, drempel=10, afronding=5).table.to_pylist()}
    # Without cell keys, halves up: 23 -> 25, 12 -> 10, 9 -> 10; 3 -> 5, 2 -> 0 and 0 are under
    # 10 once rounded: empty.
    assert {g: (r["lopend"], r["wachtend_op_jeugdbeschermer"], r[ONDERDRUKT]) for g, r in out.items()} == {
        "G1": (25, 10, False),
        "G2": (10, None, True),
        "G3": (10, None, True),
        "G4": (40, None, True),
    }
    # A row whose counts are all under 10 once rounded is left out: absent and empty say the same.
    small = table.slice(2, 1).set_column(5, "lopend", pa.array([7], pa.int64()))
    assert suppress(small, spec, drempel=10, afronding=5).table.num_rows == 0


def test_person_level_counts_are_rounded_down_or_up_by_their_cell_key():
    spec = DisclosureSpec.from_model(catalog()["instroom"], Rijsoort(soort="persoonsniveau"))
    # (count, cell key as a fraction of 2^32): 12 has 2 over a multiple of 5, so it goes up when
    # the key is under 2/5; 9 up when under 4/5 (else 5: under 10, empty); 15 stays 15.
    cells = [(12, 0.3), (12, 0.5), (9, 0.7), (9, 0.9), (14, 0.79), (15, 0.99)]
    n = len(cells)
    table = pa.table(
        {
            "periode_type": ["maand"] * n,
            "periode": pa.array([P] * n, pa.date32()),
            "bron": ["gi_maatregelen"] * n,
            "organisatie_code": ["A"] * n,
            "jeugdregio_code": ["R"] * n,
            "gemeente_code": [f"GM000{i}" for i in range(n)],
            "categorie": ["OTS"] * n,
            "soort_instroom": ["NIEUW_TRAJECT"] * n,
            "aantal": pa.array([c for c, _ in cells], pa.int64()),
            "celsleutel_aantal": pa.array([int(u * 2**32) for _, u in cells], pa.int64()),
        }
    )
    out = suppress(table, spec, drempel=10, afronding=5).table
    assert "celsleutel_aantal" not in out.column_names
    assert dict(zip(out.column("gemeente_code").to_pylist(), out.column("aantal").to_pylist(), strict=True)) == {
        "GM0000": 15,
        "GM0001": 10,
        "GM0002": 10,
        "GM0004": 15,
        "GM0005": 15,
    }


def test_performance_rows_are_whole_or_empty_and_p90_needs_twice_the_threshold():
    spec = DisclosureSpec.from_model(
        export_spec(catalog()["wachttijden"]), Rijsoort(soort="prestatie", basis=["aantal_wachtend"])
    )
    n = [9, 10, 19, 20]
    table = pa.table(
        {
            "peildatum": pa.array([P] * 4, pa.date32()),
            "organisatie_code": ["A", "B", "C", "D"],
            "jeugdregio_code": ["R"] * 4,
            "kader": ["JB"] * 4,
            "aantal_wachtend": pa.array(n, pa.int64()),
            "gemiddelde_wachttijd_dagen": [30.0] * 4,
            "mediaan_wachttijd_dagen": [28.0] * 4,
            "mediaan_wachttijd_werkdagen": [20.0] * 4,
            "p90_wachttijd_dagen": [60.0] * 4,
        }
    )
    out = {r["organisatie_code"]: r for r in suppress(table, spec, drempel=10, afronding=5).table.to_pylist()}
    # 9: emptied whole; 10 and 19: exact (not rounded), p90 empty; 20: whole with p90.
    assert [out[o]["aantal_wachtend"] for o in "ABCD"] == [None, 10, 19, 20]
    assert [out[o]["mediaan_wachttijd_dagen"] for o in "ABCD"] == [None, 28.0, 28.0, 28.0]
    assert [out[o]["p90_wachttijd_dagen"] for o in "ABCD"] == [None, None, None, 60.0]
    assert [out[o][ONDERDRUKT] for o in "ABCD"] == [True, True, True, False]
