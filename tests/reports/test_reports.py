"""Region report and board content from a hand-built region export (TWENTE, latest month October
2026, month-end 2026-10-31).

Every expected text below is worked out by hand from the rows written in `twente`: the report must
show exported cells (or a sum or ratio of visible cells of one row: n = binnen + buiten, the share
of linked trajectories), formatted the Dutch way, and a suppressed or missing cell as such, never as
0. The export follows contract version 2 with suppression by kind of row (section 5.2): a
performance row is shown whole or emptied whole (`onderdrukt`, every count NULL). Rows of another
period kind with the same periode are written first, so that a lookup that ignored periode_type
would find them.
"""

import json
import re
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from reports.board import region_rows
from reports.dutch import dagen, getal, kwartaal, procent
from reports.export_data import GEEN, ONDERDRUKT, read_region_export
from reports.region import build_region_report
from reports.render import render_region
from reports.svg import Series, line_chart
from sources.definitions import load_definitions

T = "TOTAAL"
D = date
N1, N2, N3 = "NORM_1_VIJF_WERKDAGEN", "NORM_2_ZES_WEKEN", "NORM_3_DRIE_MAANDEN"


def _write(folder: Path, mart: str, rows: list[dict]) -> dict:
    pq.write_table(pa.Table.from_pylist(rows), folder / f"{mart}.parquet")
    return {"bestand": f"{mart}.parquet", "mart": mart, "rijen": len(rows)}


def _norm(periode_type, periode, norm, binnen, buiten, nog=0, *, org=T, kader="JB", afgerekend=True):
    """A normen row; binnen None: the row is suppressed whole (section 5.2)."""
    shown = binnen is not None
    pct = round(100 * binnen / (binnen + buiten)) if shown and afgerekend and binnen + buiten else None
    return dict(
        periode_type=periode_type, periode=periode, organisatie_code=org, jeugdregio_code="TWENTE", kader=kader,
        norm=norm, binnen_norm=binnen, buiten_norm=buiten, beeindigd=0 if shown else None,
        nog_binnen_termijn=nog if shown else None, pct_binnen_norm=pct, afgerekend=afgerekend, onderdrukt=not shown,
    )  # fmt: skip


def _achterstand(peildatum, org, kader, *counts):
    """counts: lopend, wachtend, > norm 1, > norm 2, > norm 3; none: suppressed whole."""
    columns = ("lopend", "wachtend_op_jeugdbeschermer", "wachtend_langer_dan_norm_1", "zonder_plan_na_norm_2",
               "zonder_hulp_na_norm_3")  # fmt: skip
    values = counts or (None,) * 5
    return dict(
        peildatum=peildatum, organisatie_code=org, jeugdregio_code="TWENTE", kader=kader,
        **dict(zip(columns, values, strict=True)), onderdrukt=not counts,
    )  # fmt: skip


def _stand(peildatum, lopend, wachtend):
    return dict(
        peildatum=peildatum, organisatie_code=T, jeugdregio_code="TWENTE", gemeente_code=T, maatregel_type=T,
        lopend=lopend, wachtend_op_jeugdbeschermer=wachtend, onderdrukt=False,
    )  # fmt: skip


def _caseload(peildatum, org, per_fte, kinderen_per_fte, norm, low, high, kader="JB"):
    # 10 fte: toegewezen = 10 * caseload_per_fte, unieke_kinderen = 10 * kinderen_per_fte.
    return dict(
        peildatum=peildatum, organisatie_code=org, kader=kader, lopende_maatregelen=int(per_fte * 10) + 10,
        toegewezen=int(per_fte * 10), unieke_kinderen=int(kinderen_per_fte * 10), fte=10.0,
        caseload_per_fte=per_fte, werkvoorraad_per_fte=per_fte + 1, kinderen_per_fte=kinderen_per_fte,
        norm_per_fte=norm, streef_kinderen_min=low, streef_kinderen_max=high, onderdrukt=False,
    )  # fmt: skip


