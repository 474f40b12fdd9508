"""Region report content from a hand-built region export (TWENTE, latest month October 2026).

Every expected text below is worked out by hand from the rows written in `twente`: the
report must show exported cells, formatted the Dutch way, and a suppressed or missing cell
as such, never as 0. The export has the marts of contract version 2: the flows, norms and lead
times carry periode_type (the report shows the monthly rows; a quarter or rolling window with
the same periode is written first so that a lookup without the period kind would find it), a
norm percentage is given only where afgerekend, waits are per kader.
"""

import json
import re
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from reports.dutch import dagen, getal, procent
from reports.export_data import NIET_AFGEREKEND, ONDERDRUKT, read_region_export
from reports.region import build_region_report
from reports.render import render_region
from reports.svg import Series, line_chart
from sources.definitions import load_definitions

T = "TOTAAL"
D = date


def _write(folder: Path, mart: str, rows: list[dict]) -> dict:
    pq.write_table(pa.Table.from_pylist(rows), folder / f"{mart}.parquet")
    return {"bestand": f"{mart}.parquet", "mart": mart, "rijen": len(rows)}


def _norm(periode, org, norm, binnen, buiten, nog, pct, onderdrukt=False, *, afgerekend=True, beeindigd=0,
          periode_type="maand"):  # fmt: skip
    return dict(
        periode_type=periode_type, periode=periode, organisatie_code=org, jeugdregio_code="TWENTE", kader="JB",
        norm=norm, binnen_norm=binnen, buiten_norm=buiten, beeindigd=beeindigd, nog_binnen_termijn=nog,
        pct_binnen_norm=pct, afgerekend=afgerekend, onderdrukt=onderdrukt,
    )  # fmt: skip


def _stand(peildatum, lopend, wachtend, onderdrukt=False):
    return dict(
        peildatum=peildatum, organisatie_code=T, jeugdregio_code="TWENTE", gemeente_code=T, maatregel_type=T,
        lopend=lopend, wachtend_op_jeugdbeschermer=wachtend, onderdrukt=onderdrukt,
    )  # fmt: skip


def _caseload(org, per_fte, kinderen_per_fte):
    # 10 fte: toegewezen = 10 * caseload_per_fte, unieke_kinderen = 10 * kinderen_per_fte.
    return dict(
        peildatum=D(2026, 10, 31), organisatie_code=org, kader="JB", lopende_maatregelen=int(per_fte * 10) + 10,
        toegewezen=int(per_fte * 10), unieke_kinderen=int(kinderen_per_fte * 10), fte=10.0,
        caseload_per_fte=per_fte, werkvoorraad_per_fte=per_fte + 1, kinderen_per_fte=kinderen_per_fte,
        norm_per_fte=15.0, streef_kinderen_min=12.0, streef_kinderen_max=14.0, onderdrukt=False,
    )  # fmt: skip


def _flow(periode, aantal, periode_type="maand", **soort):
    return dict(
        periode_type=periode_type, periode=periode, bron="gi_maatregelen", organisatie_code=T,
        jeugdregio_code="TWENTE", gemeente_code=T, categorie=T, **soort, aantal=aantal, onderdrukt=False,
    )  # fmt: skip


def _wacht(peildatum, kader, aantal, gemiddelde, mediaan):
    return dict(
        peildatum=peildatum, organisatie_code=T, jeugdregio_code="TWENTE", kader=kader, aantal_wachtend=aantal,
        gemiddelde_wachttijd_dagen=gemiddelde, mediaan_wachttijd_dagen=mediaan,
        mediaan_wachttijd_werkdagen=mediaan * 5 / 7, p90_wachttijd_dagen=mediaan * 3, onderdrukt=False,
    )  # fmt: skip


