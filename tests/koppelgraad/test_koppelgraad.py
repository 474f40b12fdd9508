"""Key mismatch detection (issue 16), through two real runs of the pipeline on one data dir.

Every child is a fake BSN; its kind_id is HMAC-SHA256 of the BSN under the chain key A, as the
suppliers compute it. The first run takes in the Raad, Veilig Thuis Gelderland-Zuid and three
GIs' May deliveries; the second the GIs' June deliveries. JBGL's June delivery is made with
another key B: every kind_id is an HMAC under B, and its key fingerprint is B's. By hand
(thresholds of definitions/instellingen.yaml: at least 20 records, a drop of 20 points and 50%):

- RVDK (30 June): 25 protection investigations of children 1-25 (plus 2 criminal ones, not
  counted); VT_GZ reported children 1-20 to the Raad: 20 of 25 link, 80%.
- VT_GZ (30 June): 20 reports with a request to the Raad (children 1-20; plus 3 advice
  requests without one, not counted): all 20 have an investigation, 100%.
- JBGL: May 26 measures, children 1-21 and 5 the Raad never saw: 21 of 26, 80.8% (81%). June,
  key B, 27 measures: none links, 0%. 80.8 points and 100%: a warning, "koppelgraad van JBGL
  daalde van 81% naar 0%: andere sleutel?".
- WSS: May 20 of 25 (80%), June 17 of 25 (68%): 12 points, 15%: no warning.
- LJR: May 10 of 10, June key B, 0 of 10: 100 points, but 10 records, fewer than 20: no warning.

Fingerprints: every delivery carries A's, except JBGL's and LJR's June deliveries (B's). All
children live in Buren (GM0214, Rivierenland): in June 2025 Rivierenland has deliveries with two
fingerprints, A (RVDK, VT_GZ, WSS) and B (JBGL, LJR); in May only A.
"""

import hashlib
import hmac
import re
from datetime import date
from pathlib import Path

import pytest

from pipelines.run import run_pipeline
from tests.warehouse_queries import query

KEY_A = b"gedeelde ketensleutel A, 32 bytes of meer......"
KEY_B = b"een andere sleutel B, ook 32 bytes of meer......."
GEMEENTE = "GM0214"  # Buren, Rivierenland
GI_HEADER = (
    "maatregel_id,kind_id,gemeente_code,geboortejaar,maatregel_type,datum_uitspraak,datum_in_kennisstelling,"
    "datum_jeugdbeschermer,datum_plan_van_aanpak,datum_passende_hulp,datum_einde,reden_einde,"
    "scheidingsproblematiek,sleutel_vingerafdruk"
)
RVDK_HEADER = (
    "onderzoek_id,kind_id,gemeente_code,geboortejaar,soort,datum_verzoek,datum_start,datum_afgerond,uitkomst,"
    "datum_rekest,sleutel_vingerafdruk"
)
VT_HEADER = (
    "melding_id,kind_id,gemeente_code,geboortejaar,soort,datum_ontvangst,datum_afgerond,vervolg,"
    "datum_verzoek_rvdk,sleutel_vingerafdruk"
)


def kind_id(child: int, key: bytes) -> str:
    """The pseudonym of child n: HMAC-SHA256 of its (fake) BSN under the key."""
    return hmac.new(key, f"1{child:08d}".encode(), hashlib.sha256).hexdigest()


def fingerprint(key: bytes) -> str:
    return hashlib.sha256(b"ketenmonitor-sleutel\x00" + key).hexdigest()[:16]


def gi(children: list[int], key: bytes, prefix: str) -> str:
    rows = [
        f"{prefix}{c},{kind_id(c, key)},{GEMEENTE},2012,OTS,2025-03-03,2025-03-04,2025-03-06,,,,,,{fingerprint(key)}"
        for c in children
    ]
    return "\n".join([GI_HEADER, *rows]) + "\n"


def rvdk() -> str:
    fp = fingerprint(KEY_A)
    rows = [
        f"R{c},{kind_id(c, KEY_A)},{GEMEENTE},2012,BESCHERMINGSONDERZOEK,2024-10-01,2024-10-08,2024-12-02,"
        f"VERZOEK_MAATREGEL,2024-12-02,{fp}"
        for c in range(1, 26)
    ]
    rows += [f"S{c},{kind_id(c, KEY_A)},{GEMEENTE},2009,STRAFONDERZOEK,2025-06-10,,,,,{fp}" for c in (40, 41)]
    return "\n".join([RVDK_HEADER, *rows]) + "\n"