def _flow(periode, aantal, periode_type="kwartaal", **soort):
    return dict(
        periode_type=periode_type, periode=periode, bron="gi_maatregelen", organisatie_code=T,
        jeugdregio_code="TWENTE", gemeente_code=T, categorie=T, **soort, aantal=aantal, onderdrukt=False,
    )  # fmt: skip


def _lead(periode, stap, aantal, mediaan, *, kader=T, eenheid="dagen", periode_type="kwartaal"):
    return dict(
        periode_type=periode_type, periode=periode, organisatie_code=T, jeugdregio_code="TWENTE", stap=stap,
        kader=kader, eenheid=eenheid, aantal=aantal, gemiddelde=mediaan and mediaan + 0.5, mediaan=mediaan,
        p90=None, onderdrukt=aantal is None,
    )  # fmt: skip


def _doorstroom(periode, trajecten, rvdk, vt, periode_type="kwartaal"):
    return dict(
        periode_type=periode_type, periode=periode, jeugdregio_code="TWENTE", jb_trajecten=trajecten,
        met_rvdk_onderzoek=rvdk, met_vt_melding=vt, mediaan_keten_dagen=None, onderdrukt=False,
    )  # fmt: skip


# The quarters of norm 1 (JB) for the region: Q3 2024 .. Q3 2026 settled (9: the chart shows the
# last 8), Q4 2026 not settled; Q2 2025 suppressed whole. (binnen, buiten) per quarter.
QUARTERS = {
    D(2024, 7, 1): (50, 50),
    D(2024, 10, 1): (60, 40),
    D(2025, 1, 1): (70, 30),
    D(2025, 4, 1): (None, None),
    D(2025, 7, 1): (80, 20),
    D(2025, 10, 1): (75, 25),
    D(2026, 1, 1): (72, 28),
    D(2026, 4, 1): (81, 19),
    D(2026, 7, 1): (78, 22),
}


def _normen() -> list[dict]:
    r12, kw, mnd = "rollend_12", "kwartaal", "maand"
    rows = [
        # Norm 1, JB, region: settled through September 2026 (500 cases: 80%), a quarter earlier
        # (through June: 300 of 400, 75%), a year earlier (through September 2025: 350 of 500, 70%);
        # October not settled: its counts so far, no percentage.
        _norm(kw, D(2026, 10, 1), N1, 10, 2, 30, afgerekend=False),
        _norm(r12, D(2026, 10, 1), N1, 410, 95, 12, afgerekend=False),
        _norm(r12, D(2026, 9, 1), N1, 400, 100),
        _norm(r12, D(2026, 6, 1), N1, 300, 100),
        _norm(r12, D(2025, 9, 1), N1, 350, 150),
        _norm(mnd, D(2026, 10, 1), N1, 30, 5, 12, afgerekend=False),
        _norm(mnd, D(2026, 9, 1), N1, 33, 7, 0),
        # Norm 2, JB: the settled window is suppressed whole; no earlier windows.
        _norm(r12, D(2026, 8, 1), N2, None, None),
        # Norm 3, JB: settled through June 2026 (60 of 100); July suppressed, no row for August,
        # September and October counted so far.
        _norm(r12, D(2026, 6, 1), N3, 60, 40),
        _norm(mnd, D(2026, 7, 1), N3, None, None, afgerekend=False),
        _norm(mnd, D(2026, 9, 1), N3, 12, 3, 20, afgerekend=False),
        _norm(mnd, D(2026, 10, 1), N3, 0, 11, 25, afgerekend=False),
        # JR: norm 1 settled through September 2026 (45 of 50: 90%); norms 2 and 3 have no window.
        _norm(r12, D(2026, 9, 1), N1, 45, 5, kader="JR"),
        # Jeugdbescherming Overijssel, norm 1, JB: 90% through June, 80% through September.
        _norm(r12, D(2026, 9, 1), N1, 200, 50, org="JBOV"),
        _norm(r12, D(2026, 6, 1), N1, 180, 20, org="JBOV"),
        _norm(kw, D(2026, 7, 1), N1, 40, 10, org="JBOV"),
        _norm(kw, D(2026, 4, 1), N1, 45, 5, org="JBOV"),
        # William Schrikker Stichting: every quarter suppressed: no line of its own.
        _norm(kw, D(2026, 7, 1), N1, None, None, org="WSS"),
    ]
    rows += [_norm(kw, q, N1, b, u) for q, (b, u) in QUARTERS.items()]
    return rows


