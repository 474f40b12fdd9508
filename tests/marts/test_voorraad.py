"""Stocks on a month-end (docs/contract.md sections 4.4 and 4.6): stand, wachttijden,
achterstand and caseload on trajectory dates, with every expected figure worked out by hand.

Scenario `tests/fixtures/voorraad/inbox` (peildatum 2025-06-30 for both GIs; kind_id n is n
written as 64 hex digits; all JB unless said otherwise):

- Hand-over, child 1, Arnhem (GM0202, Centraal Gelderland): JBGL's H1 pronounced and notified
  Mon 2025-01-06, worker 01-08, plan 02-01, help 03-01, ended 2025-04-15 OVERGEDRAGEN. WSS's H2
  (same uitspraak, notified 04-14) taken over on datum_start_bij_gi 2025-04-15, own worker
  2025-05-20. Trajectory norm-1 deadline: the 5th working day after 01-06 = Mon 2025-01-13.
- VERVOLG, child 2, Buren (GM0214, Rivierenland): V1 (voorlopige OTS, worker 2025-02-05) ends
  2025-03-03 OMGEZET into V2 (OTS, pronounced 2025-03-03, no worker of its own).
- Two measures of one child 30, Buren: K1 (OTS 2025-01-13, worker 01-15), K2 (voorlopige
  voogdij 2025-04-01, no worker of its own): a VERVOLG while K1 runs.
- Wachttijd, child 3, Apeldoorn (GM0200, Midden-IJssel/Oost-Veluwe): W1 pronounced Mon
  2025-05-26, notified Tue 05-27, no worker. Hemelvaartsdag is Thu 2025-05-29, Tweede
  Pinksterdag Mon 2025-06-09.
- JR, child 20, Apeldoorn: J1 (JR toezicht, 2025-04-07, worker 04-09).
- The backlog on 2025-06-30, Arnhem, one case just inside and one just past each deadline:
  N1A notified Mon 06-23 (norm-1 deadline Mon 06-30: not before the peildatum) and N1B
  notified Fri 06-20 (deadline Fri 06-27), both without worker; N2A pronounced 05-19
  (+ 42 days = 06-30) and N2B 05-16 (06-27), no plan; N2C pronounced 05-02 with a plan dated
  on the peildatum; N3A pronounced 03-31 (+ 3 months = 06-30, June has no 31st) and N3B 03-28
  (06-28), no help. N2x and N3x have a worker the day after the uitspraak (N3B: 03-31) and
  N3x a plan within 42 days.
- gi_capaciteit: JBGL for April (JB 2.0, JR 0.5), May (JB 2.0, JR 0) and June (JB 2.0, JR
  0.5), none for March; WSS for June only (JB 1.0, JR 0.5).
"""

import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest

from marts.catalog import catalog
from marts.checks import run_check, run_checks
from marts.runner import build_model, load_reference
from pipelines.run import run_pipeline
from sources.definitions import DefinitionsError, load_definitions
from sources.definitions.load import definitions_dir
from sources.definitions.reference import CASELOADNORMEN_FILE, caseloadnormen
from tests.warehouse_queries import one, query, warehouse

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "voorraad"
T = "TOTAAL"
CG, RL, MIJOV = "CENTRAAL_GELDERLAND", "RIVIERENLAND", "MIDDEN_IJSSEL_OOST_VELUWE"
KIND_1 = f"{1:064x}"