def vt() -> str:
    fp = fingerprint(KEY_A)
    rows = [
        f"V{c},{kind_id(c, KEY_A)},{GEMEENTE},2012,MELDING,2024-06-03,2024-09-16,VERZOEK_ONDERZOEK_RVDK,2024-09-16,{fp}"
        for c in range(1, 21)
    ]
    rows += [f"A{c},{kind_id(c, KEY_A)},{GEMEENTE},2013,ADVIES,2025-06-16,,,,{fp}" for c in (50, 51, 52)]
    return "\n".join([VT_HEADER, *rows]) + "\n"


def deliver(root: Path, levering: str, text: str) -> None:
    path = root / "inbox" / levering
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


MAY = {
    "RVDK/rvdk_onderzoeken/2025-06-30.csv": rvdk(),
    "VT_GZ/vt_meldingen/2025-06-30.csv": vt(),
    "JBGL/gi_maatregelen/2025-05-31.csv": gi([*range(1, 22), *range(60, 65)], KEY_A, "J"),
    "WSS/gi_maatregelen/2025-05-31.csv": gi([*range(1, 21), *range(70, 75)], KEY_A, "W"),
    "LJR/gi_maatregelen/2025-05-31.csv": gi(list(range(1, 11)), KEY_A, "L"),
}
JUNE = {
    # The same 26 measures and one more, pseudonymised with the wrong key.
    "JBGL/gi_maatregelen/2025-06-30.csv": gi([*range(1, 23), *range(60, 65)], KEY_B, "J"),
    "WSS/gi_maatregelen/2025-06-30.csv": gi([*range(1, 18), *range(70, 78)], KEY_A, "W"),
    "LJR/gi_maatregelen/2025-06-30.csv": gi(list(range(1, 11)), KEY_B, "L"),
}


@pytest.fixture(scope="module")
def twee_runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("koppelgraad")
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("DAGSTER_HOME", raising=False)
        mp.setenv("KETENMONITOR_VANDAAG", "2025-07-20")
        for levering, text in MAY.items():
            deliver(root, levering, text)
        first = run_pipeline(root, log=lambda _: None)
        after_may = query(root, "SELECT bron, organisatie_code, peildatum FROM meta.koppelgraad ORDER BY ALL")
        for levering, text in JUNE.items():
            deliver(root, levering, text)
        second = run_pipeline(root, log=lambda _: None)
    return root, first, after_may, second


def test_both_runs_accept_every_delivery(twee_runs):
    _root, first, _after_may, second = twee_runs
    assert first.exit_code == 0, first
    assert second.exit_code == 0, second
    # A delivery with the wrong key breaks no rule: only the key checks can see it.
    assert sorted(second.accepted) == sorted([*MAY, *JUNE])


def test_each_delivery_is_measured_once_when_first_in_force(twee_runs):
    root, _first, after_may, second = twee_runs
    # The first run: what was in force then (the GIs' May deliveries, the Raad's and VT's June ones).
    assert after_may == [
        ("gi_maatregelen", "JBGL", date(2025, 5, 31)),
        ("gi_maatregelen", "LJR", date(2025, 5, 31)),
        ("gi_maatregelen", "WSS", date(2025, 5, 31)),
        ("rvdk_onderzoeken", "RVDK", date(2025, 6, 30)),
        ("vt_meldingen", "VT_GZ", date(2025, 6, 30)),
    ]
    rows = query(
        root,
        "SELECT bron, organisatie_code, peildatum, partner_bron, partner_peildatum, aantal_records, aantal_gekoppeld "
        "FROM meta.koppelgraad ORDER BY ALL",
    )
    june = date(2025, 6, 30)
    assert rows == [
        ("gi_maatregelen", "JBGL", date(2025, 5, 31), "rvdk_onderzoeken", june, 26, 21),
        ("gi_maatregelen", "JBGL", june, "rvdk_onderzoeken", june, 27, 0),
        ("gi_maatregelen", "LJR", date(2025, 5, 31), "rvdk_onderzoeken", june, 10, 10),
        ("gi_maatregelen", "LJR", june, "rvdk_onderzoeken", june, 10, 0),
        ("gi_maatregelen", "WSS", date(2025, 5, 31), "rvdk_onderzoeken", june, 25, 20),
        ("gi_maatregelen", "WSS", june, "rvdk_onderzoeken", june, 25, 17),
        ("rvdk_onderzoeken", "RVDK", june, "vt_meldingen", june, 25, 20),
        ("vt_meldingen", "VT_GZ", june, "rvdk_onderzoeken", june, 20, 20),
    ]
    assert second.tables["marts/koppelgraad"] == 8