@pytest.fixture
def twente(tmp_path: Path) -> Path:
    folder = tmp_path / "exports" / "TWENTE"
    folder.mkdir(parents=True)
    okt, sep = D(2026, 10, 31), D(2026, 9, 30)
    files = [
        _write(folder, "stand", [_stand(okt, 1539, 36), _stand(sep, 1500, 40)]),
        _write(
            folder,
            "achterstand",
            [
                _achterstand(okt, "JBOV", "JB", 1000, 20, 8, 30, 60),
                _achterstand(okt, "WSS", "JB", 234, 5, 2, 10, 20),
                _achterstand(okt, T, "JB", 1234, 25, 10, 40, 80),
                _achterstand(okt, "JBOV", "JR", 300, 11, 0, 12, 15),
                _achterstand(okt, "WSS", "JR"),  # 5 running: suppressed whole
                _achterstand(okt, T, "JR", 305, 11, 0, 12, 15),
                _achterstand(sep, T, "JB", 1200, 30, 10, 35, 90),
                _achterstand(sep, T, "JR"),
                # JBRR is not active in Twente (not in the manifest's organisations).
                _achterstand(okt, "JBRR", "JB", 50, 1, 1, 1, 1),
            ],
        ),
        _write(folder, "normen", _normen()),
        _write(
            folder,
            "caseload",
            [
                # Each GI against its own norm: JBOV 15 per fte (band 12-14), WSS 13 (band 10-12).
                _caseload(okt, "JBOV", 14.0, 13.5, 15.0, 12.0, 14.0),
                _caseload(okt, "WSS", 13.5, 11.0, 13.0, 10.0, 12.0),
                _caseload(sep, "WSS", 12.5, 10.5, 13.0, 10.0, 12.0),
            ],
        ),
        _write(
            folder,
            "instroom",
            [
                _flow(D(2026, 7, 1), 40, "maand", soort_instroom=T),
                _flow(D(2026, 7, 1), 30, soort_instroom="NIEUW_TRAJECT"),
                _flow(D(2026, 7, 1), 120, soort_instroom=T),
                _flow(D(2026, 4, 1), 110, soort_instroom=T),
            ],
        ),
        _write(folder, "uitstroom", [_flow(D(2026, 7, 1), 400, "rollend_12"), _flow(D(2026, 7, 1), 115)]),
        _write(
            folder,
            "doorlooptijden",
            [
                # Only the quarter, all-kader, calendar-day, region row is the chain's figure.
                _lead(D(2026, 7, 1), "GI_KENNISSTELLING_JEUGDBESCHERMER", 150, 2.5, eenheid="werkdagen"),
                _lead(D(2026, 7, 1), "GI_KENNISSTELLING_JEUGDBESCHERMER", 45, 3.0, kader="JB"),
                _lead(D(2026, 7, 1), "GI_KENNISSTELLING_JEUGDBESCHERMER", 50, 9.0, periode_type="maand"),
                _lead(D(2026, 7, 1), "GI_KENNISSTELLING_JEUGDBESCHERMER", 150, 6.0),
                _lead(D(2026, 4, 1), "GI_KENNISSTELLING_JEUGDBESCHERMER", 140, 5.5),
                _lead(D(2026, 7, 1), "VT_ONTVANGST_VERZOEK_RVDK", None, None),
            ],
        ),
        _write(
            folder,
            "doorstroom",
            [
                _doorstroom(D(2026, 7, 1), 30, 30, 30, "maand"),
                _doorstroom(D(2026, 7, 1), 80, 60, 40),
                _doorstroom(D(2026, 4, 1), 90, 45, 30),
            ],
        ),
    ]
    manifest = {
        "generated_at": "2026-11-16T06:00:00+00:00",
        "definities_versie": "9.9.9",
        "onderdrukking": {"drempel": 10, "afronding": 5},
        "regio": "TWENTE",
        "organisaties": ["JBOV", "VT_TWENTE", "WSS"],
        "leveringen": [
            {"bron": "gi_maatregelen", "organisatie_code": "JBOV", "peildatum": "2026-10-31"},
            {"bron": "gi_maatregelen", "organisatie_code": "WSS", "peildatum": "2026-09-30"},
            {"bron": "vt_meldingen", "organisatie_code": "VT_TWENTE", "peildatum": "2026-10-31"},
            {"bron": "gi_maatregelen", "organisatie_code": "JBRR", "peildatum": "2026-10-31"},
        ],
        "aanlevering": [
            {
                "organisatie_code": "WSS",
                "bron": "gi_maatregelen",
                "verwachte_maand": "2026-10-01",
                "status": "in_quarantaine",
                "leverdatum": "2026-11-10",
                "regels": "GIM-001,GIM-002",
            },
            {
                "organisatie_code": "VT_TWENTE",
                "bron": "vt_meldingen",
                "verwachte_maand": "2024-01-01",
                "status": "ontbreekt",
                "leverdatum": None,
                "regels": "",
            },
        ],  # fmt: skip
        "bestanden": files,
    }
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


