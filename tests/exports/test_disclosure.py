"""Disclosure control (exports/disclosure.py) on small hand-made mart-shaped tables."""

import random
from datetime import date

import pyarrow as pa
import pytest

from exports.disclosure import ONDERDRUKT, DisclosureSpec, recomputable_cells, suppress
from marts.catalog import catalog

T = "TOTAAL"
P = date(2025, 1, 1)

# instroom-shaped: one month, one bron, one region, one soort_instroom; roll-ups over organisation,
# gemeente, categorie.
INSTROOM = DisclosureSpec.from_model(catalog()["instroom"])


def instroom(rows: list[tuple[str, str, str, int]]) -> pa.Table:
    """(organisatie_code, gemeente_code, categorie, aantal) rows of region R in month P."""
    return pa.table(
        {
            "periode_type": ["maand"] * len(rows),
            "periode": pa.array([P] * len(rows), pa.date32()),
            "bron": ["gi_maatregelen"] * len(rows),
            "organisatie_code": [r[0] for r in rows],
            "jeugdregio_code": ["R"] * len(rows),
            "gemeente_code": [r[1] for r in rows],
            "categorie": [r[2] for r in rows],
            "soort_instroom": ["NIEUW_TRAJECT"] * len(rows),
            "aantal": pa.array([r[3] for r in rows], pa.int64()),
        }
    )


def periods(rows: list[tuple[str, date, int]]) -> pa.Table:
    """(periode_type, periode, aantal) rows of organisation A, gemeente G1, categorie X in region R."""
    return pa.table(
        {
            "periode_type": [r[0] for r in rows],
            "periode": pa.array([r[1] for r in rows], pa.date32()),
            "bron": ["gi_maatregelen"] * len(rows),
            "organisatie_code": ["A"] * len(rows),
            "jeugdregio_code": ["R"] * len(rows),
            "gemeente_code": ["G1"] * len(rows),
            "categorie": ["X"] * len(rows),
            "soort_instroom": ["NIEUW_TRAJECT"] * len(rows),
            "aantal": pa.array([r[2] for r in rows], pa.int64()),
        }
    )


def normen(rows: list[tuple[str, int, int, int, float | None]]) -> pa.Table:
    """(organisatie_code, binnen, buiten, beeindigd, pct) rows: month P, region R, JB, norm 1, settled."""
    n = len(rows)
    return pa.table(
        {
            "periode_type": ["maand"] * n,
            "periode": pa.array([P] * n, pa.date32()),
            "organisatie_code": [r[0] for r in rows],
            "jeugdregio_code": ["R"] * n,
            "kader": ["JB"] * n,
            "norm": ["NORM_1_VIJF_WERKDAGEN"] * n,
            "binnen_norm": pa.array([r[1] for r in rows], pa.int64()),
            "buiten_norm": pa.array([r[2] for r in rows], pa.int64()),
            "beeindigd": pa.array([r[3] for r in rows], pa.int64()),
            "nog_binnen_termijn": pa.array([0] * n, pa.int64()),
            "pct_binnen_norm": pa.array([r[4] for r in rows], pa.float64()),
            "afgerekend": [True] * n,
        }
    )


def by_key(table: pa.Table, *columns: str) -> dict[tuple, dict]:
    rows = table.to_pylist()
    return {tuple(r[c] for c in columns): r for r in rows}