def test_only_the_sharp_drop_of_enough_records_warns(twee_runs):
    root, *_ = twee_runs
    rows = query(
        root,
        "SELECT organisatie_code, peildatum, round(koppelgraad_pct, 1), vorige_peildatum, "
        "round(vorige_koppelgraad_pct, 1), in_gebruik, daling, melding "
        "FROM marts.koppelgraad WHERE bron = 'gi_maatregelen' ORDER BY ALL",
    )
    may, june = date(2025, 5, 31), date(2025, 6, 30)
    assert rows == [
        ("JBGL", may, 80.8, None, None, False, False, None),
        ("JBGL", june, 0.0, may, 80.8, True, True, "koppelgraad van JBGL daalde van 81% naar 0%: andere sleutel?"),
        ("LJR", may, 100.0, None, None, False, False, None),
        ("LJR", june, 0.0, may, 100.0, True, False, None),  # 10 records: too few to judge
        ("WSS", may, 80.0, None, None, False, False, None),
        ("WSS", june, 68.0, may, 80.0, True, False, None),  # 12 points, 15%: not sharp
    ]


def test_fingerprints_of_one_region_and_month_that_differ_warn(twee_runs):
    root, _first, _after_may, second = twee_runs
    a, b = fingerprint(KEY_A), fingerprint(KEY_B)
    rows = query(root, "SELECT * FROM marts.sleutelconflicten")
    assert rows == [
        (
            "RIVIERENLAND",
            date(2025, 6, 1),
            2,
            5,
            "; ".join(sorted([f"{a}: RVDK, VT_GZ, WSS", f"{b}: JBGL, LJR"])),
            "in RIVIERENLAND leverden partners over 2025-06 met verschillende sleutels ("
            + ", ".join(sorted([f"JBGL, LJR {b}", f"RVDK, VT_GZ, WSS {a}"]))
            + "): andere sleutel?",
        )
    ]
    assert second.tables["marts/sleutelconflicten"] == 1


def test_the_board_shows_the_warnings_and_marks_the_delivery(twee_runs):
    root, *_ = twee_runs
    html = (root / "reports" / "bestuur.html").read_text(encoding="utf-8")
    warnings = re.search(r'<section id="waarschuwingen">(.*?)</section>', html, re.S).group(1)
    items = re.findall(r"<li>(.*?)</li>", warnings, re.S)
    assert "JBGL/gi_maatregelen/2025-06-30.csv: koppelgraad van JBGL daalde van 81% naar 0%: andere sleutel?" in items
    assert not [i for i in items if "koppelgraad van WSS" in i or "koppelgraad van LJR" in i]
    assert [i for i in items if i.startswith("Sleutelvingerafdrukken: in RIVIERENLAND leverden partners over 2025-06")]
    # The delivery grid marks the June cells of JBGL (koppelgraad and fingerprint) and LJR (fingerprint B,
    # used by 2 of the 5 organisations); not WSS, which used A like most.
    grid = re.search(r'<section id="aanlevering">(.*?)</section>', html, re.S).group(1)
    rows = {
        m.group(1): m.group(2)
        for m in re.finditer(
            r"<tr><td>[^<]*\((\w+)\)(?: <b[^>]*>[^<]*</b>)?</td><td>gi_maatregelen</td>(.*?)</tr>", grid, re.S
        )
    }
    marks = {org: len(re.findall(r'class="klein sleutel"', rows[org])) for org in ("JBGL", "LJR", "WSS")}
    assert marks == {"JBGL": 1, "LJR": 1, "WSS": 0}
    assert (
        'title="koppelgraad van JBGL daalde van 81% naar 0%: andere sleutel?; andere sleutelvingerafdruk dan '
        'partners in RIVIERENLAND">sleutel?</b>' in rows["JBGL"]
    )
