"""The marts: real Dagster materialisations on fixture deliveries, every expected figure worked out by hand.

Scenario `tests/fixtures/marts/keten` (kind_id n is written as n in 64 hex digits):

- JBGL delivers gi_maatregelen for 2025-06-30 (in force) and for 2025-05-31 (superseded: its
  measure X1, pronounced 2025-02-05, must count nowhere), and gi_capaciteit for April-June.
- WSS delivers gi_maatregelen and gi_capaciteit for 2025-05-31: a month behind, so no WSS rows
  for June, and its norms are judged at 2025-05-31.
- RVDK and VT_GZ deliver for 2025-06-30.

JBGL's measures, by region (municipality):
- Centraal Gelderland (GM0202), norm 1 over the calendar: G1 notified Thu 2024-03-28 (Goede
  Vrijdag 29 March, Tweede Paasdag 1 April): the 5th working day is Mon 2024-04-08, assigned
  on the deadline. G2 notified Tue 2024-05-07 (Hemelvaartsdag Thu 9 May): deadline Wed
  2024-05-15, assigned the day after. G3 notified Wed 2023-05-03 (5 mei 2023 is a Friday, 2023
  is not a lustrum year): deadline Thu 2023-05-11, assigned the same day as notified. G4
  notified Thu 2024-04-25 (Koningsdag 27 April 2024 is a Saturday: Friday 26 April works):
  deadline Thu 2024-05-02, never assigned. G5 notified Thu 2025-04-24 (27 April 2025 is a
  Sunday, so Koningsdag is Saturday the 26th): deadline Thu 2025-05-01. G6 notified Mon
  2025-06-23: deadline 2025-06-30 = JBGL's peildatum, nobody yet: still within its term. G7
  (JR) notified Tue 2025-06-24: deadline 2025-07-01.
- Rivierenland (GM0214), norms 2 and 3 and medians: N2A/N2B pronounced 2025-01-10, plan on
  day 42 (2025-02-21) and day 43. N3A/N3B pronounced 2025-01-31: + 3 months = 2025-04-30, help
  on 04-30 and 05-01. N3C/N3D pronounced 2024-11-30: + 3 months = 2025-02-28, help on 02-28
  and 03-01. P1, P2: plan after 10 and 20 days. Plans in February 2025: 10, 20, 42, 43 days.
- Midden-IJssel/Oost-Veluwe (GM0200), stock and caseload: E1 ends on 2025-06-30 (not in that
  stock), C1 and C2 are two JB measures of one child, J1 is JR, WT1 waits from 2025-05-13,
  WT2 notified Wed 2025-06-04 (Tweede Pinksterdag 9 June): deadline 2025-06-12, assigned 06-16.
- Rijk van Nijmegen (GM0268), the chain: L1 (child 51, pronounced 2025-03-14) has three
  investigations with rekest 2024-12-02 (R1), 2025-02-17 (R2, the latest eligible) and
  2025-03-20 (R3, after the uitspraak); R2 (requested 2024-12-20) has three VT reports with
  requests 2024-09-16 (V1), 2024-12-09 (V2, the latest eligible, received 2024-10-07) and
  2024-12-23 (V3, after the investigation's request). L2's only rekest lies 366 days before
  its uitspraak (2024 is a leap year), L3's exactly 365 days. VT requests in December 2024:
  63 (V2), 35 (V3) and 10 (V4) days.
"""

import shutil
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from marts.catalog import catalog, marts, other_marts, render_marts_markdown
from marts.checks import CHECK_KINDS, checked_rows, checks_for, run_check, run_checks
from marts.runner import build_all, build_model
from marts.sql import statements
from pipelines.marts import mart_assets
from pipelines.run import run_pipeline
from sources.definitions import load_definitions
from tests.dagster_runs import all_checks_config, materialize
from tests.warehouse_queries import one, query, warehouse

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "marts"
T = "TOTAAL"
CG, RL, MIJOV, RVN = "CENTRAAL_GELDERLAND", "RIVIERENLAND", "MIDDEN_IJSSEL_OOST_VELUWE", "RIJK_VAN_NIJMEGEN"


def materialize_marts(root: Path) -> dg.ExecuteInProcessResult:
    """The marts step as the main job runs it, checking every mart again (also those not rebuilt)."""
    return materialize(mart_assets(), root, run_config=all_checks_config())