@pytest.fixture
def report(twente: Path):
    return build_region_report(read_region_export(twente), load_definitions())


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.tags: set[str] = set()
        self.attrs: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attrs += attrs

    def handle_data(self, data):
        self.parts.append(data)

    @property
    def text(self) -> str:
        return re.sub(r"\s+", " ", " ".join(self.parts))


def _tile(report, kader: str, norm: str):
    (tile,) = [t for _, tiles in report.norms for t in tiles if t.kader == kader and t.norm == norm]
    return tile


def _group(report, group_id: str):
    (group,) = [g for g in report.groups if g.id == group_id]
    return group


def test_dutch_formatting():
    assert getal(1234567) == "1.234.567"
    assert getal(16.04, 1) == "16,0"
    assert getal(1234.5, 1) == "1.234,5"
    assert dagen(12.0) == "12" and dagen(12.5) == "12,5"
    assert procent(200 / 3) == "67%"
    assert kwartaal(D(2026, 7, 1)) == "3e kwartaal 2026"


def test_latest_month_and_chart_window(report):
    assert report.month == D(2026, 10, 1)
    assert len(report.months) == load_definitions().rapportage.maanden_in_grafieken
    assert report.definities_versie == "9.9.9" and report.naam == "Twente"


def test_backlog_table_per_gi_and_region_with_a_suppressed_row(report):
    backlog = report.backlog
    assert backlog.peildatum == D(2026, 10, 31) and backlog.kaders == ["JB", "JR"]
    assert len(backlog.columns) == 5
    rows = {row.who: [c.text() for c in row.cells] for row in backlog.rows}
    # GIs first, the region last; JBRR is not active in Twente.
    assert list(rows) == ["Jeugdbescherming Overijssel", "William Schrikker Stichting JB&JR", "Regio totaal"]
    assert rows["Jeugdbescherming Overijssel"] == ["1.000", "20", "8", "30", "60", "300", "11", "0", "12", "15"]
    # WSS's JR row (5 running measures) is suppressed whole: every cell reads onderdrukt, none 0.
    assert rows["William Schrikker Stichting JB&JR"] == ["234", "5", "2", "10", "20", *["onderdrukt"] * 5]
    assert rows["Regio totaal"] == ["1.234", "25", "10", "40", "80", "305", "11", "0", "12", "15"]
    assert [row.total for row in backlog.rows] == [False, False, True]


