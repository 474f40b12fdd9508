"""Retention (issue 16, marts/opschonen.py) on a real warehouse: real intake (archive, rules, typed
copy, registry), staging and the region history, without Dagster.

JBGL delivers gi_maatregelen for four month-ends of 2025. Measure m1's child lives in Arnhem
(GM0202) in January and February and in Nijmegen (GM0268) from March; m2 (Ede, GM0228) first
appears in April. February was first delivered broken (datum_einde before datum_uitspraak,
GIM-007: quarantined), then corrected under the same name. JBGL also delivers gi_capaciteit for
January and April (a bron without region history).

Today 15 April 2027 and a bewaartermijn of 24 months put the grens at 15 April 2025: the
superseded peildatums before it are January, February and March; April is in force. So a purge
removes, by hand:

- gi_maatregelen January, February (accepted), March: archive copy, typed copy, inbox file (9);
- gi_maatregelen February, the broken version: its archive copy only (it has no typed copy,
  and the inbox file now holds the corrected version) (1);
- gi_capaciteit January: archive copy, typed copy, inbox file (3);

13 files of 5 versions, and freezes JBGL's gi_maatregelen history up to 31 March.
"""

from datetime import date
from pathlib import Path

import duckdb

from marts.historie import update_history
from marts.intake import process_delivery
from marts.opschonen import archive_paths, execute, grens, plan
from marts.registry import record_inbox
from marts.runner import build_staging
from sources.archive import sha256_of
from sources.paths import inbox_dir, warehouse_path

ARNHEM, NIJMEGEN, EDE, APELDOORN = "GM0202", "GM0268", "GM0228", "GM0200"
TODAY = date(2027, 4, 15)
GI_HEADER = (
    "maatregel_id,kind_id,gemeente_code,geboortejaar,maatregel_type,datum_uitspraak,datum_in_kennisstelling,"
    "datum_jeugdbeschermer,datum_plan_van_aanpak,datum_passende_hulp,datum_einde,reden_einde,scheidingsproblematiek"
)
CAP_HEADER = (
    "peildatum,fte_jeugdbeschermer,fte_jeugdreclasseerder,instroom_medewerkers,uitstroom_medewerkers,verzuim_pct"
)


def gi(records: dict[str, str], broken: bool = False) -> str:
    einde = "2024-01-01,DOEL_BEREIKT" if broken else ","
    rows = [
        f"{mid},{int(mid[1:]):064x},{gemeente},2012,OTS,2024-03-03,2024-03-04,2024-03-06,,,{einde},"
        for mid, gemeente in records.items()
    ]
    return "\n".join([GI_HEADER, *rows]) + "\n"


def cap(peildatum: str) -> str:
    return f"{CAP_HEADER}\n{peildatum},2.0,0.5,0,0,5.0\n"


def deliver(con, root: Path, defs, levering_id: str, text: str) -> str:
    """Put a file in the inbox and take it in as a run does; returns its status."""
    path = inbox_dir(root) / levering_id
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    record_inbox(con, {levering_id: sha256_of(path)})
    return process_delivery(con, root, defs, levering_id).status


GI = "JBGL/gi_maatregelen"


def build(root: Path, defs, staging: bool = True) -> duckdb.DuckDBPyConnection:
    warehouse_path(root).parent.mkdir(parents=True)
    con = duckdb.connect(str(warehouse_path(root)))
    statuses = [
        deliver(con, root, defs, f"{GI}/2025-01-31.csv", gi({"m1": ARNHEM})),
        deliver(con, root, defs, f"{GI}/2025-02-28.csv", gi({"m1": ARNHEM}, broken=True)),
        deliver(con, root, defs, f"{GI}/2025-02-28.csv", gi({"m1": ARNHEM})),
        deliver(con, root, defs, f"{GI}/2025-03-31.csv", gi({"m1": NIJMEGEN})),
        deliver(con, root, defs, f"{GI}/2025-04-30.csv", gi({"m1": NIJMEGEN, "m2": EDE})),
        deliver(con, root, defs, "JBGL/gi_capaciteit/2025-01-31.csv", cap("2025-01-31")),
        deliver(con, root, defs, "JBGL/gi_capaciteit/2025-04-30.csv", cap("2025-04-30")),
    ]
    assert statuses == ["geaccepteerd", "quarantaine", *["geaccepteerd"] * 5]
    if staging:
        for bron in ("gi_maatregelen", "gi_capaciteit"):
            build_staging(con, defs, bron)
    return con


