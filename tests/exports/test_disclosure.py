"""Disclosure control (exports/disclosure.py) on small hand-made mart-shaped tables."""

import random
from datetime import date

import pyarrow as pa
import pytest

from exports.disclosure import ONDERDRUKT, DisclosureSpec, recomputable_cells, suppress
from marts.catalog import catalog

T = "TOTAAL"
P = date(2025, 1, 1)

# instroom-shaped: one period, one bron, one region; roll-ups over organisation, gemeente, categorie.
INSTROOM = DisclosureSpec.from_model(catalog()["instroom"])


def instroom(rows: list[tuple[str, str, str, int]]) -> pa.Table:
    """(organisatie_code, gemeente_code, categorie, aantal) rows of region R in period P."""
    return pa.table(
        {
            "periode": pa.array([P] * len(rows), pa.date32()),
            "bron": ["gi_maatregelen"] * len(rows),
            "organisatie_code": [r[0] for r in rows],
            "jeugdregio_code": ["R"] * len(rows),
            "gemeente_code": [r[1] for r in rows],
            "categorie": [r[2] for r in rows],
            "aantal": pa.array([r[3] for r in rows], pa.int64()),
        }
    )


def by_key(table: pa.Table, *columns: str) -> dict[tuple, dict]:
    rows = table.to_pylist()
    return {tuple(r[c] for c in columns): r for r in rows}


def test_spec_from_the_yml():
    normen = DisclosureSpec.from_model(catalog()["normen"])
    assert normen.counts == ("binnen_norm", "buiten_norm", "nog_binnen_termijn")
    assert normen.derived == {"pct_binnen_norm": ("binnen_norm", "buiten_norm")}
    assert normen.rollups == ("organisatie_code", "jeugdregio_code")
    # Staff counts are not about children: never suppressed.
    assert DisclosureSpec.from_model(catalog()["personeel"]).counts == ()
    # unieke_kinderen is suppressed but its TOTAAL is no sum: no complementary suppression on it.
    caseload = DisclosureSpec.from_model(catalog()["caseload"])
    assert "unieke_kinderen" in caseload.counts and "unieke_kinderen" not in caseload.additive


def test_primary_suppression_empties_1_to_9_and_flags_the_row():
    table = instroom([("A", "G1", "X", 0), ("A", "G2", "X", 1), ("A", "G3", "X", 9), ("A", "G4", "X", 10)])
    out = by_key(suppress(table, INSTROOM, drempel=10).table, "gemeente_code")
    assert {g: (r["aantal"], r[ONDERDRUKT]) for (g,), r in out.items()} == {
        "G1": (0, False),  # zero is not a small number
        "G2": (None, True),
        "G3": (None, True),
        "G4": (10, False),
    }


def test_a_single_suppressed_cell_is_protected_by_the_next_smallest():
    # Gemeenten of one region: 5 + 20 + 30 = 55. Alone, 5 = 55 - 20 - 30.
    table = instroom([("A", "G1", "X", 5), ("A", "G2", "X", 30), ("A", "G3", "X", 20), ("A", T, "X", 55)])
    result = suppress(table, INSTROOM, drempel=10)
    out = by_key(result.table, "gemeente_code")
    assert [out[(g,)]["aantal"] for g in ("G1", "G2", "G3", T)] == [None, 30, None, 55]
    assert [out[(g,)][ONDERDRUKT] for g in ("G1", "G2", "G3", T)] == [True, False, True, False]
    assert (result.primary_cells, result.complementary_cells, result.suppressed_rows) == (1, 1, 2)
    assert recomputable_cells(result.table, INSTROOM) == []


def test_two_suppressed_cells_need_nothing_more():
    table = instroom([("A", "G1", "X", 5), ("A", "G2", "X", 3), ("A", "G3", "X", 20), ("A", T, "X", 28)])
    result = suppress(table, INSTROOM, drempel=10)
    assert result.complementary_cells == 0
    assert by_key(result.table, "gemeente_code")[("G3",)]["aantal"] == 20


def test_a_positive_cell_is_preferred_over_a_zero():
    # A zero cell hides nothing: the next smallest positive one goes.
    table = instroom([("A", "G1", "X", 4), ("A", "G2", "X", 0), ("A", "G3", "X", 50), ("A", T, "X", 54)])
    out = by_key(suppress(table, INSTROOM, drempel=10).table, "gemeente_code")
    assert [out[(g,)]["aantal"] for g in ("G1", "G2", "G3", T)] == [None, 0, None, 54]


def test_a_group_with_one_member_suppresses_its_total():
    # The whole region is one gemeente: its TOTAAL row equals the suppressed cell.
    table = instroom([("A", "G1", "X", 4), ("A", T, "X", 4)])
    out = by_key(suppress(table, INSTROOM, drempel=10).table, "gemeente_code")
    assert out[("G1",)]["aantal"] is None and out[(T,)]["aantal"] is None
    # 4 is itself small, so it is primary; with a large single member the total follows too.
    table = instroom([("A", "G1", "X", 4), ("A", T, "X", 4), ("B", "G1", "X", 40), ("B", T, "X", 40)])
    assert recomputable_cells(suppress(table, INSTROOM, drempel=10).table, INSTROOM) == []