def test_rolling_12_tile_with_n_and_a_quarter_and_a_year_earlier(report):
    n1 = _tile(report, "JB", N1)
    # The latest settled window ends in September (October's window is not settled): 400 of 500.
    assert n1.value.text(procent) == "80%" and n1.n.text() == "500"
    assert n1.window == "12 maanden t/m september 2026"
    assert n1.comparisons == [
        ("3 maanden eerder (t/m juni 2026)", "75% (n = 400)"),  # 300 of 400
        ("een jaar eerder (t/m september 2025)", "70% (n = 500)"),  # 350 of 500
    ]
    n2 = _tile(report, "JB", N2)
    assert n2.value.state == ONDERDRUKT and n2.n.state == ONDERDRUKT and n2.value.text(procent) == "onderdrukt"
    assert n2.window == "12 maanden t/m augustus 2026"
    assert n2.comparisons == [
        ("3 maanden eerder (t/m mei 2026)", "geen gegevens"),
        ("een jaar eerder (t/m augustus 2025)", "geen gegevens"),
    ]


def test_unsettled_months_are_voorlopig_counts_without_a_percentage(report):
    assert _tile(report, "JB", N1).voorlopig == [("oktober 2026", "30 binnen, 5 buiten, 12 nog binnen termijn")]
    n3 = _tile(report, "JB", N3)
    assert n3.value.text(procent) == "60%" and n3.n.text() == "100" and n3.window.endswith("t/m juni 2026")
    assert n3.voorlopig == [
        ("juli 2026", "onderdrukt"),
        ("augustus 2026", "geen gegevens"),
        ("september 2026", "12 binnen, 3 buiten, 20 nog binnen termijn"),
        ("oktober 2026", "0 binnen, 11 buiten, 25 nog binnen termijn"),
    ]
    assert not [text for t in report.norms[0][1] for _, text in t.voorlopig if "%" in text]


def test_jr_norms_are_shown_beside_jb(report):
    assert [name for name, _ in report.norms] == ["Jeugdbescherming (JB)", "Jeugdreclassering (JR)"]
    jr = report.norms[1][1]
    assert [t.norm for t in jr] == [N1, N2, N3]
    assert jr[0].value.text(procent) == "90%" and jr[0].n.text() == "50"
    assert jr[0].window == "12 maanden t/m september 2026"
    assert jr[0].voorlopig == [("oktober 2026", "geen gegevens")]
    assert jr[1].value.state == GEEN and jr[1].window == "nog geen afgerekende 12 maanden" and jr[1].comparisons == []


def test_quarter_trend_skips_the_unsettled_quarter_and_shows_gis_with_visible_figures(report):
    charts = _group(report, "normen-per-kwartaal").charts
    jb1 = charts[0]
    assert jb1.title.startswith("Norm 1") and jb1.title.endswith("(JB)") and jb1.half
    # WSS has no visible quarter: no line of its own.
    assert jb1.headers == ["Kwartaal", "Regio totaal", "Jeugdbescherming Overijssel"]
    assert len(jb1.table) == 8  # Q4 2024 .. Q3 2026; Q4 2026 is not settled, Q3 2024 is the ninth
    assert jb1.table[0] == ["3e kwartaal 2026", "78% (n = 100)", "80% (n = 50)"]
    assert jb1.table[1] == ["2e kwartaal 2026", "81% (n = 100)", "90% (n = 50)"]
    assert jb1.table[5] == ["2e kwartaal 2025", "onderdrukt", "geen gegevens"]
    assert jb1.table[-1] == ["4e kwartaal 2024", "60% (n = 100)", "geen gegevens"]
    assert "4e kwartaal 2026" not in jb1.svg and "K4 2026" not in jb1.svg
    assert len(re.findall(r"<polyline", jb1.svg)) == 3  # the region broken at Q2 2025, one GI run
    jr1 = charts[1]
    assert jr1.title.endswith("(JR)") and jr1.table == [] and "Geen cijfers te tonen" in jr1.svg


def test_chain_per_quarter_shares_and_lead_times(report):
    linked, steps = _group(report, "keten").charts
    # 60 and 40 of 80 new JB trajectories; 45 and 30 of 90.
    assert linked.table[:2] == [
        ["3e kwartaal 2026", "75% (n = 80)", "50% (n = 80)"],
        ["2e kwartaal 2026", "50% (n = 90)", "33% (n = 90)"],
    ]
    column = steps.headers.index("Rechter en GI: inkennisstelling → vaste jeugdbeschermer")
    assert [row[column] for row in steps.table[:2]] == ["6 (n = 150)", "5,5 (n = 140)"]
    assert report.chain_quarter == D(2026, 7, 1)
    gi_step = [s for link in report.chain for s in link.stappen if s.label.startswith("inkennisstelling")]
    assert gi_step[0].median.text(dagen) == "6" and gi_step[0].aantal.text() == "150"
    assert report.chain[0].stappen[0].median.state == ONDERDRUKT