def files(root: Path) -> set[str]:
    """Every file under the archive, the typed copies and the inbox, relative to the data dir."""
    folders = [root / "archive", root / "warehouse" / "geleverd", root / "inbox"]
    return {p.relative_to(root).as_posix() for folder in folders for p in folder.rglob("*") if p.is_file()}


def municipalities(con) -> list[tuple]:
    return con.execute(
        "SELECT record_sleutel, gemeente_code, van_periode::VARCHAR, tot_periode::VARCHAR FROM historie.gemeenten "
        "WHERE bron = 'gi_maatregelen' ORDER BY ALL"
    ).fetchall()


HISTORY = [
    ("m1", ARNHEM, "-infinity", "2025-03-01"),
    ("m1", NIJMEGEN, "2025-03-01", "infinity"),
    ("m2", EDE, "-infinity", "infinity"),
]


def test_grens_is_today_minus_the_term_with_the_day_clamped():
    assert grens(date(2027, 4, 15), 24) == date(2025, 4, 15)
    assert grens(date(2026, 3, 31), 1) == date(2026, 2, 28)
    assert grens(date(2026, 1, 10), 13) == date(2024, 12, 10)


def test_archive_naming_is_the_one_intake_uses(tmp_path, defs):
    con = build(tmp_path, defs, staging=False)
    rows = con.execute("SELECT levering_id, sha256, archief_pad FROM meta.leveringen").fetchall()
    assert len(rows) == 7
    for levering_id, sha256, archived in rows:
        assert Path(archived) == archive_paths(tmp_path, levering_id, sha256)[0]


def test_a_purge_removes_exactly_the_superseded_files_past_the_term(tmp_path, defs):
    root = tmp_path
    con = build(root, defs)
    before = files(root)
    history_before = municipalities(con)
    assert history_before == HISTORY
    registry_before = con.execute("SELECT * FROM meta.leveringen ORDER BY ALL").fetchall()
    shas = dict(con.execute("SELECT levering_id || status, sha256 FROM meta.leveringen").fetchall())

    def version(levering_id: str, status: str = "geaccepteerd") -> tuple[str, str]:
        return levering_id, shas[levering_id + status][:16]

    expected = set()
    for levering_id, sha in [version(f"{GI}/{d}.csv") for d in ("2025-01-31", "2025-02-28", "2025-03-31")] + [
        version("JBGL/gi_capaciteit/2025-01-31.csv")
    ]:
        stem = levering_id.removesuffix(".csv")
        expected |= {f"archive/{stem}.{sha}.csv", f"warehouse/geleverd/{stem}.{sha}.parquet", f"inbox/{levering_id}"}
    broken, sha = version(f"{GI}/2025-02-28.csv", "quarantaine")
    expected.add(f"archive/{broken.removesuffix('.csv')}.{sha}.csv")
    assert len(expected) == 13 and expected <= before

    dry = plan(con, root, defs, TODAY)
    assert dry.grens == date(2025, 4, 15)
    assert {p.relative_to(root).as_posix() for p in dry.bestanden} == expected
    assert sorted((v.levering_id, v.status, v.in_historie) for v in dry.versies) == [
        ("JBGL/gi_capaciteit/2025-01-31.csv", "geaccepteerd", False),
        (f"{GI}/2025-01-31.csv", "geaccepteerd", True),
        (f"{GI}/2025-02-28.csv", "geaccepteerd", True),
        (f"{GI}/2025-02-28.csv", "quarantaine", False),
        (f"{GI}/2025-03-31.csv", "geaccepteerd", True),
    ]
    assert files(root) == before  # the dry run removes nothing

    removed = execute(con, defs, dry)
    assert {p.relative_to(root).as_posix() for p in removed} == expected
    assert files(root) == before - expected
    # What stays: the registry, the quarantine row, the region by month.
    assert con.execute("SELECT * FROM meta.leveringen ORDER BY ALL").fetchall() == registry_before
    assert con.execute("SELECT levering_id, regels FROM meta.quarantaine").fetchall() == [
        (f"{GI}/2025-02-28.csv", "GIM-007")
    ]
    assert municipalities(con) == HISTORY
    assert con.execute(
        "SELECT peildatum::VARCHAR FROM historie.basis_opgenomen WHERE organisatie_code = 'JBGL' ORDER BY 1"
    ).fetchall() == [("2025-01-31",), ("2025-02-28",), ("2025-03-31",)]
    assert con.execute("SELECT count(*), min(grens), min(bewaartermijn_maanden) FROM meta.opgeschoond").fetchone() == (
        5,
        date(2025, 4, 15),
        24,
    )

    # Idempotent: nothing is left to remove, and a second purge changes nothing.
    again = plan(con, root, defs, TODAY)
    assert again.versies == [] and again.overgeslagen == {}
    assert execute(con, defs, again) == []
    assert files(root) == before - expected and municipalities(con) == HISTORY


