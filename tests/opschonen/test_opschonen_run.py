"""`ketenmonitor opschonen` on a data dir with 13 monthly snapshots, after a real run (issue 16).

The synthetic generator writes monthly full snapshots from November 2025 to November 2026; the
data dir keeps those of JBGL (gi_maatregelen and gi_capaciteit), the Raad and Veilig Thuis
Gelderland-Zuid: 4 organisation-bronnen x 13 months = 52 deliveries, all accepted, the November
ones in force. On 15 March 2028 a bewaartermijn of 24 months puts the grens at 15 March 2026:
the peildatums November 2025 to February 2026 are past it, 4 months x 4 = 16 deliveries, each
with an archive copy, a typed copy and its inbox file: 48 files, worked out below from the inbox
itself. The figures (every table of schema `marts` and every region export) are the same after
the purge, also when staging, every model and the region history of every organisation are built
again from what is left.
"""

import hashlib
import json
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest

from pipelines.cli import main
from pipelines.run import run_pipeline
from synthetic import generate
from tests.warehouse_queries import query, warehouse

KEEP = {"JBGL", "RVDK", "VT_GZ"}
RUN_DAY = "2026-12-20"
PURGE_DAY = "2028-03-15"
# What says when and by which run an export was written, not what it holds.
VOLATILE_MANIFEST = {"generated_at", "run_id"}