def test_caseload_against_each_gis_own_norm(report):
    charts = _group(report, "caseload").charts
    by_title = {c.title: c for c in charts}
    wss = by_title[
        "Caseload (JB): maatregelen met een vaste jeugdbeschermer per fte – William Schrikker Stichting JB&JR"
    ]
    assert wss.headers == ["Maand", "William Schrikker Stichting JB&JR"]
    assert wss.table[:2] == [["oktober 2026", "13,5"], ["september 2026", "12,5"]]
    assert "norm 13 per fte" in wss.svg and "norm 15 per fte" not in wss.svg
    jbov = by_title["Caseload (JB): maatregelen met een vaste jeugdbeschermer per fte – Jeugdbescherming Overijssel"]
    assert "norm 15 per fte" in jbov.svg and jbov.table[0] == ["oktober 2026", "14,0"]
    kinderen = by_title["Kinderen per fte (JB) – William Schrikker Stichting JB&JR"]
    assert "streefbereik 10–12" in kinderen.svg and kinderen.table[0] == ["oktober 2026", "11,0"]


def test_flows_per_quarter(report):
    (flows,) = _group(report, "stromen").charts
    assert flows.table[:2] == [["3e kwartaal 2026", "120", "115"], ["2e kwartaal 2026", "110", "geen gegevens"]]


def test_generated_texts_say_what_changed_without_judgement(report):
    texts = report.texts
    assert (
        "Het aantal lopende maatregelen (JB) steeg van 1.200 eind september 2026 naar 1.234 eind oktober 2026." in texts
    )
    assert (
        "Het aantal maatregelen zonder vaste jeugdbeschermer (JB) daalde van 30 eind september 2026 naar 25 eind "
        "oktober 2026."
    ) in texts
    assert (
        "Het aantal maatregelen dat langer dan de termijn van norm 1 wacht op een jeugdbeschermer (JB): gelijk "
        "gebleven op 10 (eind september 2026 en eind oktober 2026)."
    ) in texts
    assert not [t for t in texts if "(JR)" in t and "eind september" in t]  # September's JR row is suppressed
    assert "Norm 1 (JB) in de regio, over 12 maanden, steeg van 75% t/m juni 2026 naar 80% t/m september 2026." in texts
    assert (
        "Norm 1 (JB) bij Jeugdbescherming Overijssel, over 12 maanden, daalde van 90% t/m juni 2026 naar 80% t/m "
        "september 2026."
    ) in texts
    # JB norm 2 suppressed, JB norm 3 and JR norm 1 without a window 3 months earlier.
    assert any(t.startswith("3 vergelijking(en)") for t in texts)
    # The caseload against each GI's own norm and band.
    assert (
        "Caseload JB bij Jeugdbescherming Overijssel eind oktober 2026: 14,0 maatregelen met een vaste "
        "jeugdbeschermer per fte, niet boven de norm van 15. 13,5 kinderen per fte, binnen het streefbereik (12–14)."
    ) in texts
    assert (
        "Caseload JB bij William Schrikker Stichting JB&JR eind oktober 2026: 13,5 maatregelen met een vaste "
        "jeugdbeschermer per fte, boven de norm van 13. 11,0 kinderen per fte, binnen het streefbereik (10–12)."
    ) in texts
    judgement = re.compile(r"\b(slecht|goed|beter|slechter|zorgwekkend|verbeterd|verslechterd)\b", re.IGNORECASE)
    assert not [t for t in texts if judgement.search(t)]