@pytest.fixture(scope="module")
def keten(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("DAGSTER_HOME", raising=False)
        root = tmp_path_factory.mktemp("keten") / "data"
        shutil.copytree(FIXTURES / "keten" / "inbox", root / "inbox")
        summary = run_pipeline(root, log=lambda _: None)
        assert summary.exit_code == 0, summary
        result = materialize_marts(root)
        assert result.success
        yield root, result, summary


# --- the Dagster assets and checks ----------------------------------------------------


def test_every_mart_is_built_and_its_checks_pass(keten):
    root, result, summary = keten
    built = {
        e.asset_key.to_user_string(): e.materialization.metadata for e in result.get_asset_materialization_events()
    }
    for spec in catalog().values():
        key = f"{spec.schema}/{spec.name}"
        assert key in built, key
        # Built by the main job; the second run of the step (all checks again) rebuilt nothing.
        assert built[key]["rebuilt"].value is False
        if spec.materialized == "table":
            assert summary.tables[key] == one(root, f"SELECT count(*) FROM {spec.table}")[0]
    evaluations = result.get_asset_check_evaluations()
    # The contract's marts and the delivery monitor (whose freshness warning judges the 2025 fixture today).
    assert {e.asset_key.to_user_string() for e in evaluations} == {
        f"marts/{s.name}" for s in catalog().values() if s.is_mart
    }
    failing = [(e.asset_key.to_user_string(), e.check_name) for e in evaluations if not e.passed]
    assert [f for f in failing if f != ("marts/aanlevering", "versheid")] == []
    # Each check's severity is its kind's: key, roll-up and stock-flow ERROR (blocking), plausibility WARN.
    assert {e.check_name: e.severity.value for e in evaluations} == {
        e.check_name: CHECK_KINDS[e.check_name].severity for e in evaluations
    }
    assert {e.check_name for e in evaluations if e.severity == dg.AssetCheckSeverity.ERROR} == {
        "sleutel_uniek",
        "rollup_is_som",
        "voorraad_stroom",
    }
    assert ("marts/stand", "voorraad_stroom") in {(e.asset_key.to_user_string(), e.check_name) for e in evaluations}


def test_assets_have_keys_groups_deps_pool_and_descriptions():
    defs_by_key = {key.to_user_string(): a for a in mart_assets() for key in a.keys}
    assert set(defs_by_key) == {f"{s.schema}/{s.name}" for s in catalog().values()}
    assert all(a.node_def.pools == {"duckdb"} for a in mart_assets())
    (step,) = mart_assets()
    assert {k.asset_key.to_user_string() for k in step.check_keys} == {f"marts/{s.name}" for s in marts()} | {
        f"marts/{s.name}" for s in other_marts()
    }

    def deps(key: str) -> set[str]:
        asset = defs_by_key[key]
        return {k.to_user_string() for k in asset.asset_deps[dg.AssetKey(key.split("/"))]}

    stand_key = dg.AssetKey(["marts", "stand"])
    assert step.group_names_by_key[stand_key] == "marts"
    assert "CBS convention" in step.descriptions_by_key[stand_key]
    assert {"modellen/trajecten_maatregelen", "staging/vt_meldingen", "modellen/perioden"} <= deps("marts/instroom")
    assert deps("modellen/regio_per_maand") == {"referentie/gemeenten", "modellen/maanden"}
    blocks = defs_by_key["modellen/maanden"]
    assert {blocks.group_names_by_key[k] for k in blocks.keys} == {"marts"}


# --- norms ------------------------------------------------------------------------------


def test_norm_1_deadline_counts_working_days_of_the_algemene_termijnenwet(keten):
    root, _, _ = keten
    rows = query(
        root,
        "SELECT maatregel_id, uiterste_datum, uitkomst FROM modellen.normuitkomsten "
        "WHERE norm = 'NORM_1_VIJF_WERKDAGEN' AND maatregel_id IN "
        "('G1', 'G2', 'G3', 'G4', 'G5', 'G6', 'G7', 'W1', 'W2', 'WT2', 'N2B') ORDER BY maatregel_id",
    )
    assert rows == [
        ("G1", date(2024, 4, 8), "binnen"),  # over Goede Vrijdag and Tweede Paasdag, assigned on the deadline
        ("G2", date(2024, 5, 15), "buiten"),  # over Hemelvaartsdag, assigned the day after
        ("G3", date(2023, 5, 11), "binnen"),  # over 5 mei 2023, assigned the day it was notified
        ("G4", date(2024, 5, 2), "buiten"),  # Koningsdag on a Saturday; never assigned, peildatum past
        ("G5", date(2025, 5, 1), "binnen"),  # Koningsdag on Saturday the 26th
        ("G6", date(2025, 6, 30), "nog_binnen_termijn"),  # deadline = peildatum, nobody yet
        ("G7", date(2025, 7, 1), "nog_binnen_termijn"),
        ("N2B", date(2025, 1, 20), "binnen"),
        ("W1", date(2025, 5, 13), "buiten"),  # WSS: judged at its own peildatum 2025-05-31
        ("W2", date(2025, 6, 4), "nog_binnen_termijn"),  # over Hemelvaartsdag 2025; WSS peildatum 05-31
        ("WT2", date(2025, 6, 12), "buiten"),  # over Tweede Pinksterdag 2025
    ]
    # The calendar itself: Koningsdag 2025 on the 26th, 5 mei every year.
    assert query(
        root,
        "SELECT datum, reden_vrij FROM modellen.werkdagen WHERE datum IN ('2025-04-26', '2023-05-05', '2024-05-09') "
        "ORDER BY datum",
    ) == [(date(2023, 5, 5), "Bevrijdingsdag"), (date(2024, 5, 9), "Hemelvaartsdag"), (date(2025, 4, 26), "Koningsdag")]


def test_norms_2_and_3_count_calendar_days_and_months(keten):
    root, _, _ = keten
    rows = query(
        root,
        "SELECT maatregel_id, norm, uiterste_datum, uitkomst FROM modellen.normuitkomsten "
        "WHERE (norm = 'NORM_2_ZES_WEKEN' AND maatregel_id IN ('N2A', 'N2B')) "
        "OR (norm = 'NORM_3_DRIE_MAANDEN' AND maatregel_id IN ('N3A', 'N3B', 'N3C', 'N3D')) ORDER BY 1",
    )
    assert rows == [
        ("N2A", "NORM_2_ZES_WEKEN", date(2025, 2, 21), "binnen"),  # day 42
        ("N2B", "NORM_2_ZES_WEKEN", date(2025, 2, 21), "buiten"),  # day 43
        ("N3A", "NORM_3_DRIE_MAANDEN", date(2025, 4, 30), "binnen"),  # 31 January + 3 months
        ("N3B", "NORM_3_DRIE_MAANDEN", date(2025, 4, 30), "buiten"),
        ("N3C", "NORM_3_DRIE_MAANDEN", date(2025, 2, 28), "binnen"),  # 30 November + 3 months
        ("N3D", "NORM_3_DRIE_MAANDEN", date(2025, 2, 28), "buiten"),
    ]


def test_normen_mart(keten):
    root, _, _ = keten
    sql = (
        "SELECT norm, binnen_norm, buiten_norm, beeindigd, nog_binnen_termijn, pct_binnen_norm, afgerekend "
        "FROM marts.normen WHERE periode_type = 'maand' AND periode = ? AND organisatie_code = ? "
        "AND jeugdregio_code = ? AND kader = ? ORDER BY norm"
    )
    # January 2025, Rivierenland: every measure there is its own trajectory. Norm 1 by
    # notification month: N2A, N2B, P2 in time. Norms 2 and 3 by uitspraak month: N2A, N3A, P2
    # in time; N2B, N3B late. Settled at JBGL's peildatum 2025-06-30 for all three norms.
    assert query(root, sql, "2025-01-01", "JBGL", RL, "JB") == [
        ("NORM_1_VIJF_WERKDAGEN", 3, 0, 0, 0, 100.0, True),
        ("NORM_2_ZES_WEKEN", 3, 2, 0, 0, 60.0, True),
        ("NORM_3_DRIE_MAANDEN", 3, 2, 0, 0, 60.0, True),
    ]
    # February 2025: notified N3A (in time), N3B (assigned 02-12, deadline 02-10), P1 (in time):
    # 2/3 = 66.7 (one decimal); pronounced P1: plan in time, no help by 2025-05-03 while the
    # peildatum is 06-30. Norm 3 for February: 28 February + 3 months = 28 May < 30 June: settled.
    assert query(root, sql, "2025-02-01", "JBGL", RL, "JB") == [
        ("NORM_1_VIJF_WERKDAGEN", 2, 1, 0, 0, 66.7, True),
        ("NORM_2_ZES_WEKEN", 1, 0, 0, 0, 100.0, True),
        ("NORM_3_DRIE_MAANDEN", 0, 1, 0, 0, 0.0, True),
    ]
    # June 2025, Centraal Gelderland: only G6 (JB) and G7 (JR), both within their term, and June
    # is settled for no norm at 2025-06-30.
    assert query(root, sql, "2025-06-01", "JBGL", CG, "JB") == [
        ("NORM_1_VIJF_WERKDAGEN", 0, 0, 0, 1, None, False),
        ("NORM_2_ZES_WEKEN", 0, 0, 0, 1, None, False),
        ("NORM_3_DRIE_MAANDEN", 0, 0, 0, 1, None, False),
    ]
    assert query(root, sql, "2025-06-01", "JBGL", CG, "JR")[0] == ("NORM_1_VIJF_WERKDAGEN", 0, 0, 0, 1, None, False)
    # Roll-ups: May 2025 norm 1 for all organisations and regions: W1 and WT1 late, W2 still in
    # term. WSS is judged at 2025-05-31, before May's norm-1 deadline (5 working days after 31
    # May): the TOTAAL row holds a WSS trajectory, so it is not settled either.
    assert query(root, sql, "2025-05-01", T, T, "JB")[0] == ("NORM_1_VIJF_WERKDAGEN", 0, 2, 0, 1, None, False)
    assert query(root, sql, "2025-05-01", "WSS", T, "JB")[0] == ("NORM_1_VIJF_WERKDAGEN", 0, 1, 0, 1, None, False)
    assert query(root, sql, "2025-05-01", "JBGL", T, "JB")[0] == ("NORM_1_VIJF_WERKDAGEN", 0, 1, 0, 0, 0.0, True)
    # June 2025 for all: G6 in term, WT2 late (Tweede Pinksterdag); WSS's figures stop in May.
    assert query(root, sql, "2025-06-01", T, T, "JB")[0] == ("NORM_1_VIJF_WERKDAGEN", 0, 1, 0, 1, None, False)


# --- stock, flows and waiting -------------------------------------------------------------


def test_stand_and_a_measure_ending_on_the_peildatum(keten):
    root, _, _ = keten
    rows = query(
        root,
        "SELECT peildatum, lopend, wachtend_op_jeugdbeschermer FROM marts.stand WHERE organisatie_code = 'JBGL' "
        "AND jeugdregio_code = ? AND gemeente_code = 'GM0200' AND maatregel_type = ? AND peildatum >= '2025-01-31' "
        "ORDER BY peildatum",
        MIJOV,
        T,
    )
    # C1 and J1; + C2 (Feb); + E1 (Mar); + WT1 waiting (May); E1 ends on 2025-06-30, WT2 starts (Jun).
    assert rows == [
        (date(2025, 1, 31), 2, 0),
        (date(2025, 2, 28), 3, 0),
        (date(2025, 3, 31), 4, 0),
        (date(2025, 4, 30), 4, 0),
        (date(2025, 5, 31), 5, 1),
        (date(2025, 6, 30), 5, 1),
    ]
    assert query(
        root,
        "SELECT maatregel_type, lopend FROM marts.stand WHERE peildatum = '2025-06-30' AND organisatie_code = 'JBGL' "
        "AND gemeente_code = 'GM0200' AND maatregel_type <> 'TOTAAL' ORDER BY 1",
    ) == [("JR_TOEZICHT_BEGELEIDING", 1), ("OTS", 3), ("VOOGDIJ", 1)]
    # All organisations: 17 JBGL + 2 WSS on 31 May; on 30 June JBGL's 19 only (WSS stops in May).
    total = "SELECT lopend, wachtend_op_jeugdbeschermer FROM marts.stand WHERE peildatum = ? AND organisatie_code = ? "
    total += "AND jeugdregio_code = 'TOTAAL' AND gemeente_code = 'TOTAAL' AND maatregel_type = 'TOTAAL'"
    assert one(root, total, "2025-05-31", T) == (19, 3)
    assert one(root, total, "2025-06-30", T) == (19, 3)
    assert one(root, total, "2025-06-30", "JBGL") == (19, 3)
    # E1 leaves in June: 119 days from 2025-03-03 to 2025-06-30.
    assert one(
        root,
        "SELECT aantal, gemiddelde_duur_dagen, mediaan_duur_dagen FROM marts.uitstroom "
        "WHERE periode_type = 'maand' AND periode = '2025-06-01' "
        "AND bron = 'gi_maatregelen' AND organisatie_code = 'JBGL' AND gemeente_code = 'GM0200' "
        "AND categorie = 'DOEL_BEREIKT'",
    ) == (1, 119.0, 119.0)


def test_instroom_ignores_superseded_deliveries_and_stops_at_each_peildatum(keten):
    root, _, _ = keten
    sql = (
        "SELECT organisatie_code, aantal FROM marts.instroom WHERE periode_type = 'maand' AND periode = ? AND bron = ? "
        "AND jeugdregio_code = 'TOTAAL' AND gemeente_code = 'TOTAAL' AND categorie = 'TOTAAL' "
        "AND soort_instroom = 'TOTAAL' ORDER BY 1"
    )
    # February 2025: P1 and C2; X1 of the superseded May delivery does not count.
    assert query(root, sql, "2025-02-01", "gi_maatregelen") == [("JBGL", 2), (T, 2)]
    assert one(
        root,
        "SELECT aantal FROM marts.instroom WHERE periode_type = 'maand' AND periode = '2025-02-01' "
        "AND organisatie_code = 'JBGL' "
        "AND gemeente_code = 'GM0214' AND categorie = 'OTS' AND soort_instroom = 'NIEUW_TRAJECT'",
    ) == (1,)
    assert query(root, "SELECT count(*) FROM modellen.normuitkomsten WHERE maatregel_id = 'X1'") == [(0,)]
    assert query(root, sql, "2025-05-01", "gi_maatregelen") == [("JBGL", 1), (T, 3), ("WSS", 2)]
    assert query(root, sql, "2025-06-01", "gi_maatregelen") == [("JBGL", 3), (T, 3)]
    assert query(root, sql, "2025-06-01", "vt_meldingen") == [(T, 1), ("VT_GZ", 1)]
    assert query(root, sql, "2025-06-01", "rvdk_onderzoeken") == [("RVDK", 1), (T, 1)]
    # WSS's delivery is a month behind: no WSS row after May in any mart.
    for spec in marts():
        if "organisatie_code" in spec.column_names:
            latest = one(root, f"SELECT max({spec.period_column}) FROM {spec.table} WHERE organisatie_code = 'WSS'")
            assert latest[0] is None or latest[0] <= date(2025, 5, 31), spec.name
    assert one(root, "SELECT max(peildatum) FROM marts.stand WHERE organisatie_code = 'WSS'") == (date(2025, 5, 31),)


# --- caseload and staff -----------------------------------------------------------------


def test_personeel(keten):
    root, _, _ = keten
    rows = query(root, "SELECT * FROM marts.personeel WHERE peildatum >= '2025-05-31' ORDER BY peildatum, 2")
    assert rows[:2] == [
        (date(2025, 5, 31), "JBGL", 2.0, 0.5, 0, 1, 6.0),
        (date(2025, 5, 31), T, 5.0, 1.5, 0, 1, pytest.approx((6.0 * 2.5 + 8.0 * 4.0) / 6.5)),
    ]
    assert rows[2:] == [
        (date(2025, 5, 31), "WSS", 3.0, 1.0, 0, 0, 8.0),
        (date(2025, 6, 30), "JBGL", 2.0, 0.5, 2, 0, 4.5),
        (date(2025, 6, 30), T, 2.0, 0.5, 2, 0, 4.5),
    ]


# --- lead times and the chain -------------------------------------------------------------


def test_doorlooptijden_mean_median_p90_on_even_and_odd_counts(keten):
    root, _, _ = keten
    sql = (
        "SELECT aantal, gemiddelde, mediaan, p90 FROM marts.doorlooptijden "
        "WHERE periode_type = 'maand' AND periode = ? AND organisatie_code = ? AND jeugdregio_code = ? AND stap = ? "
        "AND kader = 'TOTAAL' AND eenheid = 'dagen'"
    )
    # Even: plans in February 2025 after 10, 20, 42, 43 days. Median (20 + 42) / 2; p90 at
    # position 0.9 * 3 = 2.7: 42 + 0.7 * (43 - 42).
    n, mean, median, p90 = one(root, sql, "2025-02-01", "JBGL", RL, "GI_UITSPRAAK_PLAN")
    assert (n, mean, median) == (4, 28.75, 31.0) and p90 == pytest.approx(42.7)
    assert one(root, sql, "2025-02-01", T, T, "GI_UITSPRAAK_PLAN")[0] == 4
    # Odd: VT requests to the Raad in December 2024 after 10, 35, 63 days. p90 at position
    # 0.9 * 2 = 1.8: 35 + 0.8 * (63 - 35).
    n, mean, median, p90 = one(root, sql, "2024-12-01", "VT_GZ", RVN, "VT_ONTVANGST_VERZOEK_RVDK")
    assert (n, mean, median) == (3, 36.0, 35.0) and p90 == pytest.approx(57.4)
    # Odd with ties: jeugdbeschermer in January 2025 after 2 (N2A), 7 (N2B), 2 (P2) days.
    n, mean, median, p90 = one(root, sql, "2025-01-01", "JBGL", RL, "GI_KENNISSTELLING_JEUGDBESCHERMER")
    assert (n, median) == (3, 2.0) and mean == pytest.approx(11 / 3) and p90 == pytest.approx(6.0)
    # The whole chain for L1: VT report received 2024-10-07, jeugdbeschermer 2025-03-19.
    assert one(root, sql, "2025-03-01", "JBGL", RVN, "KETEN_MELDING_JEUGDBESCHERMER") == (1, 163.0, 163.0, 163.0)
    # Uitstroom uses the same durations: the three VT cases closed in December 2024.
    assert one(
        root,
        "SELECT aantal, gemiddelde_duur_dagen, mediaan_duur_dagen FROM marts.uitstroom "
        "WHERE periode_type = 'maand' AND periode = '2024-12-01' "
        "AND organisatie_code = 'VT_GZ' AND gemeente_code = 'TOTAAL' AND jeugdregio_code = ? "
        "AND categorie = 'VERZOEK_ONDERZOEK_RVDK'",
        RVN,
    ) == (3, 36.0, 35.0)


def test_chain_links_take_the_latest_eligible_step_within_365_days(keten):
    root, _, _ = keten
    assert query(
        root,
        "SELECT maatregel_id, onderzoek_id, datum_rekest, melding_id, vt_organisatie_code, keten_dagen "
        "FROM modellen.ketenschakels WHERE maatregel_id IN ('L1', 'L2', 'L3') ORDER BY 1",
    ) == [
        ("L1", "R2", date(2025, 2, 17), "V2", "VT_GZ", 163),  # not R3 (after), not R1 (older); not V3 (after)
        ("L2", None, None, None, None, None),  # rekest 366 days before
        ("L3", "R5", date(2024, 3, 10), None, None, None),  # rekest exactly 365 days before; no VT report
    ]
    # JR measures are not in the chain.
    assert query(root, "SELECT count(*) FROM modellen.ketenschakels WHERE maatregel_id IN ('G7', 'J1')") == [(0,)]
    sql = (
        "SELECT jb_trajecten, met_rvdk_onderzoek, met_vt_melding, mediaan_keten_dagen, aantal_met_keten_dagen "
        "FROM marts.doorstroom WHERE periode_type = 'maand' AND periode = '2025-03-01' AND jeugdregio_code = ?"
    )
    assert one(root, sql, RVN) == (3, 2, 1, 163.0, 1)
    assert one(root, sql, T) == (4, 2, 1, 163.0, 1)  # + E1 in Midden-IJssel/Oost-Veluwe


# --- version 2: trajectories, periods and flows ------------------------------------------------
#
# Scenario tests/fixtures/marts/trajecten (peildatum 2026-11-30 for all; kind_id n in 64 hex digits):
# JBGL, Centraal Gelderland (GM0202) unless said otherwise:
# - A1 voorlopige OTS 2026-01-05 (notified Tue 01-06, worker Fri 01-09, help 02-20), converted
#   (OMGEZET, 01-26) into OTS A2 (plan 02-10, help 03-02): one trajectory; RvdK RS1 of the same
#   child has its urgent request on 2026-01-02 and its rekest only on 02-20; VT VS1 received
#   2025-11-03 asked the Raad on 2025-11-20.
# - B1 voorlopige OTS 2026-02-02 ended 2026-03-20 (OVERIG) without help or follow-on.
# - C1 OTS 2026-03-02 in Midden-IJssel/Oost-Veluwe (GM0200), handed over (OVERGEDRAGEN 05-15) to
#   WSS, whose C2 has datum_start_bij_gi 2026-05-15 and its own worker on 05-20.
# - D1 ended 2026-03-31, D2 pronounced 2026-04-08 (8 days later); E1 ended 2026-03-31, E2
#   pronounced 2026-04-07 (7 days later). E1 was pronounced 2025-11-10, D1 2025-03-03.
# - F1-F5 pronounced 2026-07-06, 08-03, 09-07, 10-05, 10-30 (notified 07-07, 08-04, 09-08, 10-06,
#   11-02), workers 2 days after notification (F4: Mon 10-12, 6 days), no plan, no help.
# - RVDK in Rijk van Nijmegen: RV1-RV5 started 2, 4 (April 2026), 10 (May), 30, 40 (June) days
#   after the request.
# - VT_GZ: VS2, one melding about two siblings received 2026-06-08.


@pytest.fixture(scope="module")
def trajecten(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("DAGSTER_HOME", raising=False)
        root = tmp_path_factory.mktemp("trajecten") / "data"
        shutil.copytree(FIXTURES / "trajecten" / "inbox", root / "inbox")
        summary = run_pipeline(root, log=lambda _: None)
        assert summary.exit_code == 0, summary
        # Every mart's checks pass, voorraad_stroom per GI with the hand-over included.
        _build_and_check_marts(root)
        yield root


NORMEN = (
    "SELECT norm, binnen_norm, buiten_norm, beeindigd, nog_binnen_termijn, pct_binnen_norm, afgerekend "
    "FROM marts.normen WHERE periode_type = ? AND periode = ? AND organisatie_code = ? AND jeugdregio_code = ? "
    "AND kader = 'JB' ORDER BY norm"
)


def test_a_voorlopige_ots_converted_into_an_ots_is_one_norm_case(trajecten):
    root = trajecten
    # Event dates from either measure: worker 01-09 (A1, before A2 was pronounced), plan 02-10
    # (A2), help 02-20 (A1). Norm 1: Tue 01-06 + 5 working days = Tue 01-13; norm 2: 01-05 + 42 =
    # 02-16; norm 3: 01-05 + 3 months = 04-05. Without A2's plan the trajectory would be beeindigd.
    assert query(
        root,
        "SELECT maatregel_id, norm, uiterste_datum, doel_datum, uitkomst FROM modellen.normuitkomsten "
        "WHERE maatregel_id IN ('A1', 'A2') ORDER BY norm",
    ) == [
        ("A1", "NORM_1_VIJF_WERKDAGEN", date(2026, 1, 13), date(2026, 1, 9), "binnen"),
        ("A1", "NORM_2_ZES_WEKEN", date(2026, 2, 16), date(2026, 2, 10), "binnen"),
        ("A1", "NORM_3_DRIE_MAANDEN", date(2026, 4, 5), date(2026, 2, 20), "binnen"),
    ]
    assert query(root, NORMEN, "maand", "2026-01-01", "JBGL", CG) == [
        ("NORM_1_VIJF_WERKDAGEN", 1, 0, 0, 0, 100.0, True),
        ("NORM_2_ZES_WEKEN", 1, 0, 0, 0, 100.0, True),
        ("NORM_3_DRIE_MAANDEN", 1, 0, 0, 0, 100.0, True),
    ]
    # Instroom: both measures, the OTS as VERVOLG.
    assert query(
        root,
        "SELECT categorie, soort_instroom, aantal FROM marts.instroom WHERE periode_type = 'maand' "
        "AND periode = '2026-01-01' AND bron = 'gi_maatregelen' AND organisatie_code = 'JBGL' "
        "AND gemeente_code = 'GM0202' AND categorie <> 'TOTAAL' AND soort_instroom <> 'TOTAAL' ORDER BY 1",
    ) == [("OTS", "VERVOLG", 1), ("VOORLOPIGE_OTS", "NIEUW_TRAJECT", 1)]


def test_a_voorlopige_ots_ended_without_help_is_beeindigd_not_buiten(trajecten):
    root = trajecten
    # B1: 02-02 + 3 months = 05-02; ended 03-20 without help: beeindigd, out of the percentage.
    # Worker Thu 02-05 <= Tue 02-10; plan 03-02 <= 03-16.
    assert query(root, NORMEN, "maand", "2026-02-01", "JBGL", CG) == [
        ("NORM_1_VIJF_WERKDAGEN", 1, 0, 0, 0, 100.0, True),
        ("NORM_2_ZES_WEKEN", 1, 0, 0, 0, 100.0, True),
        ("NORM_3_DRIE_MAANDEN", 0, 0, 1, 0, None, True),
    ]


def test_a_hand_over_is_one_trajectory_with_instroom_overdracht_at_the_receiving_gi(trajecten):
    root = trajecten
    assert query(
        root,
        "SELECT organisatie_code, maatregel_id, volgnummer, soort_instroom FROM modellen.trajecten_maatregelen "
        "WHERE maatregel_id IN ('C1', 'C2') ORDER BY volgnummer",
    ) == [("JBGL", "C1", 1, "NIEUW_TRAJECT"), ("WSS", "C2", 2, "OVERDRACHT")]
    flow = (
        "SELECT organisatie_code, periode, {kol}, aantal FROM marts.{mart} WHERE periode_type = 'maand' "
        "AND bron = 'gi_maatregelen' AND organisatie_code IN ('JBGL', 'WSS') AND jeugdregio_code = ? "
        "AND gemeente_code = 'GM0200' AND categorie <> 'TOTAAL' {extra} ORDER BY 1, 2"
    )
    # In at JBGL in March (datum_uitspraak), out there in May; in at WSS in May (datum_start_bij_gi).
    assert query(
        root, flow.format(kol="soort_instroom", mart="instroom", extra="AND soort_instroom <> 'TOTAAL'"), MIJOV
    ) == [
        ("JBGL", date(2026, 3, 1), "NIEUW_TRAJECT", 1),
        ("WSS", date(2026, 5, 1), "OVERDRACHT", 1),
    ]
    assert query(root, flow.format(kol="categorie", mart="uitstroom", extra=""), MIJOV) == [
        ("JBGL", date(2026, 5, 1), "OVERGEDRAGEN", 1)
    ]
    # The norms count the trajectory once, at JBGL in March; WSS has no norm case.
    assert query(root, "SELECT count(*) FROM marts.normen WHERE organisatie_code = 'WSS'") == [(0,)]
    assert query(root, NORMEN, "maand", "2026-03-01", "JBGL", MIJOV)[0] == (
        "NORM_1_VIJF_WERKDAGEN",
        1,
        0,
        0,
        0,
        100.0,
        True,
    )


def test_a_new_measure_eight_days_after_the_end_is_a_new_trajectory_seven_days_is_not(trajecten):
    root = trajecten
    assert query(
        root,
        "SELECT maatregel_id, volgnummer, soort_instroom FROM modellen.trajecten_maatregelen "
        "WHERE maatregel_id IN ('D1', 'D2', 'E1', 'E2') ORDER BY 1",
    ) == [("D1", 1, "NIEUW_TRAJECT"), ("D2", 1, "NIEUW_TRAJECT"), ("E1", 1, "NIEUW_TRAJECT"), ("E2", 2, "VERVOLG")]
    assert query(
        root,
        "SELECT soort_instroom, aantal FROM marts.instroom WHERE periode_type = 'maand' AND periode = '2026-04-01' "
        "AND bron = 'gi_maatregelen' AND organisatie_code = 'JBGL' AND jeugdregio_code = 'TOTAAL' "
        "AND gemeente_code = 'TOTAAL' AND categorie = 'TOTAAL' ORDER BY 1",
    ) == [("NIEUW_TRAJECT", 1), (T, 2), ("VERVOLG", 1)]
    # April's norm cases: D2 only.
    assert [r[1:5] for r in query(root, NORMEN, "maand", "2026-04-01", "JBGL", T)] == [(1, 0, 0, 0)] * 3


def test_settled_boundary_of_each_norm_at_peildatum_2026_11_30(trajecten):
    root = trajecten
    rows = query(
        root,
        "SELECT norm, periode, afgerekend FROM marts.normen WHERE periode_type = 'maand' AND organisatie_code = 'JBGL' "
        "AND jeugdregio_code = 'TOTAAL' AND periode >= '2026-07-01' ORDER BY norm, periode",
    )
    settled = {(norm, p.month): a for norm, p, a in rows}
    # Norm 1: 31 October + 5 working days = 6 November < 30 November; 30 November + 5 is not.
    assert (settled["NORM_1_VIJF_WERKDAGEN", 10], settled["NORM_1_VIJF_WERKDAGEN", 11]) == (True, False)
    # Norm 2: 30 September + 42 = 11 November; 31 October + 42 = 12 December.
    assert (settled["NORM_2_ZES_WEKEN", 9], settled["NORM_2_ZES_WEKEN", 10]) == (True, False)
    # Norm 3: 31 July + 3 months = 31 October; 31 August + 3 months = 30 November, not yet passed.
    assert (settled["NORM_3_DRIE_MAANDEN", 7], settled["NORM_3_DRIE_MAANDEN", 8]) == (True, False)
    # An unsettled period shows its counts without a percentage: October's norm 2 has F4 late
    # (10-05 + 42 = 11-16, no plan) and F5 within its term (10-30 + 42 = 12-11).
    assert query(root, NORMEN, "maand", "2026-10-01", "JBGL", CG)[1] == ("NORM_2_ZES_WEKEN", 0, 1, 0, 1, None, False)
    assert query(root, NORMEN, "maand", "2026-08-01", "JBGL", CG)[2] == ("NORM_3_DRIE_MAANDEN", 0, 1, 0, 0, None, False)
    # The TOTAAL row of the GIs: the same, JBGL being the only GI with a case.
    assert query(root, NORMEN, "maand", "2026-10-01", T, T)[1] == ("NORM_2_ZES_WEKEN", 0, 1, 0, 1, None, False)


def test_a_quarter_median_comes_from_its_cases_not_from_the_months(trajecten):
    root = trajecten
    sql = (
        "SELECT aantal, gemiddelde, mediaan, p90 FROM marts.doorlooptijden WHERE periode_type = ? AND periode = ? "
        "AND organisatie_code = 'RVDK' AND jeugdregio_code = ? AND stap = 'RVDK_VERZOEK_START' AND kader = 'TOTAAL'"
    )
    # RVDK_VERZOEK_START (datum_verzoek -> datum_start): April 2 and 4 days, May 10, June 30 and 40.
    assert one(root, sql, "maand", "2026-04-01", RVN) == (2, 3.0, 3.0, pytest.approx(3.8))
    assert one(root, sql, "maand", "2026-05-01", RVN) == (1, 10.0, 10.0, 10.0)
    assert one(root, sql, "maand", "2026-06-01", RVN) == (2, 35.0, 35.0, 39.0)
    # The quarter: median of 2, 4, 10, 30, 40 is 10 (the months' medians average 16); p90 at
    # position 0.9 * 4 = 3.6: 30 + 0.6 * 10 = 36; mean 86 / 5.
    n, mean, median, p90 = one(root, sql, "kwartaal", "2026-04-01", RVN)
    assert (n, median) == (5, 10.0) and mean == pytest.approx(17.2) and p90 == pytest.approx(36.0)
    # The non-GI steps have kader NVT and its TOTAAL roll-up only.
    assert query(
        root, "SELECT DISTINCT kader FROM marts.doorlooptijden WHERE stap = 'RVDK_VERZOEK_START' ORDER BY 1"
    ) == [("NVT",), (T,)]


def test_a_rolling_12_window_and_incomplete_periods(trajecten):
    root = trajecten
    sql = (
        "SELECT aantal FROM marts.instroom WHERE periode_type = ? AND periode = ? AND bron = 'gi_maatregelen' "
        "AND organisatie_code = 'JBGL' AND jeugdregio_code = 'TOTAAL' AND gemeente_code = 'TOTAAL' "
        "AND categorie = 'TOTAAL' AND soort_instroom = 'TOTAAL'"
    )
    # December 2025 - November 2026: A1, A2, B1, C1, D2, E2, F1-F5 = 11; D1 (March 2025) not.
    assert one(root, sql, "rollend_12", "2026-11-01") == (11,)
    # November 2025 - October 2026: E1 (2025-11-10) in, F5 (October) in as well: 12.
    assert one(root, sql, "rollend_12", "2026-10-01") == (12,)
    assert one(root, sql, "jaar", "2025-01-01") == (2,)  # D1 and E1
    # 2026 and its last quarter and half-year are not complete at 2026-11-30: not reported.
    assert query(
        root,
        "SELECT DISTINCT periode_type FROM marts.instroom WHERE organisatie_code = 'JBGL' AND periode >= '2026-07-01' "
        "AND periode_type <> 'maand' ORDER BY 1",
    ) == [("kwartaal",), ("rollend_12",)]
    assert query(root, "SELECT max(periode) FROM marts.instroom WHERE periode_type = 'kwartaal'") == [
        (date(2026, 7, 1),)
    ]
    # A melding about two siblings counts twice.
    assert one(
        root,
        "SELECT aantal FROM marts.instroom WHERE periode_type = 'maand' AND periode = '2026-06-01' "
        "AND bron = 'vt_meldingen' AND organisatie_code = 'VT_GZ' AND gemeente_code = 'TOTAAL' "
        "AND jeugdregio_code = 'TOTAAL' AND categorie = 'TOTAAL' AND soort_instroom = 'TOTAAL'",
    ) == (2,)


def test_norm_1_lead_time_in_working_days(trajecten):
    root = trajecten
    sql = (
        "SELECT eenheid, aantal, mediaan FROM marts.doorlooptijden WHERE periode_type = 'maand' "
        "AND periode = '2026-10-01' AND organisatie_code = 'JBGL' AND jeugdregio_code = ? "
        "AND stap = 'GI_KENNISSTELLING_JEUGDBESCHERMER' AND kader = 'JB' ORDER BY 1"
    )
    # F4: notified Tue 2026-10-06, worker Mon 10-12: 6 calendar days, 4 working days (7, 8, 9, 12).
    assert query(root, sql, CG) == [("dagen", 1, 6.0), ("werkdagen", 1, 4.0)]


def test_doorstroom_links_a_trajectory_through_the_urgent_request(trajecten):
    root = trajecten
    assert query(
        root,
        "SELECT maatregel_id, onderzoek_id, koppel_datum, melding_id, keten_dagen FROM modellen.ketenschakels "
        "WHERE kind_id = ?",
        f"{0x61:064x}",
    ) == [("A1", "RS1", date(2026, 1, 2), "VS1", 67)]  # worker 2026-01-09 - VT receipt 2025-11-03
    assert one(
        root,
        "SELECT jb_trajecten, met_rvdk_onderzoek, met_vt_melding, mediaan_keten_dagen, aantal_met_keten_dagen "
        "FROM marts.doorstroom WHERE periode_type = 'maand' AND periode = '2026-01-01' AND jeugdregio_code = ?",
        CG,
    ) == (1, 1, 1, 67.0, 1)


# --- checks that fail ---------------------------------------------------------------------


def _copy_warehouse(source_root: Path, target_root: Path) -> Path:
    target = warehouse(target_root)
    target.parent.mkdir(parents=True)
    shutil.copyfile(warehouse(source_root), target)
    return target


def test_checks_fail_on_corrupted_marts(keten, tmp_path, monkeypatch):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    source, _, _ = keten
    root = tmp_path / "data"
    con = duckdb.connect(str(_copy_warehouse(source, root)))
    try:
        # A detail row no longer adds up to its roll-ups.
        con.execute(
            "UPDATE marts.instroom SET aantal = aantal + 1 WHERE periode = '2025-02-01' "
            "AND organisatie_code = 'JBGL' AND gemeente_code = 'GM0214' AND categorie = 'OTS'"
        )
        # JBGL's stock on 30 April grows without inflow (and no longer sums either).
        con.execute(
            "UPDATE marts.stand SET lopend = lopend + 1 WHERE peildatum = '2025-04-30' AND organisatie_code = 'JBGL' "
            "AND jeugdregio_code = 'TOTAAL' AND gemeente_code = 'TOTAAL' AND maatregel_type = 'TOTAAL'"
        )
        con.execute(
            "UPDATE marts.normen SET pct_binnen_norm = 150 WHERE periode = '2025-01-01' AND norm LIKE 'NORM_1%'"
        )
        con.execute(
            "UPDATE marts.wachttijden SET jeugdregio_code = 'ATLANTIS' WHERE peildatum = '2025-05-31' "
            "AND organisatie_code = 'WSS' AND jeugdregio_code = 'CENTRAAL_GELDERLAND'"
        )
        con.execute(
            "UPDATE marts.doorlooptijden SET aantal = -1 WHERE periode = '2024-12-01' AND organisatie_code = 'VT_GZ'"
        )
        con.execute("INSERT INTO marts.personeel SELECT * FROM marts.personeel WHERE peildatum = '2025-04-30'")
        con.execute(
            "INSERT INTO marts.caseload SELECT * REPLACE ('WSS' AS organisatie_code) "
            "FROM marts.caseload WHERE peildatum = '2025-06-30' AND organisatie_code = 'JBGL'"
        )
    finally:
        con.close()

    result = materialize_marts(root)
    # A failing key, roll-up or stock-flow check (ERROR, blocking) fails the marts step after every check
    # reported (so nothing downstream, no export, is made); plausibility checks warn.
    assert not result.success
    [failure] = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert "blocking mart check(s) failed" in failure.event_specific_data.error.message
    assert "marts/instroom: rollup_is_som" in failure.event_specific_data.error.message
    # The corrupted tables were not rebuilt: their fingerprints did not change.
    assert not any(e.materialization.metadata["rebuilt"].value for e in result.get_asset_materialization_events())
    failed = sorted((e.asset_key.path[-1], e.check_name) for e in result.get_asset_check_evaluations() if not e.passed)
    failed.remove(("aanlevering", "versheid"))  # the delivery monitor judges the 2025 fixture on today's date
    assert failed == [
        ("caseload", "binnen_maandraster"),
        ("caseload", "rollup_is_som"),
        ("doorlooptijden", "geen_negatieve_aantallen"),
        ("doorlooptijden", "rollup_is_som"),
        ("instroom", "rollup_is_som"),
        ("normen", "percentages_0_100"),
        ("personeel", "rollup_is_som"),
        ("personeel", "sleutel_uniek"),
        ("stand", "rollup_is_som"),
        ("stand", "voorraad_stroom"),
        ("wachttijden", "regiocodes_bekend"),
        ("wachttijden", "rollup_is_som"),
    ]
    stock = next(e for e in result.get_asset_check_evaluations() if e.check_name == "voorraad_stroom")
    assert stock.severity == dg.AssetCheckSeverity.ERROR
    assert stock.metadata["failing_rows"].value == 2  # April's balance and May's (its previous stock)


def test_checks_of_a_rebuilt_bron_read_only_its_rows_and_a_view_is_computed_once(keten, tmp_path):
    source, _, _ = keten
    con = duckdb.connect(str(_copy_warehouse(source, tmp_path)))
    try:
        # One duplicate key in the GI rows of instroom and one in the Veilig Thuis rows.
        for bron in ("gi_maatregelen", "vt_meldingen"):
            con.execute(
                f"INSERT INTO marts.instroom (SELECT * FROM marts.instroom WHERE bron = '{bron}' "
                "AND organisatie_code <> 'TOTAAL' AND gemeente_code <> 'TOTAAL' LIMIT 1)"
            )
        spec = catalog()["instroom"]
        found = {}
        for bronnen in (["gi_maatregelen"], ["vt_meldingen"], ["rvdk_onderzoeken"], [], None):
            with checked_rows(con, spec, bronnen) as rows:
                outcome = run_check(con, spec, "sleutel_uniek", rows)
            found[str(bronnen)] = (outcome.failures, sorted({e["bron"] for e in outcome.examples}))
        assert found == {
            "['gi_maatregelen']": (1, ["gi_maatregelen"]),
            "['vt_meldingen']": (1, ["vt_meldingen"]),
            "['rvdk_onderzoeken']": (0, []),
            "[]": (0, []),
            "None": (2, ["gi_maatregelen", "vt_meldingen"]),
        }
        # A view: its checks read one temporary table of the columns they need, with the view's outcomes.
        view = catalog()["normuitkomsten"]
        assert view.materialized == "view"
        with checked_rows(con, view) as rows:
            assert rows == "_gecontroleerd"
            columns = [r[0] for r in con.execute("SELECT name FROM pragma_table_info('_gecontroleerd')").fetchall()]
            assert columns == ["periode", "organisatie_code", "jeugdregio_code", "gemeente_code", "norm", "traject_id"]
            assert con.execute("SELECT count(*) FROM _gecontroleerd").fetchone()[0] > 0
            on_copy = [run_check(con, view, c.name, rows) for c in checks_for(view)]
        assert on_copy == [run_check(con, view, c.name) for c in checks_for(view)]
        assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = '_gecontroleerd'").fetchone() == (
            0,
        )
    finally:
        con.close()


def test_uitstroom_built_one_year_at_a_time_equals_one_statement(keten, tmp_path):
    """per_jaar: the runner's runs per year of periode give exactly the rows of one run over all periods."""
    source, _, _ = keten
    con = duckdb.connect(str(_copy_warehouse(source, tmp_path)))
    try:
        years = con.execute("SELECT list_sort(list(DISTINCT year(periode))) FROM modellen.perioden").fetchone()[0]
        assert len(years) >= 2  # the spine runs from the monitor's start: several runs
        (statement,) = statements("uitstroom")
        whole = statement.replace("CREATE OR REPLACE TABLE marts.uitstroom AS", "CREATE TEMP TABLE heel AS", 1)
        whole = whole.replace("year(periode) = $jaar", "true", 1)
        # Every case: the first and last month of all periods.
        first, last = con.execute("SELECT min(maand), max(maand) FROM modellen.perioden").fetchone()
        params = {"bronnen": sorted(load_definitions().bronnen), "eerste_maand": first, "laatste_maand": last}
        con.execute(whole, params)
        build_model(con, "uitstroom")
        assert con.execute("SELECT count(*) FROM heel").fetchone()[0] > 0
        for a, b in (("marts.uitstroom", "heel"), ("heel", "marts.uitstroom")):
            extra = con.execute(f"SELECT count(*) FROM (SELECT * FROM {a} EXCEPT ALL SELECT * FROM {b})").fetchone()
            assert extra == (0,)
        # Rows come from more than one of the runs (the fixture's cases end in several years).
        per_year = con.execute("SELECT list_sort(list(DISTINCT year(periode))) FROM marts.uitstroom").fetchone()[0]
        assert len(per_year) >= 2 and set(per_year) <= set(years)
    finally:
        con.close()


def test_stock_flow_check_fails_on_inconsistent_inputs(keten, tmp_path):
    source, _, _ = keten
    con = duckdb.connect(str(_copy_warehouse(source, tmp_path)))
    try:
        # C1 (pronounced 2024-09-02) disappears from staging after instroom was built; stand is rebuilt.
        con.execute("DELETE FROM staging.gi_maatregelen WHERE maatregel_id = 'C1'")
        for name in ("trajecten_maatregelen", "lopende_maatregelen", "stand"):
            build_model(con, name)
        outcome = run_check(con, catalog()["stand"], "voorraad_stroom")
    finally:
        con.close()
    assert not outcome.passed
    assert outcome.examples[0]["organisatie_code"] == "JBGL" and outcome.examples[0]["peildatum"] == "2024-09-30"


# --- restatement ------------------------------------------------------------------------


def _build_and_check_marts(root: Path) -> None:
    """Rebuild every model with the runner (cheap at this size; the Dagster path is tested above)."""
    con = duckdb.connect(str(warehouse(root)))
    try:
        build_all(con)
        failed = [(m.name, c.name) for m in marts() for c in run_checks(con, m.name) if not c.passed]
    finally:
        con.close()
    assert failed == []


def _mart_rows_before(root: Path, periode: str) -> set[tuple]:
    rows = set()
    for spec in marts():
        # The figures, not the internal cell keys (they follow the records, see exports/disclosure.py).
        columns = ", ".join(c.name for c in spec.columns if not c.intern)
        for row in query(root, f"SELECT {columns} FROM {spec.table} WHERE {spec.period_column} < ?", periode):
            rows.add((spec.name, *row))
    return rows


def test_a_corrected_delivery_restates_an_earlier_month_and_nothing_else(tmp_path, monkeypatch):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    root = tmp_path / "data"
    shutil.copytree(FIXTURES / "correctie" / "inbox", root / "inbox")
    assert run_pipeline(root, log=lambda _: None).exit_code == 0
    _build_and_check_marts(root)
    before = _mart_rows_before(root, "2025-02-01")

    # February's delivery corrects M1's reason for ending (November 2024) from DOEL_BEREIKT to MEERDERJARIG.
    shutil.copyfile(
        FIXTURES / "correctie" / "correctie" / "2025-02-28.csv",
        root / "inbox" / "JBGL" / "gi_maatregelen" / "2025-02-28.csv",
    )
    assert run_pipeline(root, log=lambda _: None).exit_code == 0
    _build_and_check_marts(root)
    after = _mart_rows_before(root, "2025-02-01")

    # A later peildatum settles more periods of the norms (their deadlines pass); that is no
    # restatement, so the normen rows are compared without pct_binnen_norm and afgerekend first.
    settled = {r for r in after - before if r[0] == "normen"}
    unsettled = {r for r in before - after if r[0] == "normen"}
    assert {r[:-2] for r in settled} == {r[:-2] for r in unsettled}
    assert all(not r[-1] for r in unsettled) and all(r[-1] for r in settled)
    # M2 (pronounced 2024-12-02, no plan): December's norm 2 settles once 31 December + 42 days
    # = 11 February 2025 lies before the peildatum, at 2025-02-28, not at 2025-01-31.
    dec = ("normen", "maand", date(2024, 12, 1), "JBGL", CG, "JB", "NORM_2_ZES_WEKEN", 0, 1, 0, 0)
    assert (*dec, None, False) in unsettled and (*dec, 0.0, True) in settled
    before, after = before - unsettled, after - settled

    # M1 ran 50 days (2024-10-01 to 2024-11-20); its uitstroom rows move category, at every
    # roll-up level, in every period holding November 2024 that was complete in January 2025.
    levels = [("JBGL", CG, "GM0202"), ("JBGL", CG, T), ("JBGL", T, T), (T, CG, "GM0202"), (T, CG, T), (T, T, T)]
    perioden = [
        ("maand", date(2024, 11, 1)),
        ("kwartaal", date(2024, 10, 1)),
        ("halfjaar", date(2024, 7, 1)),
        ("jaar", date(2024, 1, 1)),
        ("rollend_12", date(2024, 11, 1)),
        ("rollend_12", date(2024, 12, 1)),
        ("rollend_12", date(2025, 1, 1)),
    ]
    assert before - after == {
        ("uitstroom", *p, "gi_maatregelen", *lvl, "DOEL_BEREIKT", 1, 50.0, 50.0) for lvl in levels for p in perioden
    }
    assert after - before == {
        ("uitstroom", *p, "gi_maatregelen", *lvl, "MEERDERJARIG", 1, 50.0, 50.0) for lvl in levels for p in perioden
    }
    # February is new: M2 is still running.
    assert query(
        root,
        "SELECT lopend FROM marts.stand WHERE peildatum = '2025-02-28' AND organisatie_code = 'TOTAAL' "
        "AND jeugdregio_code = 'TOTAAL' AND maatregel_type = 'TOTAAL'",
    ) == [(1,)]


# --- building blocks in isolation -----------------------------------------------------------


def test_region_per_month_uses_validity_dates():
    con = duckdb.connect()
    try:
        con.execute("CREATE SCHEMA referentie")
        con.execute("CREATE SCHEMA modellen")
        con.execute(
            "CREATE TABLE referentie.gemeenten (gemeente_code VARCHAR, gemeente_naam VARCHAR, jeugdregio_code VARCHAR, "
            "jeugdregio_naam VARCHAR, provincie VARCHAR, geldig_van DATE, geldig_tot DATE)"
        )
        con.execute(
            "INSERT INTO referentie.gemeenten VALUES "
            # moves from region A to B on 16 June 2024
            "('GM9001', 'Verhuisd', 'REGIO_A', 'A', '', NULL, '2024-06-15'), "
            "('GM9001', 'Verhuisd', 'REGIO_B', 'B', '', '2024-06-16', NULL), "
            # merged away at the end of 2021, still on old records
            "('GM9002', 'Opgeheven', 'REGIO_C', 'C', '', NULL, '2021-12-31'), "
            # exists from 2023 on
            "('GM9003', 'Nieuw', 'REGIO_D', 'D', '', '2023-01-01', NULL)"
        )
        con.execute(
            "CREATE TABLE modellen.maanden AS SELECT 'gi_maatregelen' AS bron, 'JBGL' AS organisatie_code, "
            "p::DATE AS periode, last_day(p::DATE) AS peildatum "
            "FROM unnest(['2022-12-01', '2024-05-01', '2024-06-01', '2024-07-01']) AS t(p)"
        )
        build_model(con, "regio_per_maand")
        rows = con.execute("SELECT gemeente_code, periode, jeugdregio_code FROM modellen.regio_per_maand").fetchall()
    finally:
        con.close()
    regio = {(g, p.isoformat()): r for g, p, r in rows}
    assert len(rows) == 3 * 4  # exactly one region per code and month
    assert [regio["GM9001", m] for m in ("2024-05-01", "2024-06-01", "2024-07-01")] == ["REGIO_A", "REGIO_B", "REGIO_B"]
    assert regio["GM9002", "2024-06-01"] == "REGIO_C"
    assert regio["GM9003", "2022-12-01"] == "REGIO_D"


def test_norm_terms_come_from_the_definitions(keten, tmp_path):
    source, _, _ = keten
    defs = load_definitions()
    normen = [n.model_copy(update={"termijn": 43}) if n.code == "NORM_2_ZES_WEKEN" else n for n in defs.normen.normen]
    longer = defs.model_copy(update={"normen": defs.normen.model_copy(update={"normen": normen})})
    con = duckdb.connect(str(_copy_warehouse(source, tmp_path)))
    try:
        build_all(con, longer, names=["normtermijnen", "traject_termijnen", "normen"])
        outcome = con.execute(
            "SELECT uiterste_datum, uitkomst FROM modellen.normuitkomsten "
            "WHERE maatregel_id = 'N2B' AND norm = 'NORM_2_ZES_WEKEN'"
        ).fetchall()
        checks = run_checks(con, "normen")
    finally:
        con.close()
    assert outcome == [(date(2025, 2, 22), "binnen")]  # day 43 is in time under a 43-day norm
    assert all(c.passed for c in checks)


# --- the catalog and its documentation ------------------------------------------------------

CONTRACT_COLUMNS = {
    "instroom": "periode_type, periode, bron, organisatie_code, jeugdregio_code, gemeente_code, categorie, "
    "soort_instroom, aantal",
    "uitstroom": "periode_type, periode, bron, organisatie_code, jeugdregio_code, gemeente_code, categorie, aantal, "
    "gemiddelde_duur_dagen, mediaan_duur_dagen",
    "stand": "peildatum, organisatie_code, jeugdregio_code, gemeente_code, maatregel_type, lopend, "
    "wachtend_op_jeugdbeschermer",
    "wachttijden": "peildatum, organisatie_code, jeugdregio_code, kader, aantal_wachtend, gemiddelde_wachttijd_dagen, "
    "mediaan_wachttijd_dagen, mediaan_wachttijd_werkdagen, p90_wachttijd_dagen, max_wachttijd_dagen",
    "achterstand": "peildatum, organisatie_code, jeugdregio_code, kader, lopend, wachtend_op_jeugdbeschermer, "
    "wachtend_langer_dan_norm_1, zonder_plan_na_norm_2, zonder_hulp_na_norm_3",
    "normen": "periode_type, periode, organisatie_code, jeugdregio_code, kader, norm, binnen_norm, buiten_norm, "
    "beeindigd, nog_binnen_termijn, pct_binnen_norm, afgerekend",
    "doorlooptijden": "periode_type, periode, organisatie_code, jeugdregio_code, stap, kader, eenheid, aantal, "
    "gemiddelde, mediaan, p90",
    "doorstroom": "periode_type, periode, jeugdregio_code, jb_trajecten, met_rvdk_onderzoek, met_vt_melding, "
    "mediaan_keten_dagen",
    "caseload": "peildatum, organisatie_code, kader, lopende_maatregelen, toegewezen, unieke_kinderen, fte, "
    "caseload_per_fte, werkvoorraad_per_fte, kinderen_per_fte, norm_per_fte, streef_kinderen_min, streef_kinderen_max",
    "personeel": "peildatum, organisatie_code, fte_jeugdbeschermer, fte_jeugdreclasseerder, instroom_medewerkers, "
    "uitstroom_medewerkers, verzuim_pct",
}


def test_marts_start_with_the_contract_columns_and_counts_are_integers():
    assert [s.name for s in marts()] == list(CONTRACT_COLUMNS)
    for spec in marts():
        expected = CONTRACT_COLUMNS[spec.name].split(", ")
        assert spec.column_names[: len(expected)] == expected, spec.name
        for col in spec.columns:
            if col.role == "count":
                assert col.type == "BIGINT", (spec.name, col.name)
        if spec.name in ("wachttijden", "achterstand", "normen", "doorlooptijden", "doorstroom"):
            assert "jeugdregio_code" in spec.rollups, spec.name


def test_sql_reads_only_what_the_yml_declares_and_holds_no_thresholds():
    import re

    from marts.sql import load_sql

    for spec in catalog().values():
        sql = "\n".join(line.split("--")[0] for line in load_sql(spec.sql_name).splitlines())
        # A model may keep its own record in meta (marts.koppelgraad measures each delivery once, in
        # meta.koppelgraad): what it writes there is its state, not an input.
        writes = set(re.findall(r"\bINSERT INTO (meta\.[a-z_]+)\b", sql))
        reads = set(re.findall(r"\b((?:staging|referentie|modellen|meta)\.[a-z_]+)\b", sql)) - {spec.table} - writes
        if re.search(r"\bhistorie\.[a-z_]+", sql):
            # The municipality history is kept by the staging step: such a model declares staging as its deps.
            assert reads <= set(spec.depends_on), spec.name
        else:
            assert reads == set(spec.depends_on), spec.name
        # Norm terms, the chain window and the caseload norm come from modellen.* tables.
        assert not re.search(r"\b(42|365|15|3 MONTH)\b", sql), spec.name


def test_render_marts_markdown_documents_every_mart():
    text = render_marts_markdown()
    for spec in marts():
        assert f"`marts.{spec.name}`" in text
        for col in spec.columns:
            assert f"| `{col.name}` |" in text
    assert "`modellen.ketenschakels`" in text and "(basis: binnen_norm + buiten_norm)" in text