def _lead(stap, aantal, mediaan, *, kader=T, eenheid="dagen", periode_type="maand", onderdrukt=False):
    return dict(
        periode_type=periode_type, periode=D(2026, 10, 1), organisatie_code=T, jeugdregio_code="TWENTE", stap=stap,
        kader=kader, eenheid=eenheid, aantal=aantal, gemiddelde=mediaan and mediaan + 0.5, mediaan=mediaan,
        p90=mediaan and mediaan * 3, onderdrukt=onderdrukt,
    )  # fmt: skip


@pytest.fixture
def twente(tmp_path: Path) -> Path:
    folder = tmp_path / "exports" / "TWENTE"
    folder.mkdir(parents=True)
    n1, n2, n3 = "NORM_1_VIJF_WERKDAGEN", "NORM_2_ZES_WEKEN", "NORM_3_DRIE_MAANDEN"
    files = [
        _write(
            folder,
            "stand",
            [
                _stand(D(2026, 10, 31), 1234, 25),
                _stand(D(2026, 9, 30), 1200, 30),
                _stand(D(2025, 10, 31), None, 3, True),
            ],
        ),
        _write(
            folder,
            "wachttijden",
            [
                # JR first: the report shows the kader of the norms (JB); waits have no JB + JR total.
                _wacht(D(2026, 10, 31), "JR", 11, 40.0, 30.0),
                _wacht(D(2026, 10, 31), "JB", 25, 14.2, 12.5),
                _wacht(D(2026, 9, 30), "JB", 30, 13.0, 11.0),
            ],
        ),
        _write(
            folder,
            "normen",
            [
                # The fourth quarter of 2026 starts on 1 October too: not the month's figure.
                _norm(D(2026, 10, 1), T, n1, 10, 40, 4, 20.0, periode_type="kwartaal"),
                _norm(D(2026, 10, 1), T, n1, 32, 18, 4, 64.0, beeindigd=3),
                _norm(D(2026, 9, 1), T, n1, 39, 11, 0, 78.0),
                _norm(D(2025, 10, 1), T, n1, 40, 10, 0, 80.0),
                _norm(D(2026, 10, 1), "JBOV", n1, 20, 10, 2, 200 / 3),
                _norm(D(2026, 9, 1), "JBOV", n1, 25, 5, 0, 250 / 3),
                _norm(D(2026, 10, 1), T, n2, None, None, 12, None, onderdrukt=True, beeindigd=None),
                _norm(D(2026, 9, 1), T, n2, 45, 5, 0, 90.0),
                # October not settled for norm 3: counts so far, no percentage ("nog niet afgerekend").
                _norm(D(2026, 10, 1), T, n3, 0, 0, 12, None, afgerekend=False),
                # September settled, but nothing finished in or out of the norm (4 ended before the
                # deadline): the percentage is empty and the row flagged, but it is "n.v.t.".
                _norm(D(2026, 9, 1), T, n3, 0, 0, 0, None, onderdrukt=True, beeindigd=4),
            ],
        ),
        _write(folder, "caseload", [_caseload("JBOV", 16.0, 13.5), _caseload("WSS", 13.0, 11.0)]),
        _write(
            folder,
            "instroom",
            [
                _flow(D(2026, 10, 1), 120, "kwartaal", soort_instroom=T),
                _flow(D(2026, 10, 1), 30, soort_instroom="NIEUW_TRAJECT"),
                _flow(D(2026, 10, 1), 40, soort_instroom=T),
                _flow(D(2026, 9, 1), 38, soort_instroom=T),
            ],
        ),
        _write(folder, "uitstroom", [_flow(D(2026, 10, 1), 400, "rollend_12"), _flow(D(2026, 10, 1), 35)]),
        _write(
            folder,
            "doorlooptijden",
            [
                # Only the monthly, all-kader, calendar-day row is the chain's figure.
                _lead("GI_KENNISSTELLING_JEUGDBESCHERMER", 50, 2.5, eenheid="werkdagen"),
                _lead("GI_KENNISSTELLING_JEUGDBESCHERMER", 45, 3.0, kader="JB"),
                _lead("GI_KENNISSTELLING_JEUGDBESCHERMER", 150, 6.0, periode_type="kwartaal"),
                _lead("GI_KENNISSTELLING_JEUGDBESCHERMER", 50, 3.5),
                _lead("VT_ONTVANGST_VERZOEK_RVDK", None, None, onderdrukt=True),
            ],
        ),
    ]
    manifest = {
        "generated_at": "2026-11-16T06:00:00+00:00",
        "definities_versie": "9.9.9",
        "onderdrukking": {"drempel": 10, "afronding": None},
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


def _tile(report, title_start: str):
    (tile,) = [t for t in report.tiles if t.title.startswith(title_start)]
    return tile


def test_dutch_formatting():
    assert getal(1234567) == "1.234.567"
    assert getal(16.04, 1) == "16,0"
    assert getal(1234.5, 1) == "1.234,5"
    assert dagen(12.0) == "12" and dagen(12.5) == "12,5"
    assert procent(200 / 3) == "67%"


def test_latest_month_and_chart_window(report):
    assert report.month == D(2026, 10, 1)
    assert len(report.months) == load_definitions().rapportage.maanden_in_grafieken
    assert report.months[-1] == D(2026, 10, 1) and report.months[-13] == D(2025, 10, 1)
    assert report.definities_versie == "9.9.9" and report.naam == "Twente"


def test_stock_tile_shows_the_exported_numbers_and_a_suppressed_year_as_suppressed(report):
    tile = _tile(report, "Lopende maatregelen")
    assert tile.value.text(tile.fmt) == "1.234"
    assert tile.comparisons == [("eind september 2026", "1.200"), ("eind oktober 2025", "onderdrukt")]


def test_waiting_tile_with_median_and_a_missing_year(report):
    tile = _tile(report, "Wachtend")
    assert tile.value.text(tile.fmt) == "25"
    assert "mediane wachttijd 12,5 dagen" in tile.detail
    assert tile.comparisons == [("eind september 2026", "30"), ("eind oktober 2025", "geen gegevens")]


def test_norm_tiles_month_previous_month_and_year_earlier(report):
    n1 = _tile(report, "Norm 1")
    assert n1.value.text(n1.fmt) == "64%"
    assert n1.comparisons == [("september 2026", "78%"), ("oktober 2025", "80%")]
    assert "32 van 50 afgerond binnen de norm" in n1.detail and "4 nog binnen termijn" in n1.detail
    n2 = _tile(report, "Norm 2")
    assert n2.value.state == ONDERDRUKT and n2.value.value is None
    assert n2.value.text(n2.fmt) == "onderdrukt"
    assert n2.comparisons == [("september 2026", "90%"), ("oktober 2025", "geen gegevens")]
    # October is not settled for norm 3: no percentage, but the counts so far; September is settled
    # with nothing finished in or out of the norm.
    n3 = _tile(report, "Norm 3")
    assert n3.value.state == NIET_AFGEREKEND and n3.value.text(n3.fmt) == "nog niet afgerekend"
    assert "nog geen afgeronde gevallen; 12 nog binnen termijn" in n3.detail
    assert n3.comparisons == [("september 2026", "n.v.t."), ("oktober 2025", "geen gegevens")]


def test_generated_texts_say_what_changed_without_judgement(report):
    texts = report.texts
    assert "Het aantal lopende maatregelen steeg van 1.200 in september 2026 naar 1.234 in oktober 2026." in texts
    assert any(
        t.startswith("Norm 1 (JB) in de regio daalde van 78% in september 2026 naar 64% in oktober 2026.")
        and "nog 4 gevallen binnen de termijn" in t
        for t in texts
    )
    assert any(
        t.startswith("Norm 1 (JB) bij Jeugdbescherming Overijssel daalde van 83% in september 2026 naar 67%")
        for t in texts
    )
    # Norm 2 of October is suppressed: no comparison, only the count of comparisons left out.
    assert not any(t.startswith("Norm 2") for t in texts)
    assert any(t.startswith("2 vergelijking(en)") for t in texts)  # norm 2 suppressed, norm 3 not settled
    assert any(t.startswith("Het aantal maatregelen (JB) zonder vaste jeugdbeschermer daalde van 30 ") for t in texts)
    # The caseload norm is in measures per fte (caseload_per_fte), the band in children per fte.
    assert (
        "Caseload JB bij Jeugdbescherming Overijssel eind oktober 2026: 16,0 maatregelen met een vaste "
        "jeugdbeschermer per fte, boven de norm van 15. 13,5 kinderen per fte, binnen het streefbereik (12–14)."
    ) in texts
    assert (
        "Caseload JB bij William Schrikker Stichting JB&JR eind oktober 2026: 13,0 maatregelen met een vaste "
        "jeugdbeschermer per fte, niet boven de norm van 15. 11,0 kinderen per fte, onder het streefbereik (12–14)."
    ) in texts
    judgement = re.compile(r"\b(slecht|goed|beter|slechter|zorgwekkend|verbeterd|verslechterd)\b", re.IGNORECASE)
    assert not [t for t in texts if judgement.search(t)]


def test_chart_tables_and_chain_show_exported_cells(report):
    norm1 = report.charts[0]
    assert norm1.headers[:2] == ["Maand", "Regio totaal"]
    assert norm1.table[0][:2] == ["oktober 2026", "64%"] and norm1.table[1][:2] == ["september 2026", "78%"]
    norm2 = report.charts[1]
    assert norm2.table[0][1] == "onderdrukt"
    norm3 = report.charts[2]
    assert norm3.table[0][1] == "nog niet afgerekend" and norm3.table[1][1] == "n.v.t."
    by_title = {c.title.split(":")[0].split(" (")[0]: c for c in report.charts}
    assert by_title["Lopende maatregelen"].table[:2] == [["oktober 2026", "1.234"], ["september 2026", "1.200"]]
    assert by_title["Lopende maatregelen"].table[12] == ["oktober 2025", "onderdrukt"]
    assert by_title["Wachtlijst"].table[0][:2] == ["oktober 2026", "25"]
    assert by_title["Instroom en uitstroom van maatregelen"].table[0] == ["oktober 2026", "40", "35"]
    assert by_title["Instroom en uitstroom van maatregelen"].table[1] == ["september 2026", "38", "geen gegevens"]
    assert by_title["Mediane wachttijd op een vaste jeugdbeschermer"].table[0][:2] == ["oktober 2026", "12,5"]
    caseload = by_title["Caseload per GI"]
    assert caseload.headers == ["Maand", "Jeugdbescherming Overijssel", "William Schrikker Stichting JB&JR"]
    assert caseload.table[0] == ["oktober 2026", "16,0", "13,0"]
    assert "norm 15 per fte" in caseload.svg and "streefbereik" not in caseload.svg
    kinderen = by_title["Kinderen per fte per GI"]
    assert kinderen.headers == caseload.headers
    assert kinderen.table[0] == ["oktober 2026", "13,5", "11,0"]
    assert "streefbereik 12–14" in kinderen.svg
    gi_step = [s for link in report.chain for s in link.stappen if s.label.startswith("inkennisstelling")]
    assert gi_step[0].median.text(dagen) == "3,5" and gi_step[0].aantal.text() == "50"
    vt_step = report.chain[0].stappen[0]
    assert vt_step.median.state == ONDERDRUKT
    assert report.chain_month == D(2026, 10, 1)


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
    # The suppressed norm-2 tile is marked as suppressed, not shown as a number.
    tiles = re.findall(r'data-status="(\w+)">(.*?)</div>', html)
    assert tiles[0] == ("ok", "1.234")
    assert tiles[3][0] == "onderdrukt" and "onderdrukt" in tiles[3][1] and not re.search(r">\s*0\s*<", tiles[3][1])
    # The unsettled norm-3 tile says so; it is no number either.
    assert tiles[4][0] == "niet_afgerekend" and "nog niet afgerekend" in tiles[4][1]
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