def test_board_row_per_region_rolling_12_with_n_and_settled_quarters(twente):
    (row,) = region_rows([read_region_export(twente)], load_definitions())
    jb, jr = row.normen["JB"], row.normen["JR"]
    assert (jb[0].pct.text(procent), jb[0].n.text(), jb[0].periode) == ("80%", "500", D(2026, 9, 1))
    assert jb[1].pct.state == ONDERDRUKT and jb[2].pct.text(procent) == "60%" and jb[2].n.text() == "100"
    assert (jr[0].pct.text(procent), jr[0].n.text()) == ("90%", "50")
    assert jr[1].pct.state == GEEN and jr[1].periode is None
    # The sparkline: 8 settled quarters, broken at the suppressed Q2 2025.
    assert "8 kwartalen" in jb[0].spark and jb[0].spark.count("<polyline") == 2
    assert row.backlog_date == D(2026, 10, 31)
    assert [c.text() for c in row.backlog["JB"]] == ["1.234", "25", "10", "40", "80"]
    assert [c.text() for c in row.backlog["JR"]] == ["305", "11", "0", "12", "15"]


def test_organisations_peildata_and_delivery_issues_in_the_period(report):
    by_code = {o["code"]: o for o in report.organisations}
    assert set(by_code) == {"JBOV", "VT_TWENTE", "WSS"}  # not JBRR: not active in Twente
    assert ("gi_maatregelen", "30 september 2026") in by_code["WSS"]["peildata"]
    assert ("gi_capaciteit", "geen levering") in by_code["WSS"]["peildata"]
    # 2024 lies outside the 24 months of the report.
    assert [(d["bron"], d["maand"], d["status"], d["regels"]) for d in report.delivery_issues] == [
        ("gi_maatregelen", "oktober 2026", "in quarantaine", "GIM-001, GIM-002")
    ]


def test_rendered_html_is_self_contained_and_marks_suppression(report):
    html = render_region(report)
    parser = _Text()
    parser.feed(html)
    assert "script" not in parser.tags and "link" not in parser.tags and "img" not in parser.tags
    urls = [v for k, v in parser.attrs if k in {"src", "href"} and v]
    assert not urls, urls
    assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", html)  # the SVG namespace is a name, not a request
    assert "@import" not in html and "url(" not in html
    # The sections in the order a region decides in.
    order = [html.index(f'<section id="{s}"') for s in ("achterstand", "normen", "normen-per-kwartaal", "keten",
                                                           "caseload", "veranderingen", "leveringen")]  # fmt: skip
    assert order == sorted(order)
    # Norm tiles: JB norm 1 a number, JB norm 2 marked suppressed (no 0), JR norm 2 without figures.
    tiles = re.findall(r'data-norm="(\w+)" data-kader="(\w+)">.*?data-status="(\w+)">(.*?)</div>', html, re.S)
    status = {(kader, norm): (state, shown) for norm, kader, state, shown in tiles}
    assert status["JB", N1] == ("ok", "80%")
    state, shown = status["JB", N2]
    assert state == "onderdrukt" and "onderdrukt" in shown and not re.search(r">\s*0\s*<", shown)
    assert status["JR", N2][0] == "geen"
    assert "voorlopig" in parser.text and "n = 500" in parser.text
    # The suppressed backlog cells are marked, never 0.
    cells = re.findall(r'<td class="n[^"]*" data-status="onderdrukt">(.*?)</td>', html)
    assert len(cells) == 5 and all("onderdrukt" in c for c in cells)
    assert "Ketenmonitor jeugdbescherming: Twente" in parser.text
    assert 'lang="nl"' in html


def test_suppressed_months_are_gaps_not_zeros():
    months = [D(2026, m, 1) for m in range(1, 6)]
    svg = line_chart(months, [Series("x", [10.0, 20.0, None, 30.0, 40.0])], title="t", unit="u")
    lines = re.findall(r'<polyline points="([^"]+)"', svg)
    assert len(lines) == 2  # broken at the gap
    assert all(len(points.split()) == 2 for points in lines)
    assert svg.count("<title>x, ") == 4  # one marker per visible month, none for the gap
    empty = line_chart(months, [Series("x", [None] * 5)], title="t", unit="u")
    assert "Geen cijfers te tonen" in empty and "<polyline" not in empty