@pytest.fixture(scope="module")
def voorraad(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("DAGSTER_HOME", raising=False)
        root = tmp_path_factory.mktemp("voorraad") / "data"
        shutil.copytree(FIXTURES / "inbox", root / "inbox")
        summary = run_pipeline(root, log=lambda _: None)
        assert summary.exit_code == 0, summary
        yield root


def _copy_warehouse(source_root: Path, target_root: Path) -> Path:
    target = warehouse(target_root)
    target.parent.mkdir(parents=True)
    shutil.copyfile(warehouse(source_root), target)
    return target


# --- stand: hand-over and VERVOLG ----------------------------------------------------------

STAND = (
    "SELECT lopend, wachtend_op_jeugdbeschermer FROM marts.stand WHERE peildatum = ? AND organisatie_code = ? "
    "AND jeugdregio_code = ? AND gemeente_code = 'TOTAAL' AND maatregel_type = 'TOTAAL'"
)


def test_a_hand_over_is_in_the_stock_of_the_receiving_gi_from_its_take_over_date_only(voorraad):
    root = voorraad
    # 31 March: H1 at JBGL (worker since 01-08), N3A (worker 04-01: still waiting), N3B. WSS has nothing yet,
    # although H2's datum_uitspraak (2025-01-06) lies long before.
    assert one(root, STAND, "2025-03-31", "JBGL", CG) == (3, 1)
    before = "SELECT count(*) FROM marts.stand WHERE organisatie_code = 'WSS' AND peildatum < '2025-04-30'"
    assert query(root, before) == [(0,)]
    # 30 April: H1 ended on 04-15, H2 runs at WSS from 04-15 and waits for WSS's own worker (05-20),
    # although the trajectory had JBGL's worker since 01-08.
    assert one(root, STAND, "2025-04-30", "JBGL", CG) == (2, 0)
    assert one(root, STAND, "2025-04-30", "WSS", CG) == (1, 1)
    assert one(root, STAND, "2025-05-31", "WSS", CG) == (1, 0)
    # Never in both stocks: child 1 has one running measure on every month-end.
    per_month = query(
        root,
        "SELECT peildatum, list(organisatie_code) FROM modellen.lopende_maatregelen WHERE kind_id = ? "
        "GROUP BY peildatum ORDER BY peildatum",
        KIND_1,
    )
    assert [orgs for _, orgs in per_month] == [["JBGL"]] * 3 + [["WSS"]] * 3
    assert per_month[0][0] == date(2025, 1, 31)
    assert one(root, "SELECT soort_instroom FROM modellen.lopende_maatregelen WHERE maatregel_id = 'H2' LIMIT 1") == (
        "OVERDRACHT",
    )


def test_a_vervolg_keeps_the_worker_of_the_measure_before_it(voorraad):
    root = voorraad
    # 28 February: V1 (worker 02-05) and K1. 31 March: V1 converted into V2 on 03-03, V2 keeps V1's worker.
    assert one(root, STAND, "2025-02-28", "JBGL", RL) == (2, 0)
    assert one(root, STAND, "2025-03-31", "JBGL", RL) == (2, 0)
    # 30 April: K2 joins K1's trajectory (K1 still runs) and keeps its worker too.
    assert one(root, STAND, "2025-04-30", "JBGL", RL) == (3, 0)
    assert query(
        root,
        "SELECT maatregel_id, soort_instroom, wachtend_op_jeugdbeschermer FROM modellen.lopende_maatregelen "
        "WHERE peildatum = '2025-04-30' AND jeugdregio_code = ? ORDER BY 1",
        RL,
    ) == [("K1", "NIEUW_TRAJECT", False), ("K2", "VERVOLG", False), ("V2", "VERVOLG", False)]


def test_stock_flow_holds_per_gi_with_a_hand_over(voorraad, tmp_path):
    root = voorraad
    flow = (
        "SELECT aantal FROM marts.{mart} WHERE periode_type = 'maand' AND periode = ? AND bron = 'gi_maatregelen' "
        "AND organisatie_code = ? AND jeugdregio_code = 'TOTAAL' AND gemeente_code = 'TOTAAL' AND categorie = 'TOTAAL'"
    )
    instroom = flow.format(mart="instroom") + " AND soort_instroom = 'TOTAAL'"
    uitstroom = flow.format(mart="uitstroom")
    total = STAND.replace("AND jeugdregio_code = ?", "AND jeugdregio_code = 'TOTAAL'")
    # JBGL in April: 5 on 31 March (H1, V2, K1, N3A, N3B) + K2 and J1 - H1 = 6.
    assert one(root, total, "2025-03-31", "JBGL")[0] == 5
    assert one(root, instroom, "2025-04-01", "JBGL") == (2,)
    assert one(root, uitstroom, "2025-04-01", "JBGL") == (1,)
    assert one(root, total, "2025-04-30", "JBGL")[0] == 6
    # WSS in April: 0 + H2 (in the month of datum_start_bij_gi, not of its datum_uitspraak in January) = 1.
    assert one(root, instroom, "2025-04-01", "WSS") == (1,)
    assert query(root, instroom, "2025-01-01", "WSS") == []
    assert one(root, total, "2025-04-30", "WSS")[0] == 1
    con = duckdb.connect(str(_copy_warehouse(root, tmp_path)))
    try:
        outcome = run_check(con, catalog()["stand"], "voorraad_stroom")
        checks = {m: run_checks(con, m) for m in ("stand", "wachttijden", "achterstand", "caseload")}
    finally:
        con.close()
    assert outcome.passed, outcome
    assert {m: [c.name for c in cs if not c.passed] for m, cs in checks.items()} == {
        m: [] for m in ("stand", "wachttijden", "achterstand", "caseload")
    }


# --- wachttijden ----------------------------------------------------------------------------

WACHT = (
    "SELECT aantal_wachtend, gemiddelde_wachttijd_dagen, mediaan_wachttijd_dagen, mediaan_wachttijd_werkdagen, "
    "p90_wachttijd_dagen, max_wachttijd_dagen FROM marts.wachttijden "
    "WHERE peildatum = ? AND organisatie_code = ? AND jeugdregio_code = ? AND kader = ?"
)


def test_wachttijd_runs_from_the_trajectorys_first_notification_in_days_and_working_days(voorraad):
    root = voorraad
    # W1, notified Tue 27 May. On 31 May: 4 days; working days after it: Wed 28 and Fri 30 (Thu 29 is
    # Hemelvaartsdag, Sat 31 is none) = 2.
    assert one(root, WACHT, "2025-05-31", "JBGL", MIJOV, "JB") == (1, 4.0, 4.0, 2.0, 4.0, 4)
    # On 30 June: 4 + 30 = 34 days; working days 2 in May + 21 weekdays in June - Tweede Pinksterdag = 22.
    assert one(root, WACHT, "2025-06-30", "JBGL", MIJOV, "JB") == (1, 34.0, 34.0, 22.0, 34.0, 34)
    # H2 waits at WSS on 30 April from the trajectory's first notification (JBGL, Mon 6 January), not from its
    # own (14 April): 25 + 28 + 31 + 30 = 114 days; working days 7-31 Jan 19, Feb 20, Mar 21, Apr 22 - Goede
    # Vrijdag (18th) - Tweede Paasdag (21st) = 20 (Koningsdag 2025 is a Saturday): 80.
    assert one(root, WACHT, "2025-04-30", "WSS", CG, "JB") == (1, 114.0, 114.0, 80.0, 114.0, 114)
    # 30 June, Arnhem: N1A notified Mon 23 June (7 days, working days 24-27 and 30 = 5) and N1B Fri 20 June
    # (10 days, 6 working days). Mean and median 8.5, working days 5.5, p90 = 7 + 0.9 * 3 = 9.7.
    count, mean, median, median_wd, p90, longest = one(root, WACHT, "2025-06-30", "JBGL", CG, "JB")
    assert (count, mean, median, median_wd, longest) == (2, 8.5, 8.5, 5.5, 10)
    assert p90 == pytest.approx(9.7)
    # All organisations and regions on 30 June: waits 7, 10, 34 (working days 5, 6, 22): mean 17, median 10,
    # p90 at position 1.8: 10 + 0.8 * 24 = 29.2.
    count, mean, median, median_wd, p90, longest = one(root, WACHT, "2025-06-30", T, T, "JB")
    assert (count, mean, median, median_wd, longest) == (3, 17.0, 10.0, 6.0, 34)
    assert p90 == pytest.approx(29.2)
    # N3A is pronounced and notified on 31 March, its worker comes on 1 April: it waits 0 days on 31 March.
    assert one(root, WACHT, "2025-03-31", "JBGL", CG, "JB") == (1, 0.0, 0.0, 0.0, 0.0, 0)
    # No JR measure waits (J1 has its worker), so there are no JR rows.
    assert query(root, "SELECT count(*) FROM marts.wachttijden WHERE kader = 'JR'") == [(0,)]


# --- achterstand ----------------------------------------------------------------------------

ACHTER = (
    "SELECT lopend, wachtend_op_jeugdbeschermer, wachtend_langer_dan_norm_1, zonder_plan_na_norm_2, "
    "zonder_hulp_na_norm_3 FROM marts.achterstand "
    "WHERE peildatum = ? AND organisatie_code = ? AND jeugdregio_code = ? AND kader = ?"
)


def test_backlog_on_a_month_end_one_case_each_side_of_every_deadline(voorraad):
    root = voorraad
    # Arnhem, 30 June: N1A, N1B, N2A, N2B, N2C, N3A, N3B run; N1A and N1B wait, only N1B's deadline (06-27)
    # lies before the peildatum (N1A's is the peildatum itself); no plan past norm 2: N2B only (N2A's
    # deadline is 06-30, N2C's plan is dated on the peildatum); no help past norm 3: N3B only (N3A: 30 June).
    assert one(root, ACHTER, "2025-06-30", "JBGL", CG, "JB") == (7, 2, 1, 1, 1)
    # Apeldoorn: W1 waits since 27 May, norm-1 deadline Wed 4 June; J1 (JR) is on time everywhere.
    assert one(root, ACHTER, "2025-06-30", "JBGL", MIJOV, "JB") == (1, 1, 1, 0, 0)
    assert one(root, ACHTER, "2025-06-30", "JBGL", MIJOV, "JR") == (1, 0, 0, 0, 0)
    # Buren: V2, K1, K2 with plan and help in time.
    assert one(root, ACHTER, "2025-06-30", "JBGL", RL, "JB") == (3, 0, 0, 0, 0)
    # The GI and all organisations: the counts add up (WSS's H2 has its worker by June).
    assert one(root, ACHTER, "2025-06-30", "JBGL", T, "JB") == (11, 3, 2, 1, 1)
    assert one(root, ACHTER, "2025-06-30", T, T, "JB") == (12, 3, 2, 1, 1)
    # On 31 May W1 waits 4 days, before its deadline; N3A/N3B's norm-3 deadlines are still ahead.
    assert one(root, ACHTER, "2025-05-31", "JBGL", T, "JB") == (9, 1, 0, 0, 0)
    # The hand-over waits at WSS on 30 April; the trajectory's norm-1 deadline (13 January) has long passed.
    assert one(root, ACHTER, "2025-04-30", "WSS", CG, "JB") == (1, 1, 1, 0, 0)
    # lopend and wachtend are stand's, per kader.
    assert (
        query(
            root,
            "SELECT a.peildatum, a.organisatie_code, a.jeugdregio_code FROM marts.achterstand AS a "
            "LEFT JOIN (SELECT peildatum, organisatie_code, jeugdregio_code, sum(lopend) AS lopend, "
            "sum(wachtend_op_jeugdbeschermer) AS wachtend FROM marts.stand WHERE gemeente_code = 'TOTAAL' "
            "AND maatregel_type <> 'TOTAAL' GROUP BY ALL) AS s USING (peildatum, organisatie_code, jeugdregio_code) "
            "GROUP BY ALL HAVING sum(a.lopend) <> any_value(s.lopend) "
            "OR sum(a.wachtend_op_jeugdbeschermer) <> any_value(s.wachtend)",
        )
        == []
    )


# --- caseload -------------------------------------------------------------------------------

CASELOAD = (
    "SELECT lopende_maatregelen, toegewezen, unieke_kinderen, fte, caseload_per_fte, werkvoorraad_per_fte, "
    "kinderen_per_fte, norm_per_fte, streef_kinderen_min, streef_kinderen_max FROM marts.caseload "
    "WHERE peildatum = ? AND organisatie_code = ? AND kader = ?"
)


def test_caseload_counts_toegewezen_measures_and_their_children_per_fte(voorraad):
    root = voorraad
    # 30 June, JBGL, JB: 11 running (7 Arnhem, W1, V2, K1, K2); N1A, N1B and W1 wait, so 8 toegewezen, of 7
    # children (K1 and K2 are child 30's); 2 FTE. Shipped norms: `*`, JB 15, 12-14.
    assert one(root, CASELOAD, "2025-06-30", "JBGL", "JB") == (11, 8, 7, 2.0, 4.0, 5.5, 3.5, 15.0, 12.0, 14.0)
    # WSS: H2 with its worker, 1 FTE. All organisations: 12 / 9 / 8 children (child 1 is WSS's) on 3 FTE.
    assert one(root, CASELOAD, "2025-06-30", "WSS", "JB") == (1, 1, 1, 1.0, 1.0, 1.0, 1.0, 15.0, 12.0, 14.0)
    row = one(root, CASELOAD, "2025-06-30", T, "JB")
    assert row[:6] == (12, 9, 8, 3.0, 3.0, 4.0) and row[6] == pytest.approx(8 / 3) and row[7:] == (15.0, 12.0, 14.0)
    # JR: J1 on 0.5 FTE; no JR norm is shipped. In May JBGL delivered 0 JR FTE: no ratio.
    assert one(root, CASELOAD, "2025-06-30", "JBGL", "JR") == (1, 1, 1, 0.5, 2.0, 2.0, 2.0, None, None, None)
    assert one(root, CASELOAD, "2025-05-31", "JBGL", "JR")[3:7] == (0.0, None, None, None)
    # 30 April: WSS's H2 waits (lopend, not toegewezen, no child) and WSS delivered no FTE for April,
    # so the all-organisation row has no FTE either.
    assert one(root, CASELOAD, "2025-04-30", "WSS", "JB")[:5] == (1, 0, 0, None, None)
    assert one(root, CASELOAD, "2025-04-30", T, "JB")[3:7] == (None, None, None, None)
    # March: JBGL delivered no gi_capaciteit row.
    assert one(root, CASELOAD, "2025-03-31", "JBGL", "JB")[3:7] == (None, None, None, None)


def test_a_gi_norm_from_mid_range_beats_the_default(voorraad, tmp_path):
    root = voorraad
    definitions = tmp_path / "definitions"
    shutil.copytree(definitions_dir(), definitions)
    with (definitions / "referentie" / CASELOADNORMEN_FILE).open("a", encoding="utf-8") as fh:
        fh.write("JBGL,JB,2025-05-01,,10,8,9\n")
    defs = load_definitions(definitions)
    con = duckdb.connect(str(_copy_warehouse(root, tmp_path / "data")))
    try:
        load_reference(con, defs, "caseloadnormen")
        build_model(con, "caseload", defs)
        rows = con.execute(
            "SELECT peildatum, organisatie_code, toegewezen, caseload_per_fte, norm_per_fte, streef_kinderen_min, "
            "streef_kinderen_max, boven_norm FROM marts.caseload WHERE kader = 'JB' AND peildatum >= '2025-04-30' "
            "ORDER BY 1, 2"
        ).fetchall()
    finally:
        con.close()
    # April: JBGL gets `*` (its row starts 1 May): V2, K1, K2, N3A, N3B on 2 FTE. From May JBGL's own row;
    # WSS and the all-organisation row keep `*`. May: W1 waits, 8 of 9 toegewezen.
    assert rows == [
        (date(2025, 4, 30), "JBGL", 5, 2.5, 15.0, 12.0, 14.0, False),
        (date(2025, 4, 30), T, 5, None, 15.0, 12.0, 14.0, None),
        (date(2025, 4, 30), "WSS", 0, None, 15.0, 12.0, 14.0, None),
        (date(2025, 5, 31), "JBGL", 8, 4.0, 10.0, 8.0, 9.0, False),
        (date(2025, 5, 31), T, 9, None, 15.0, 12.0, 14.0, None),
        (date(2025, 5, 31), "WSS", 1, None, 15.0, 12.0, 14.0, None),
        (date(2025, 6, 30), "JBGL", 8, 4.0, 10.0, 8.0, 9.0, False),
        (date(2025, 6, 30), T, 9, 3.0, 15.0, 12.0, 14.0, False),
        (date(2025, 6, 30), "WSS", 1, 1.0, 15.0, 12.0, 14.0, False),
    ]


def test_caseload_norm_file_is_checked(tmp_path):
    defs = load_definitions()
    frame = caseloadnormen(defs)
    default = frame[(frame.organisatie_code == "*") & (frame.kader == "JB") & frame.geldig_tot.isna()]
    assert len(default) == 1
    row = default.iloc[0]
    # The contract's defaults (4.6): JB 15 measures per FTE, a band of 12-14 children per FTE.
    assert (row.norm_per_fte, row.streef_kinderen_min, row.streef_kinderen_max) == (15, 12, 14)

    definitions = tmp_path / "definitions"
    shutil.copytree(definitions_dir(), definitions)
    target = definitions / "referentie" / CASELOADNORMEN_FILE
    original = target.read_text(encoding="utf-8")
    for extra, problem in (
        ("*,JB,2024-01-01,,14,12,14\n", "overlaps row 2"),
        ("XYZ,JB,2025-01-01,,14,12,14\n", r"neither \* nor a GI"),
        ("JBGL,JB,2025-01-01,,14,14,12\n", "above streef_kinderen_max"),
    ):
        target.write_text(original + extra, encoding="utf-8")
        with pytest.raises(DefinitionsError, match=problem):
            caseloadnormen(load_definitions(definitions))