def figures(root: Path) -> dict:
    """Every table of schema marts (sorted rows) and every region export (parquet rows, manifest)."""
    con = duckdb.connect(str(warehouse(root)), read_only=True)
    try:
        tables = [
            t for (t,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'marts'").fetchall()
        ]
        out = {f"marts.{t}": sorted(map(repr, con.execute(f"SELECT * FROM marts.{t}").fetchall())) for t in tables}
        # The published exports: exports/<region>/ (a link to the version published last).
        regions = [d for d in (root / "exports").iterdir() if not d.name.startswith(".")]
        for path in sorted(p for region in regions for p in region.iterdir()):
            name = f"exports/{path.parent.name}/{path.name}"
            if path.suffix == ".parquet":
                out[name] = sorted(map(repr, con.execute("SELECT * FROM read_parquet(?)", [str(path)]).fetchall()))
            elif path.name == "manifest.json":
                manifest = json.loads(path.read_text(encoding="utf-8"))
                out[name] = {k: v for k, v in manifest.items() if k not in VOLATILE_MANIFEST}
        return out
    finally:
        con.close()


def delivery_files(root: Path) -> set[str]:
    folders = [root / "archive", root / "warehouse" / "geleverd", root / "inbox"]
    return {p.relative_to(root).as_posix() for folder in folders for p in folder.rglob("*") if p.is_file()}


def expected_purge(root: Path) -> set[str]:
    """The files of the deliveries with a peildatum before 15 March 2026, named from the inbox files:
    archive/<org>/<bron>/<peildatum>.<sha256[:16]><ext>, warehouse/geleverd/.../<peildatum>.<sha256[:16]>.parquet."""
    out = set()
    for path in (root / "inbox").rglob("*"):
        if path.is_file() and date.fromisoformat(path.stem) < date(2026, 3, 15):
            rel = path.relative_to(root / "inbox")
            sha = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
            out |= {
                f"inbox/{rel.as_posix()}",
                f"archive/{rel.parent.as_posix()}/{path.stem}.{sha}{path.suffix}",
                f"warehouse/geleverd/{rel.parent.as_posix()}/{path.stem}.{sha}.parquet",
            }
    return out


@pytest.fixture(scope="module")
def dertien(tmp_path_factory):
    root = tmp_path_factory.mktemp("opschonen")
    generate(root, scale="demo", end_month="2026-11", snapshots=13)
    for org in (root / "inbox").iterdir():
        if org.name not in KEEP:
            shutil.rmtree(org)
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("DAGSTER_HOME", raising=False)
        mp.setenv("KETENMONITOR_VANDAAG", RUN_DAY)
        summary = run_pipeline(root, log=lambda _: None)
    assert summary.exit_code == 0, summary
    assert len(summary.accepted) == 52
    return root


def test_the_dry_run_lists_exactly_the_superseded_files_past_the_term_and_removes_nothing(dertien, monkeypatch, capsys):
    root = dertien
    expected = expected_purge(root)
    assert len(expected) == 48
    before = delivery_files(root)
    monkeypatch.setenv("KETENMONITOR_VANDAAG", PURGE_DAY)
    assert main(["opschonen", "--data-dir", str(root)]) == 0
    out = capsys.readouterr().out
    assert "peildatum before 2026-03-15 (today 2028-03-15)" in out
    assert "Would remove 48 file(s) of 16 delivery version(s):" in out
    listed = {line.strip() for line in out.splitlines() if line.startswith("    ")}
    assert listed == expected
    assert delivery_files(root) == before


def test_the_purge_removes_them_keeps_the_figures_and_is_idempotent(dertien, monkeypatch, capsys):
    root = dertien
    expected = expected_purge(root)
    before = delivery_files(root)
    figures_before = figures(root)
    assert len([k for k in figures_before if k.startswith("exports/")]) == 14 * 11  # 14 regions: 10 marts, manifest
    registry = query(root, "SELECT * FROM meta.leveringen ORDER BY ALL")
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    monkeypatch.setenv("KETENMONITOR_VANDAAG", PURGE_DAY)

    assert main(["opschonen", "--data-dir", str(root), "--uitvoeren"]) == 0
    out = capsys.readouterr().out
    assert "Removed 48 file(s) of 16 delivery version(s):" in out
    assert delivery_files(root) == before - expected
    # The sha256, verdicts and rule results stay; every purged version is recorded.
    assert query(root, "SELECT * FROM meta.leveringen ORDER BY ALL") == registry
    assert query(root, "SELECT count(*), min(grens), max(peildatum) FROM meta.opgeschoond") == [
        (16, date(2026, 3, 15), date(2026, 2, 28))
    ]
    assert query(
        root,
        "SELECT bron, organisatie_code, count(*), max(peildatum) FROM historie.basis_opgenomen "
        "GROUP BY ALL ORDER BY ALL",
    ) == [
        ("gi_maatregelen", "JBGL", 4, date(2026, 2, 28)),
        ("rvdk_onderzoeken", "RVDK", 4, date(2026, 2, 28)),
        ("vt_meldingen", "VT_GZ", 4, date(2026, 2, 28)),
    ]
    assert figures(root) == figures_before

    # Idempotent: a second purge finds nothing and changes nothing.
    purged = query(root, "SELECT * FROM meta.opgeschoond ORDER BY ALL")
    history = query(root, "SELECT * FROM historie.gemeenten ORDER BY ALL")
    assert main(["opschonen", "--data-dir", str(root), "--uitvoeren"]) == 0
    assert "Nothing to remove." in capsys.readouterr().out
    assert delivery_files(root) == before - expected
    assert query(root, "SELECT * FROM meta.opgeschoond ORDER BY ALL") == purged
    assert query(root, "SELECT * FROM historie.gemeenten ORDER BY ALL") == history

    # Built again from what is left: staging, every model, the exports, and the region history of
    # every organisation folded again (from the baseline the purge froze).
    con = duckdb.connect(str(warehouse(root)))
    try:
        for schema in ("staging", "modellen", "marts"):
            con.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        con.execute("DELETE FROM meta.staging_inhoud")
        con.execute("DELETE FROM historie.opgenomen")
        con.execute("DELETE FROM historie.gemeenten")
    finally:
        con.close()
    shutil.rmtree(root / "exports")
    monkeypatch.setenv("KETENMONITOR_VANDAAG", RUN_DAY)
    summary = run_pipeline(root, log=lambda _: None)
    assert summary.exit_code == 0, summary
    assert query(root, "SELECT * FROM historie.gemeenten ORDER BY ALL") == history
    assert figures(root) == figures_before