def test_spec_from_the_yml():
    normen = DisclosureSpec.from_model(catalog()["normen"])
    # beeindigd (contract version 2) is a count like the others; afgerekend is a dimension.
    assert normen.counts == ("binnen_norm", "buiten_norm", "beeindigd", "nog_binnen_termijn")
    assert normen.additive == normen.counts
    assert normen.derived == {"pct_binnen_norm": ("binnen_norm", "buiten_norm")}
    assert normen.factor == {}
    assert normen.rollups == ("organisatie_code", "jeugdregio_code")
    assert normen.has_periods and "periode_type" in normen.key
    # Every p90 needs twice the threshold; the means and medians once.
    for name in ("doorlooptijden", "wachttijden"):
        spec = DisclosureSpec.from_model(catalog()[name])
        assert {c for c in spec.derived if "p90" in c} == set(spec.factor), name
        assert set(spec.factor.values()) <= {2}, name
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
    table = normen(
        [
            ("A", 16, 6, 12, 100 * 16 / 22),
            ("B", 3, 2, 0, 60.0),
            ("C", 30, 20, 10, 60.0),
            (T, 49, 28, 22, 100 * 49 / 77),
        ]
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
    # beeindigd: 12 + 0 + 10 = 22. B's 0 hides nothing and no cell is small: all published.
    assert [out[(o,)]["beeindigd"] for o in ("A", "B", "C", T)] == [12, 0, 10, 22]
    assert [out[(o,)]["afgerekend"] for o in ("A", "B", "C", T)] == [True] * 4


def test_a_small_beeindigd_count_is_suppressed_and_protected():
    spec = DisclosureSpec.from_model(catalog()["normen"])
    # beeindigd 4 + 11 + 20 = 35: A's 4 is small, B's 11 is the next smallest member of the group.
    table = normen([("A", 20, 10, 4, 66.7), ("B", 20, 10, 11, 66.7), ("C", 20, 10, 20, 66.7), (T, 60, 30, 35, 66.7)])
    result = suppress(table, spec, drempel=10)
    out = by_key(result.table, "organisatie_code")
    assert [out[(o,)]["beeindigd"] for o in ("A", "B", "C", T)] == [None, None, 20, 35]
    # beeindigd is no basis of the percentage: that stays.
    assert [out[(o,)]["pct_binnen_norm"] for o in ("A", "B", "C", T)] == [66.7] * 4
    assert [out[(o,)][ONDERDRUKT] for o in ("A", "B", "C", T)] == [True, True, False, False]
    assert recomputable_cells(result.table, spec) == []


def test_an_empty_derived_figure_is_not_a_suppression():
    spec = DisclosureSpec.from_model(catalog()["normen"])
    # Not settled (or nothing finished): the warehouse gives no percentage; nog_binnen_termijn 20.
    table = normen([("A", 0, 0, 0, None)]).set_column(9, "nog_binnen_termijn", pa.array([20], pa.int64()))
    table = table.set_column(11, "afgerekend", pa.array([False]))
    result = suppress(table, spec, drempel=10)
    assert result.table.column(ONDERDRUKT).to_pylist() == [False]
    assert result.table.column("afgerekend").to_pylist() == [False]
    assert result.derived_cells == 0


def test_a_p90_needs_twice_the_threshold():
    # doorlooptijden-shaped, without roll-ups: a p90 over 10 to 19 cases lies next to the
    # largest value (one child's), so it needs 20; the mean and median need 10.
    spec = DisclosureSpec(
        key=("periode_type", "periode", "stap"),
        counts=("aantal",),
        additive=("aantal",),
        derived={c: ("aantal",) for c in ("gemiddelde", "mediaan", "p90")},
        factor={"p90": 2},
    )
    table = pa.table(
        {
            "periode_type": ["maand"] * 3,
            "periode": pa.array([P] * 3, pa.date32()),
            "stap": ["S10", "S19", "S20"],
            "aantal": pa.array([10, 19, 20], pa.int64()),
            "gemiddelde": [4.0, 5.0, 6.0],
            "mediaan": [3.0, 4.0, 5.0],
            "p90": [9.0, 10.0, 11.0],
        }
    )
    result = suppress(table, spec, drempel=10)
    out = by_key(result.table, "stap")
    assert [(out[(s,)]["mediaan"], out[(s,)]["p90"]) for s in ("S10", "S19", "S20")] == [
        (3.0, None),
        (4.0, None),
        (5.0, 11.0),
    ]
    assert [out[(s,)][ONDERDRUKT] for s in ("S10", "S19", "S20")] == [True, True, False]
    assert result.derived_cells == 2


def test_months_in_a_quarter_are_protected_like_a_roll_up():
    # Q1 = 3 + 20 + 30 = 53, published: January alone could be recomputed from it, so February
    # (the next smallest month) goes too. Q2 has no small month. H1 = 53 + 75 = 128 and the
    # quarters are published, so nothing more is needed there. The rolling window (rollend_12,
    # no sum of calendar periods here) is left alone.
    rows = [
        ("maand", date(2025, 1, 1), 3),
        ("maand", date(2025, 2, 1), 20),
        ("maand", date(2025, 3, 1), 30),
        ("maand", date(2025, 4, 1), 25),
        ("maand", date(2025, 5, 1), 25),
        ("maand", date(2025, 6, 1), 25),
        ("kwartaal", date(2025, 1, 1), 53),
        ("kwartaal", date(2025, 4, 1), 75),
        ("halfjaar", date(2025, 1, 1), 128),
        ("rollend_12", date(2025, 3, 1), 53),
    ]
    result = suppress(periods(rows), INSTROOM, drempel=10)
    out = by_key(result.table, "periode_type", "periode")
    assert out[("maand", date(2025, 1, 1))]["aantal"] is None
    assert out[("maand", date(2025, 2, 1))]["aantal"] is None
    assert [out[("maand", date(2025, m, 1))]["aantal"] for m in range(3, 7)] == [30, 25, 25, 25]
    assert out[("kwartaal", date(2025, 1, 1))]["aantal"] == 53
    assert out[("halfjaar", date(2025, 1, 1))]["aantal"] == 128
    assert out[("rollend_12", date(2025, 3, 1))]["aantal"] == 53
    assert (result.primary_cells, result.complementary_cells) == (1, 1)
    assert recomputable_cells(result.table, INSTROOM) == []


def test_a_quarter_with_one_month_suppresses_its_quarter_and_that_goes_up_the_years():
    # Only January has cases (the other months' zero rows are left out): Q1 = H1 = jaar = 4.
    # Each larger period equals the suppressed month, so each goes.
    rows = [
        ("maand", date(2025, 1, 1), 4),
        ("kwartaal", date(2025, 1, 1), 4),
        ("halfjaar", date(2025, 1, 1), 4),
        ("jaar", date(2025, 1, 1), 4),
    ]
    result = suppress(periods(rows), INSTROOM, drempel=3)
    assert result.table.column("aantal").to_pylist() == [4, 4, 4, 4]  # 4 >= 3: nothing small
    result = suppress(periods(rows), INSTROOM, drempel=10)
    assert result.table.column("aantal").to_pylist() == [None] * 4
    # The unprotected table is caught by the check: January empty, its quarter published.
    leaky = periods(rows).set_column(8, "aantal", pa.array([None, 4, 4, 4], pa.int64()))
    (found,) = recomputable_cells(leaky, INSTROOM)
    assert found["dimension"] == "periode_type:maand->kwartaal"
    assert (found["periode_type"], found["periode"]) == ("kwartaal", date(2025, 1, 1))


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
