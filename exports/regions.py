"""Region exports (docs/contract.md section 5): `<data dir>/exports/<jeugdregio_code>/<mart>.parquet` + manifest.json.

Pure export writing, no Dagster (pipelines/exports.py wraps it in an asset):

1. Read, on a short read-only warehouse connection, every contract mart's exportable rows:
   all rows except the national roll-ups (jeugdregio_code TOTAAL, "all regions"; for caseload
   and personeel, which have no region, organisatie_code TOTAAL, "all organisations"). Those
   aggregate other regions' data and the contract gives a region "only that region's rows".
   Only the columns of the mart's .yml, less the maxima (max_wachttijd_dagen: a maximum is
   one child's value, section 5.2). Every mart carries all its period kinds (periode_type).
   Plus the deliveries in force (meta.leveringen) and the delivery monitor's rows that are not
   on time (marts.aanlevering, when built) for the manifests.
2. Apply disclosure control once per mart (exports/disclosure.py) on those rows, so a row that
   appears in several exports (caseload, personeel) is suppressed identically in each.
3. Per region: the region marts' rows with that jeugdregio_code (its TOTAAL-over-gemeente and
   TOTAAL-over-organisation rows included); caseload and personeel restricted to the
   organisations active in the region (any row for the region in a mart with both an
   organisation and a region), with their organisation-wide figures. Written by DuckDB COPY
   from an in-memory connection, then `manifest.json` (with the delivery news of the region's
   organisations: what the region report says about missing and quarantined deliveries).
4. Atomic publication: everything goes to `exports/.versies/<version>/<region>/`; only when
   every region is complete, each `exports/<region>` symlink is swapped with os.replace (atomic
   on POSIX). A failure before that removes the new version and leaves the old links alone.
   Versions linked now or just before this run are kept (a reader still walking the previous
   export keeps its files for one more run); older ones are removed.

Files are deterministic (rows sorted by key, fixed writer settings), so two runs on the same
inbox give byte-identical parquet files; the manifests differ only in generated_at and run_id.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from exports.disclosure import ONDERDRUKT, DisclosureResult, DisclosureSpec, suppress
from marts import warehouse
from marts.catalog import TOTAAL, Column, ModelSpec, catalog, marts
from marts.registry import current_deliveries, table_exists
from marts.sql import SqlFolder
from sources.archive import sha256_of
from sources.definitions import Definitions, current_definitions
from sources.paths import exports_dir

SQL = SqlFolder(Path(__file__).parent / "sql")

VERSIONS_DIR = ".versies"
MANIFEST = "manifest.json"
REGION = "jeugdregio_code"
ORGANISATION = "organisatie_code"
# Column names that would betray a person or a record: never in an export.
SAFE_REGION = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
FORBIDDEN_COLUMN = re.compile(r"(^|_)(id|bsn|pseudoniem|pseudonym|kind|persoon)($|_)")
# A maximum is one child's value: left out of every export (see is_maximum).
MAXIMUM_COLUMN = re.compile(r"(^|_)(max|maximum|maximaal|hoogste|langste)($|_)")


@dataclass(frozen=True)
class MartRows:
    spec: ModelSpec
    disclosure: DisclosureResult


@dataclass
class ExportSummary:
    version: str
    path: Path
    regions: list[str] = field(default_factory=list)
    files: int = 0
    rows: int = 0
    suppressed_rows: int = 0  # rows with onderdrukt = true over all files written
    primary_cells: int = 0
    complementary_cells: int = 0
    derived_cells: int = 0
    seconds: float = 0.0


def is_maximum(column: Column) -> bool:
    """A maximum over cases (one child's value, e.g. max_wachttijd_dagen): never exported.

    A configured bound such as streef_kinderen_max is a `value`, not a figure about a child.
    """
    return column.role != "value" and bool(MAXIMUM_COLUMN.search(column.name))


def export_spec(spec: ModelSpec) -> ModelSpec:
    """The mart as exported: no maxima, no internal cell keys (docs/contract.md section 5.2)."""
    kept = [c for c in spec.columns if not is_maximum(c) and not c.intern]
    return spec if len(kept) == len(spec.columns) else spec.model_copy(update={"columns": kept})


def export_specs() -> list[ModelSpec]:
    """The marts of docs/contract.md section 5, in contract order, as exported (the delivery monitor is not)."""
    return [export_spec(spec) for spec in marts()]


def _filter_column(spec: ModelSpec) -> str:
    if REGION in spec.column_names:
        return REGION
    if ORGANISATION in spec.column_names:
        return ORGANISATION
    raise ValueError(f"mart {spec.name} has neither {REGION} nor {ORGANISATION}: no region to export it to")


def check_columns(names: Iterable[str]) -> None:
    """Refuse a column that looks like a pseudonym or record id (docs/contract.md section 5: never in an export)."""
    bad = [n for n in names if FORBIDDEN_COLUMN.search(n)]
    if bad:
        raise ValueError(f"column(s) {', '.join(bad)} look like a pseudonym or record id: not exported")


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def read_mart(con: duckdb.DuckDBPyConnection, spec: ModelSpec) -> pa.Table:
    """The exportable rows of one mart (all but the national roll-ups), sorted by key; no maxima.

    With the mart's cell keys (`intern` columns), which the disclosure step reads and drops.
    """
    cell_keys = [c.name for c in catalog()[spec.name].columns if c.intern]
    spec = export_spec(spec)
    check_columns(spec.column_names)
    (statement,) = SQL.statements("exportrijen")
    sql = statement.format(
        columns=", ".join(_ident(c) for c in [*spec.column_names, *cell_keys]),
        table=f"{_ident(spec.schema)}.{_ident(spec.name)}",
        filter_column=_ident(_filter_column(spec)),
        key=", ".join(_ident(k) for k in spec.key),
    )
    return con.execute(sql).to_arrow_table()


def source_deliveries(con: duckdb.DuckDBPyConnection, defs: Definitions) -> list[dict]:
    """Every delivery in force per bron (the ones the marts were built from), with its sha256."""
    return [
        {
            "bron": bron,
            "organisatie_code": org,
            "peildatum": peildatum.isoformat() if peildatum else None,
            "levering_id": levering_id,
            "sha256": sha256,
        }
        for bron in sorted(defs.bronnen)
        for org, peildatum, levering_id, sha256, _pad in current_deliveries(con, defs, bron)
    ]


def delivery_status(con: duckdb.DuckDBPyConnection) -> list[dict] | None:
    """The delivery monitor's rows that are not on time (None when marts.aanlevering was not built)."""
    if not table_exists(con, "marts", "aanlevering"):
        return None
    names = ["organisatie_code", "bron", "verwachte_maand", "status", "leverdatum", "regels"]
    return [dict(zip(names, row, strict=True)) for row in SQL.run(con, "aanleverstatus", fetch=True)]


def _distinct(table: pa.Table, column: str) -> set[str]:
    return {v for v in pc.unique(table.column(column)).to_pylist() if v is not None and v != TOTAAL}


def regions_and_organisations(tables: dict[str, pa.Table]) -> tuple[list[str], dict[str, list[str]]]:
    """The regions with any row in a region mart, and per region the organisations active in it."""
    regions: set[str] = set()
    active: dict[str, set[str]] = {}
    for table in tables.values():
        if REGION not in table.column_names:
            continue
        regions |= _distinct(table, REGION)
        if ORGANISATION in table.column_names:
            pairs = table.select([REGION, ORGANISATION]).group_by([REGION, ORGANISATION]).aggregate([])
            for region, org in zip(
                pairs.column(REGION).to_pylist(), pairs.column(ORGANISATION).to_pylist(), strict=True
            ):
                if region not in (None, TOTAAL) and org not in (None, TOTAAL):
                    active.setdefault(region, set()).add(org)
    return sorted(regions), {r: sorted(active.get(r, set())) for r in sorted(regions)}


def _metadata_literal(spec: ModelSpec) -> str:
    pairs = {c.name: " ".join(c.description.split()) for c in spec.columns}
    pairs[ONDERDRUKT] = "True when a value of this row was suppressed (small-number disclosure control)."
    pairs["ketenmonitor_mart"] = spec.name
    pairs["ketenmonitor_titel"] = spec.title
    return "{" + ", ".join(f"{_literal(k)}: {_literal(v)}" for k, v in pairs.items()) + "}"


def write_parquet(con: duckdb.DuckDBPyConnection, table: pa.Table, path: Path, spec: ModelSpec) -> None:
    """One export file, written by DuckDB COPY from the arrow table."""
    con.register("_bestand", table)
    try:
        SQL.run(
            con,
            "schrijf_parquet",
            format_args={"pad": _literal(str(path)), "metadata": _metadata_literal(spec)},
        )
    finally:
        con.unregister("_bestand")


def _region_rows(table: pa.Table, region: str, organisations: list[str]) -> pa.Table:
    if REGION in table.column_names:
        return table.filter(pc.equal(table.column(REGION), region))
    return table.filter(pc.is_in(table.column(ORGANISATION), value_set=pa.array(organisations, pa.string())))


def _check_region_code(region: str) -> None:
    # The code becomes a folder name: nothing that could escape exports/ or hide as a dot file.
    if not SAFE_REGION.fullmatch(region):
        raise ValueError(f"jeugdregio_code {region!r} is not usable as a folder name")


def _version_name(generated_at: datetime, run_id: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9_-]", "_", run_id)[:64] or "run"
    return f"{generated_at:%Y%m%dT%H%M%S%f}Z-{safe}"


def _write_region(
    writer: duckdb.DuckDBPyConnection,
    folder: Path,
    region: str,
    organisations: list[str],
    tables: list[MartRows],
    manifest_head: dict,
    summary: ExportSummary,
) -> None:
    folder.mkdir(parents=True)
    files = []
    for mart in tables:
        rows = _region_rows(mart.disclosure.table, region, organisations)
        path = folder / f"{mart.spec.name}.parquet"
        write_parquet(writer, rows, path, mart.spec)
        suppressed = int(pc.sum(pc.cast(rows.column(ONDERDRUKT), pa.int64())).as_py() or 0)
        files.append(
            {
                "bestand": path.name,
                "mart": mart.spec.name,
                "rijen": rows.num_rows,
                "onderdrukte_rijen": suppressed,
                "sha256": sha256_of(path),
            }
        )
        summary.files += 1
        summary.rows += rows.num_rows
        summary.suppressed_rows += suppressed
    manifest = {**manifest_head, "regio": region, "organisaties": organisations, "bestanden": files}
    if manifest_head["aanlevering"] is not None:  # the delivery news of this region's organisations only
        manifest["aanlevering"] = [r for r in manifest_head["aanlevering"] if r["organisatie_code"] in organisations]
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _linked_versions(root: Path) -> dict[str, str]:
    """exports/<region> symlink -> the version it points at."""
    links = {}
    if not root.is_dir():
        return links
    for entry in root.iterdir():
        if entry.is_symlink() and not entry.name.startswith("."):
            target = Path(os.readlink(entry))
            if len(target.parts) >= 2 and target.parts[0] == VERSIONS_DIR:
                links[entry.name] = target.parts[1]
    return links


def _swap_link(root: Path, region: str, version: str) -> None:
    """Point exports/<region> at the new version in one atomic rename."""
    link = root / region
    tmp = root / f".{region}.nieuw"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    tmp.symlink_to(Path(VERSIONS_DIR) / version / region, target_is_directory=True)
    if link.is_dir() and not link.is_symlink():
        # A plain folder (written by hand or an older layout) cannot be replaced by a rename:
        # move it aside first. Only then is there a moment without the folder.
        link.rename(root / VERSIONS_DIR / f"{region}-oud-{version}")
    os.replace(tmp, link)


def publish(root: Path, version: str, regions: list[str]) -> None:
    """Switch every region's link to `version`, drop links of regions no longer exported, prune versions."""
    (root / VERSIONS_DIR).mkdir(parents=True, exist_ok=True)
    before = _linked_versions(root)
    for region in regions:
        _swap_link(root, region, version)
    for region in sorted(set(before) - set(regions)):
        (root / region).unlink()
    keep = {version, *before.values()}
    for entry in sorted((root / VERSIONS_DIR).iterdir()):
        if entry.name not in keep:
            shutil.rmtree(entry, ignore_errors=True)


def export_regions(
    root: Path,
    run_id: str,
    defs: Definitions | None = None,
    generated_at: datetime | None = None,
) -> ExportSummary:
    """Write and publish the region exports of data dir `root` from its warehouse."""
    start = time.monotonic()
    defs = defs or current_definitions()
    rules = defs.instellingen.onderdrukking
    generated_at = generated_at or datetime.now(UTC)
    specs = export_specs()

    # A short read-only connection: everything needed is read into memory, then it closes.
    with warehouse.connect(root, read_only=True) as con:
        tables = {spec.name: read_mart(con, spec) for spec in specs}
        deliveries = source_deliveries(con, defs)
        status = delivery_status(con)

    regions, organisations = regions_and_organisations(tables)
    for region in regions:
        _check_region_code(region)
    disclosed = [
        MartRows(
            spec, suppress(tables[spec.name], DisclosureSpec.for_mart(spec, rules), rules.drempel, rules.afronding)
        )
        for spec in specs
    ]
    for mart in disclosed:
        check_columns(mart.disclosure.table.column_names)

    exports = exports_dir(root)
    version = _version_name(generated_at, run_id)
    version_dir = exports / VERSIONS_DIR / version
    summary = ExportSummary(version=version, path=exports, regions=regions)
    for mart in disclosed:
        summary.primary_cells += mart.disclosure.primary_cells
        summary.complementary_cells += mart.disclosure.complementary_cells
        summary.derived_cells += mart.disclosure.derived_cells
    manifest_head = {
        "generated_at": generated_at.isoformat(),
        "run_id": run_id,
        "definities_versie": defs.versie,
        "onderdrukking": {
            "drempel": rules.drempel,
            "afronding": rules.afronding,
            "rijsoorten": {spec.name: rules.marts[spec.name].soort for spec in specs},
        },
        "leveringen": deliveries,
        "aanlevering": status,
    }

    if version_dir.exists():
        shutil.rmtree(version_dir)
    writer = duckdb.connect()
    try:
        # One thread: the file layout does not depend on the machine, so checksums are stable.
        writer.execute("SET threads = 1")
        for region in regions:
            _write_region(
                writer, version_dir / region, region, organisations[region], disclosed, manifest_head, summary
            )
    except BaseException:
        shutil.rmtree(version_dir, ignore_errors=True)
        raise
    finally:
        writer.close()

    publish(exports, version, regions)
    summary.seconds = time.monotonic() - start
    return summary


__all__ = [
    "ExportSummary",
    "check_columns",
    "delivery_status",
    "export_regions",
    "export_spec",
    "export_specs",
    "is_maximum",
    "publish",
    "read_mart",
    "regions_and_organisations",
    "source_deliveries",
    "write_parquet",
]