def test_a_refold_after_a_purge_starts_from_the_frozen_history(tmp_path, defs):
    root = tmp_path
    con = build(root, defs)
    execute(con, defs, plan(con, root, defs, TODAY))
    # April corrected: m2 lives in Apeldoorn. A new version of a peildatum folded in makes the
    # history be folded again; the purged deliveries' copies are gone, the baseline holds them.
    assert deliver(con, root, defs, f"{GI}/2025-04-30.csv", gi({"m1": NIJMEGEN, "m2": APELDOORN})) == "geaccepteerd"
    con.begin()
    result = update_history(con, defs, "gi_maatregelen")
    con.commit()
    assert result.refolded == ["JBGL"] and result.added == 1  # only April was read
    assert municipalities(con) == [HISTORY[0], HISTORY[1], ("m2", APELDOORN, "-infinity", "infinity")]


def test_a_delivery_in_force_is_never_touched(tmp_path, defs):
    root = tmp_path
    con = build(root, defs)
    dry = plan(con, root, defs, date(2040, 1, 1))
    assert {v.peildatum for v in dry.versies} == {date(2025, 1, 31), date(2025, 2, 28), date(2025, 3, 31)}
    execute(con, defs, dry)
    left = files(root)
    for levering_id in (f"{GI}/2025-04-30.csv", "JBGL/gi_capaciteit/2025-04-30.csv"):
        assert f"inbox/{levering_id}" in left
        stem = levering_id.removesuffix(".csv")
        assert [f for f in left if f.startswith(f"archive/{stem}.")]
        assert [f for f in left if f.startswith(f"warehouse/geleverd/{stem}.")]
    # Staging still builds from what is left.
    assert build_staging(con, defs, "gi_maatregelen").rows == 2


def test_a_history_that_is_not_up_to_date_is_left_alone(tmp_path, defs):
    root = tmp_path
    con = build(root, defs, staging=False)  # no staging built: the region history was never folded
    dry = plan(con, root, defs, TODAY)
    assert dry.overgeslagen == {
        ("JBGL", "gi_maatregelen"): "its region history is not up to date; run `ketenmonitor run` first"
    }
    # gi_capaciteit has no region history: its January delivery goes all the same.
    assert [v.levering_id for v in dry.versies] == ["JBGL/gi_capaciteit/2025-01-31.csv"]