def test_complementary_suppression_iterates_across_dimensions():
    # A 2 x 2 table of gemeente x categorie with margins. Suppressing G1/X (3) forces G2/X (by
    # gemeente) and G1/Y (by categorie), which then force G2/Y so that no row or column of the
    # table has a single empty cell.
    rows = [
        ("A", "G1", "X", 3),
        ("A", "G1", "Y", 40),
        ("A", "G1", T, 43),
        ("A", "G2", "X", 50),
        ("A", "G2", "Y", 60),
        ("A", "G2", T, 110),
        ("A", T, "X", 53),
        ("A", T, "Y", 100),
        ("A", T, T, 153),
    ]
    result = suppress(instroom(rows), INSTROOM, drempel=10)
    out = by_key(result.table, "gemeente_code", "categorie")
    empty = sorted(k for k, r in out.items() if r["aantal"] is None)
    assert empty == [("G1", "X"), ("G1", "Y"), ("G2", "X"), ("G2", "Y")]
    assert recomputable_cells(result.table, INSTROOM) == []


@pytest.mark.parametrize("seed", range(8))
def test_random_tables_have_no_recomputable_cell(seed):
    # Random counts over organisations x gemeenten x categorieen, with every roll-up.
    rng = random.Random(seed)
    orgs, gemeenten, cats = ["A", "B", "C"], ["G1", "G2", "G3", "G4"], ["X", "Y", "Z"]
    cells = {(o, g, c): rng.choice([0, 0, 1, 2, 5, 9, 10, 12, 30, 80]) for o in orgs for g in gemeenten for c in cats}
    rows = []
    for o in [*orgs, T]:
        for g in [*gemeenten, T]:
            for c in [*cats, T]:
                total = sum(v for (o2, g2, c2), v in cells.items() if o in (o2, T) and g in (g2, T) and c in (c2, T))
                if total:  # zero rows are left out, as in the marts
                    rows.append((o, g, c, total))
    result = suppress(instroom(rows), INSTROOM, drempel=10)
    assert recomputable_cells(result.table, INSTROOM) == []
    values = [v for v in result.table.column("aantal").to_pylist() if v is not None]
    assert not [v for v in values if 1 <= v <= 9]
    # Every row with an empty value is flagged, and only those.
    flags = result.table.column(ONDERDRUKT).to_pylist()
    assert flags == [v is None for v in result.table.column("aantal").to_pylist()]


def test_derived_figures_over_fewer_than_the_threshold_become_empty():
    spec = DisclosureSpec.from_model(catalog()["normen"])
    table = pa.table(
        {
            "periode": pa.array([P] * 4, pa.date32()),
            "organisatie_code": ["A", "B", "C", T],
            "jeugdregio_code": ["R"] * 4,
            "kader": ["JB"] * 4,
            "norm": ["NORM_1_VIJF_WERKDAGEN"] * 4,
            "binnen_norm": pa.array([16, 3, 30, 49], pa.int64()),
            "buiten_norm": pa.array([6, 2, 20, 28], pa.int64()),
            "nog_binnen_termijn": pa.array([0, 0, 0, 0], pa.int64()),
            "pct_binnen_norm": [100 * 16 / 22, 60.0, 60.0, 100 * 49 / 77],
        }
    )
    out = by_key(suppress(table, spec, drempel=10).table, "organisatie_code")
    # B: basis 5 < 10.
    assert (out[("B",)]["binnen_norm"], out[("B",)]["pct_binnen_norm"]) == (None, None)
    # A: basis 22, but binnen 16 went to protect B's binnen 3 (complementary) and buiten 6 is
    # small: the pct would give them back, so it goes too.
    assert (out[("A",)]["binnen_norm"], out[("A",)]["buiten_norm"], out[("A",)]["pct_binnen_norm"]) == (
        None,
        None,
        None,
    )
    assert (out[("C",)]["binnen_norm"], out[("C",)]["pct_binnen_norm"]) == (30, 60.0)
    assert out[(T,)]["pct_binnen_norm"] == pytest.approx(100 * 49 / 77)
    assert out[(T,)][ONDERDRUKT] is False


def test_an_empty_derived_figure_is_not_a_suppression():
    spec = DisclosureSpec.from_model(catalog()["normen"])
    table = pa.table(
        {
            "periode": pa.array([P], pa.date32()),
            "organisatie_code": ["A"],
            "jeugdregio_code": ["R"],
            "kader": ["JB"],
            "norm": ["NORM_1_VIJF_WERKDAGEN"],
            "binnen_norm": pa.array([0], pa.int64()),
            "buiten_norm": pa.array([0], pa.int64()),
            "nog_binnen_termijn": pa.array([20], pa.int64()),
            "pct_binnen_norm": pa.array([None], pa.float64()),
        }
    )
    result = suppress(table, spec, drempel=10)
    assert result.table.column(ONDERDRUKT).to_pylist() == [False]
    assert result.derived_cells == 0


def test_rounding_to_a_base_after_suppression():
    table = instroom([("A", "G1", "X", 12), ("A", "G2", "X", 13), ("A", "G3", "X", 3), ("A", T, "X", 28)])
    out = by_key(suppress(table, INSTROOM, drempel=10, afronding=5).table, "gemeente_code")
    assert [out[(g,)]["aantal"] for g in ("G1", "G2", "G3", T)] == [None, 15, None, 30]
    assert out[(T,)]["aantal"] == 30 and isinstance(out[(T,)]["aantal"], int)


def test_output_is_sorted_by_key_and_keeps_types():
    table = instroom([("B", "G2", "X", 20), ("A", "G1", "X", 20), ("A", T, "X", 20)])
    out = suppress(table, INSTROOM, drempel=10).table
    assert out.column("organisatie_code").to_pylist() == ["A", "A", "B"]
    assert out.schema.field("aantal").type == pa.int64()
    assert out.schema.field(ONDERDRUKT).type == pa.bool_()
    assert suppress(instroom([]), INSTROOM, drempel=10).table.num_rows == 0
