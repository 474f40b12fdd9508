"""Region exports (docs/contract.md section 5): `<data dir>/exports/<jeugdregio_code>/<mart>.parquet` + manifest.json.

Pure export writing, no Dagster (pipelines/exports.py wraps it in an asset):

1. Up to date? On a short read-only warehouse connection: the fingerprint every exported mart
   was last built with (`meta.model_inhoud`, marts/incremental.py), the deliveries in force
   (meta.leveringen) and the delivery monitor's rows that are not on time (marts.aanlevering),
   hashed with the export settings and this package's code. Equal to the digest recorded by the
   last publication (`exports/.versies/staat.json`) while every region link still points where
   it said: nothing is read or written (`ExportSummary.skipped`).
2. Otherwise read every contract mart's exportable rows: all rows except the national roll-ups
   (jeugdregio_code TOTAAL, "all regions"; for caseload and personeel, which have no region,
   organisatie_code TOTAAL, "all organisations"). Those aggregate other regions' data and the
   contract gives a region "only that region's rows". Only the columns of the mart's .yml, less
   the maxima (max_wachttijd_dagen: a maximum is one child's value, section 5.2). Every mart
   carries all its period kinds (periode_type).
3. Apply disclosure control once per mart (exports/disclosure.py) on those rows, so a row that
   appears in several exports (caseload, personeel) is suppressed identically in each. Each
   mart is then sorted once by region and key (on integer ranks of its few distinct codes), so
   a region's rows are one run of that order.
4. Per region: the region marts' rows with that jeugdregio_code (its TOTAAL-over-gemeente and
   TOTAAL-over-organisation rows included); caseload and personeel restricted to the
   organisations active in the region (any row for the region in a mart with both an
   organisation and a region), with their organisation-wide figures. Its manifest names only
   the region's organisations: their deliveries in force and their delivery news. A digest of
   everything the region would publish (each table's Arrow IPC stream, the manifest without
   generated_at, run_id and file checksums) decides: equal to the one recorded for the
   region's current version, the region keeps its link and files; else its files are written
   by DuckDB COPY from an in-memory connection, then `manifest.json`.
5. Atomic publication: changed regions go to `exports/.versies/<version>/<region>/`; only when
   all of them are complete, each changed `exports/<region>` symlink is swapped with os.replace
   (atomic on POSIX), links of regions no longer exported are removed, and then the state file
   is replaced. A failure before that removes the new version and leaves the old links and
   state alone (the next run finds the state out of date and does the work again). Versions
   linked now or just before this run are kept (a reader still walking the previous export
   keeps its files for one more run); older ones are removed.

Files are deterministic (rows sorted by key, fixed writer settings), so two runs on the same
inbox give byte-identical parquet files; the manifests differ only in generated_at and run_id.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import threading
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from exports.disclosure import AFGEREKEND, ONDERDRUKT, PERSOONSNIVEAU, DisclosureResult, DisclosureSpec, suppress
from marts import warehouse
from marts.catalog import TOTAAL, Column, ModelSpec, catalog, marts
from marts.registry import current_deliveries, table_exists
from marts.sql import SqlFolder, run_sql
from sources.archive import sha256_of
from sources.definitions import Definitions, current_definitions
from sources.paths import exports_dir

SQL = SqlFolder(Path(__file__).parent / "sql")

VERSIONS_DIR = ".versies"
# What the last publication published: inside .versies, so never inside a region's folder.
STATE_FILE = "staat.json"
STATE_FORMAT = 1
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
    version: str  # the version folder written by this run ("" when no region changed)
    path: Path
    regions: list[str] = field(default_factory=list)  # every region exported (changed or not)
    changed: list[str] = field(default_factory=list)  # written into `version` and switched
    unchanged: list[str] = field(default_factory=list)  # same content: link and files kept
    removed: list[str] = field(default_factory=list)  # no longer exported: link removed
    skipped: bool = False  # nothing changed since the last publication: nothing read or written
    # Over the exports in force after this run (all regions, written or kept):
    files: int = 0
    rows: int = 0
    suppressed_rows: int = 0  # rows with onderdrukt = true
    files_written: int = 0
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


def _hidden_rows(spec: ModelSpec, disclosure: DisclosureSpec | None, drempel: int, afronding: int | None) -> str:
    """SQL: the rows disclosure control leaves out whatever their cell keys ("false" when none).

    A person-level row whose every count is empty or so small that even rounded up it stays
    under the threshold (threshold 10, base 5: at most 5). About half of the rows of instroom,
    uitstroom and stand: not reading them halves the export's reading and suppression.
    """
    if disclosure is None or disclosure.soort != PERSOONSNIVEAU or not disclosure.counts:
        return "false"
    base = afronding or 1
    most = (-(-drempel // base) - 1) * base  # the largest count whose rounding up stays under drempel
    return " AND ".join(f"({_ident(c)} IS NULL OR {_ident(c)} <= {most})" for c in disclosure.counts)


def read_mart(
    con: duckdb.DuckDBPyConnection,
    spec: ModelSpec,
    disclosure: DisclosureSpec | None = None,
    drempel: int = 1,
    afronding: int | None = None,
) -> pa.Table:
    """The exportable rows of one mart (all but the national roll-ups); no maxima. In no
    particular order (RegionSplit orders a region's rows), string columns dictionary-encoded:
    they are a handful of codes, so taking and filtering rows moves integers, not strings.
    With `disclosure`, without the rows it would leave out anyway (`_hidden_rows`;
    `hidden_counts` counts them).

    With the mart's cell keys (`intern` columns), which the disclosure step reads and drops.
    """
    # An intern dimension (doorlooptijden's bron, for the per-bron rebuild) is no cell key.
    cell_keys = [c.name for c in catalog()[spec.name].columns if c.intern and c.role != "dimension"]
    spec = export_spec(spec)
    check_columns(spec.column_names)
    (statement,) = SQL.statements("exportrijen")
    sql = statement.format(
        columns=", ".join(_ident(c) for c in [*spec.column_names, *cell_keys]),
        table=f"{_ident(spec.schema)}.{_ident(spec.name)}",
        filter_column=_ident(_filter_column(spec)),
        weggelaten=_hidden_rows(spec, disclosure, drempel, afronding),
    )
    table = con.execute(sql).to_arrow_table()
    columns = [pc.dictionary_encode(column) if pa.types.is_string(column.type) else column for column in table.columns]
    return pa.Table.from_arrays(columns, names=table.column_names)


def hidden_counts(
    con: duckdb.DuckDBPyConnection, spec: ModelSpec, disclosure: DisclosureSpec, drempel: int, afronding: int | None
) -> tuple[int, int, int]:
    """(rows, count cells, derived figures) that `suppress` would have dropped and emptied in the
    rows read_mart leaves out: every count present there is under the threshold, and a derived
    figure is emptied when its basis is under its threshold or, a percentage, its period is not settled."""
    hidden = _hidden_rows(spec, disclosure, drempel, afronding)
    if hidden == "false":
        return 0, 0, 0
    primary = " + ".join(f"count({_ident(c)})" for c in disclosure.counts)
    derived = []
    for column, basis in disclosure.derived.items():
        cases = " + ".join(f"coalesce({_ident(b)}, 0)" for b in basis) or "0"
        gone = f"{cases} < {drempel * disclosure.factor.get(column, 1)}"
        if column in disclosure.percentages and AFGEREKEND in spec.column_names:
            gone += f" OR NOT coalesce({_ident(AFGEREKEND)}, false)"
        derived.append(f"count(*) FILTER (WHERE {_ident(column)} IS NOT NULL AND ({gone}))")
    (statement,) = SQL.statements("exportrijen_weggelaten")
    sql = statement.format(
        table=f"{_ident(spec.schema)}.{_ident(spec.name)}",
        filter_column=_ident(_filter_column(spec)),
        weggelaten=hidden,
        primair=primary,
        afgeleid=" + ".join(derived) or "0",
    )
    rows, primary_cells, derived_cells = con.execute(sql).fetchone()
    return int(rows), int(primary_cells or 0), int(derived_cells or 0)


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


def built_fingerprints(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """table -> the fingerprint it was last built with (marts/incremental.py), on a read-only connection.

    marts.incremental.recorded() first creates the meta schema, which a read-only connection
    refuses; a warehouse without the table has no fingerprints (the export then always compares
    region by region).
    """
    if not table_exists(con, "meta", "model_inhoud"):
        return {}
    return dict(run_sql(con, "meta/model_vingerafdrukken", fetch=True))


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


def _ranks(column: pa.ChunkedArray | pa.Array) -> tuple[np.ndarray, pa.Array]:
    """Per row the rank of its value among the column's values, nulls last, and the values in rank
    order. Ranks sort as DuckDB's ORDER BY does (strings bytewise, NULLS LAST), so a sort on them
    gives the order the exports were always written in."""
    if len(column) == 0:  # may have no chunks, and combine_chunks cannot make an empty dictionary of dates
        value_type = column.type.value_type if pa.types.is_dictionary(column.type) else column.type
        return np.zeros(0, dtype=np.int64), pa.array([], value_type)
    encoded = column if pa.types.is_dictionary(column.type) else pc.dictionary_encode(column)
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    by_value = pc.array_sort_indices(encoded.dictionary)
    rank = np.empty(len(encoded.dictionary) + 1, dtype=np.int64)
    rank[by_value.to_numpy(zero_copy_only=False)] = np.arange(len(encoded.dictionary))
    rank[-1] = len(encoded.dictionary)  # index -1 (a null): after every value
    indices = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False)
    return rank[indices], encoded.dictionary.take(by_value)


def _key_order(ranks: list[np.ndarray], sizes: list[int]) -> np.ndarray:
    """Row positions sorted by the rank columns (the first the most significant), stable.

    One int64 sort key when the ranks fit (always for the marts: a few codes each), else lexsort.
    """
    if not ranks:
        raise ValueError("no sort key")
    if np.prod([float(n) for n in sizes]) < 2.0**62:
        combined = np.zeros(len(ranks[0]), dtype=np.int64)
        for rank, size in zip(ranks, sizes, strict=True):
            combined *= size
            combined += rank
        return np.argsort(combined, kind="stable")
    return np.lexsort(ranks[::-1])


def _decoded(table: pa.Table) -> pa.Table:
    """The table with its dictionary-encoded columns as plain values: what the files hold."""
    columns = [c.cast(c.type.value_type) if pa.types.is_dictionary(c.type) else c for c in table.columns]
    return pa.Table.from_arrays(columns, names=table.column_names)


class RegionSplit:
    """One disclosed mart in region and key order, with per region the run of its rows.

    The rows come unordered (read_mart); they are sorted once by region and key on integer
    ranks (_ranks: cheaper than DuckDB sorting the strings) and taken once in that order, which
    moves integers only (the strings are dictionary codes). A region's rows are then one run:
    taking them equals filtering the mart by region and sorting by key, without a pass over the
    whole mart per region. caseload and personeel (no region) are sorted by key and filtered by
    the region's organisations; they are small. Rows are taken (fresh buffers), never sliced: a
    slice shares its last bitmap byte with the next region's rows, and the region's digest must
    depend on its own rows only.
    """

    def __init__(self, mart: MartRows) -> None:
        self.spec = mart.spec
        table = mart.disclosure.table
        self.by_region = REGION in table.column_names
        keys = [REGION] if self.by_region else []
        keys += [k for k in self.spec.key if k not in keys]
        ranked = [_ranks(table.column(k)) for k in keys]
        order = _key_order([r for r, _ in ranked], [len(values) + 1 for _, values in ranked])
        self.table = table.take(pa.array(order, pa.int64()))
        self.runs: dict[str, tuple[int, int]] = {}
        if not self.by_region:
            return
        region_rank, names = ranked[0]
        # The region is the most significant key: its ranks ascend along the order, and rows
        # without a region (the last rank) belong to none.
        bounds = np.searchsorted(region_rank[order], np.arange(len(names) + 1)).tolist()
        for name, start, end in zip(names.to_pylist(), bounds[:-1], bounds[1:], strict=True):
            if end > start:
                self.runs[name] = (start, end)

    def rows(self, region: str, organisations: list[str]) -> pa.Table:
        if self.by_region:
            positions = np.arange(*self.runs.get(region, (0, 0)), dtype=np.int64)
        else:
            mask = pc.is_in(self.table.column(ORGANISATION), value_set=pa.array(organisations, pa.string()))
            positions = np.flatnonzero(pc.fill_null(mask, False).to_numpy(zero_copy_only=False))
        return _decoded(self.table.take(pa.array(positions, pa.int64())))


def _check_region_code(region: str) -> None:
    # The code becomes a folder name: nothing that could escape exports/ or hide as a dot file.
    if not SAFE_REGION.fullmatch(region):
        raise ValueError(f"jeugdregio_code {region!r} is not usable as a folder name")


def _version_name(generated_at: datetime, run_id: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9_-]", "_", run_id)[:64] or "run"
    return f"{generated_at:%Y%m%dT%H%M%S%f}Z-{safe}"


@cache
def _code_digest() -> str:
    """This package's code and the writers' versions: a change in how files are made changes every digest."""
    digest = hashlib.sha256(f"{STATE_FORMAT}|duckdb {duckdb.__version__}|pyarrow {pa.__version__}".encode())
    package = Path(__file__).parent
    for path in sorted([*package.glob("*.py"), *package.glob("sql/*.sql")]):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _json(value: object) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str).encode()


def input_digest(
    specs: list[ModelSpec],
    built: dict[str, str],
    settings: dict,
    deliveries: list[dict],
    status: list[dict] | None,
) -> str | None:
    """What the exports are made of, cheaply: None when a mart has no recorded fingerprint."""
    marts_built = {spec.table: built.get(spec.table) for spec in specs}
    if None in marts_built.values():
        return None
    columns = {spec.name: spec.column_names for spec in specs}
    parts = [_code_digest(), marts_built, columns, settings, deliveries, status]
    return hashlib.sha256(b"\n".join(_json(p) for p in parts)).hexdigest()


def region_digest(tables: list[tuple[ModelSpec, pa.Table]], manifest: dict) -> str:
    """Everything a region would publish: each table's rows (Arrow IPC stream, schema included),
    the file metadata, and its manifest without generated_at, run_id and file checksums."""
    digest = hashlib.sha256(_code_digest().encode())
    for spec, rows in tables:
        digest.update(f"\0{spec.name}\0{_metadata_literal(spec)}\0".encode())
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, rows.schema) as stream:
            stream.write_table(rows)
        digest.update(memoryview(sink.getvalue()))
    digest.update(_json(manifest))
    return digest.hexdigest()


def read_state(exports: Path) -> dict:
    """The state the last publication recorded (empty when there is none or it is unreadable)."""
    path = exports / VERSIONS_DIR / STATE_FILE
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) and state.get("formaat") == STATE_FORMAT else {}


def _write_state(exports: Path, state: dict) -> None:
    path = exports / VERSIONS_DIR / STATE_FILE
    tmp = path.with_name(f".{STATE_FILE}.nieuw")
    tmp.write_text(json.dumps(state, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _state_in_force(exports: Path, state: dict) -> bool:
    """Every region link points at the version the state names, and that version is there."""
    recorded = {region: entry.get("versie") for region, entry in state.get("regio", {}).items()}
    if not recorded or _linked_versions(exports) != recorded:
        return False
    return all((exports / VERSIONS_DIR / v / r / MANIFEST).is_file() for r, v in recorded.items())


def _manifest_body(
    settings: dict,
    region: str,
    organisations: list[str],
    deliveries: list[dict],
    status: list[dict] | None,
    files: list[dict],
) -> dict:
    """A region's manifest without generated_at and run_id, its files without checksums.

    Deliveries and delivery news of the region's own organisations only: another region's GI
    delivering a month changes nothing here, and a region learns nothing about organisations
    that do not work in it.
    """
    own = set(organisations)
    return {
        **settings,
        "leveringen": [d for d in deliveries if d["organisatie_code"] in own],
        "aanlevering": None if status is None else [r for r in status if r["organisatie_code"] in own],
        "regio": region,
        "organisaties": organisations,
        "bestanden": files,
    }


def _write_region(
    writer: duckdb.DuckDBPyConnection,
    folder: Path,
    tables: list[tuple[ModelSpec, pa.Table]],
    head: dict,
    body: dict,
) -> int:
    """Write one region's files and manifest; the number of files."""
    folder.mkdir(parents=True)
    files = []
    for (spec, rows), entry in zip(tables, body["bestanden"], strict=True):
        path = folder / entry["bestand"]
        write_parquet(writer, rows, path, spec)
        files.append({**entry, "sha256": sha256_of(path)})
    manifest = {**head, **body, "bestanden": files}
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return len(files)


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


def publish(root: Path, version: str, regions: list[str], unchanged: Iterable[str] = ()) -> None:
    """Switch the links of `regions` to `version`, keep those of `unchanged`, drop every other link, prune.

    Kept: every version a region links to now, and every version linked before this call.
    """
    (root / VERSIONS_DIR).mkdir(parents=True, exist_ok=True)
    before = _linked_versions(root)
    kept = set(unchanged)
    for region in regions:
        _swap_link(root, region, version)
    for region in sorted(set(before) - set(regions) - kept):
        (root / region).unlink()
    keep = {version, *before.values()}
    for entry in sorted((root / VERSIONS_DIR).iterdir()):
        if entry.is_dir() and not entry.is_symlink() and entry.name not in keep:
            shutil.rmtree(entry, ignore_errors=True)


def _skipped(exports: Path, state: dict, start: float) -> ExportSummary:
    regions = sorted(state["regio"])
    entries = [state["regio"][r] for r in regions]
    cells = state.get("cellen", {})
    return ExportSummary(
        version="",
        path=exports,
        regions=regions,
        unchanged=regions,
        skipped=True,
        files=sum(e.get("bestanden", 0) for e in entries),
        rows=sum(e.get("rijen", 0) for e in entries),
        suppressed_rows=sum(e.get("onderdrukte_rijen", 0) for e in entries),
        primary_cells=cells.get("primair", 0),
        complementary_cells=cells.get("complementair", 0),
        derived_cells=cells.get("afgeleid", 0),
        seconds=time.monotonic() - start,
    )


def up_to_date(root: Path, defs: Definitions | None = None) -> bool:
    """Whether the exports in force were published from the marts, deliveries and settings there are now.

    The test `export_regions` makes before it reads anything; on a short read-only connection.
    """
    defs = defs or current_definitions()
    exports = exports_dir(root)
    state = read_state(exports)
    if not state:
        return False
    specs = export_specs()
    with warehouse.connect(root, read_only=True) as con:
        inputs = input_digest(
            specs, built_fingerprints(con), _settings(defs, specs), source_deliveries(con, defs), delivery_status(con)
        )
    return inputs is not None and state.get("invoer") == inputs and _state_in_force(exports, state)


def _settings(defs: Definitions, specs: list[ModelSpec]) -> dict:
    rules = defs.instellingen.onderdrukking
    return {
        "definities_versie": defs.versie,
        "onderdrukking": {
            "drempel": rules.drempel,
            "afronding": rules.afronding,
            "rijsoorten": {spec.name: rules.marts[spec.name].soort for spec in specs},
        },
    }


def export_regions(
    root: Path,
    run_id: str,
    defs: Definitions | None = None,
    generated_at: datetime | None = None,
) -> ExportSummary:
    """Publish the region exports of data dir `root` from its warehouse: only what changed (module docstring)."""
    start = time.monotonic()
    defs = defs or current_definitions()
    rules = defs.instellingen.onderdrukking
    generated_at = generated_at or datetime.now(UTC)
    specs = export_specs()
    exports = exports_dir(root)
    state = read_state(exports)
    settings = _settings(defs, specs)

    # A short read-only connection: everything needed is read into memory, then it closes.
    with warehouse.connect(root, read_only=True) as con:
        deliveries = source_deliveries(con, defs)
        status = delivery_status(con)
        inputs = input_digest(specs, built_fingerprints(con), settings, deliveries, status)
        if inputs is not None and state.get("invoer") == inputs and _state_in_force(exports, state):
            return _skipped(exports, state, start)
        disclosure = {spec.name: DisclosureSpec.for_mart(spec, rules) for spec in specs}
        tables = {s.name: read_mart(con, s, disclosure[s.name], rules.drempel, rules.afronding) for s in specs}
        hidden = {s.name: hidden_counts(con, s, disclosure[s.name], rules.drempel, rules.afronding) for s in specs}

    regions, organisations = regions_and_organisations(tables)
    for region in regions:
        _check_region_code(region)
    disclosed = []
    for spec in specs:
        # Suppression is row by row: no sort here (RegionSplit orders each region's rows).
        result = suppress(tables.pop(spec.name), disclosure[spec.name], rules.drempel, rules.afronding, presorted=True)
        rows, primary, derived = hidden[spec.name]
        result = replace(
            result,
            dropped_rows=result.dropped_rows + rows,
            primary_cells=result.primary_cells + primary,
            derived_cells=result.derived_cells + derived,
        )
        disclosed.append(MartRows(spec, result))
    for mart in disclosed:
        check_columns(mart.disclosure.table.column_names)
    splits = [RegionSplit(mart) for mart in disclosed]

    linked = _linked_versions(exports)
    version = _version_name(generated_at, run_id)
    # The same run id and time again (a retried run): never reuse a version some region still links to.
    base, n = version, 1
    while version in linked.values():
        n += 1
        version = f"{base}-{n}"
    version_dir = exports / VERSIONS_DIR / version
    summary = ExportSummary(version="", path=exports, regions=regions)
    for mart in disclosed:
        summary.primary_cells += mart.disclosure.primary_cells
        summary.complementary_cells += mart.disclosure.complementary_cells
        summary.derived_cells += mart.disclosure.derived_cells
    head = {"generated_at": generated_at.isoformat(), "run_id": run_id}
    previous = state.get("regio", {})
    published: dict[str, dict] = {}

    if version_dir.exists():
        shutil.rmtree(version_dir)  # left by a run that failed: linked by no region
    writers: list[duckdb.DuckDBPyConnection] = []
    local = threading.local()
    lock = threading.Lock()

    def writer() -> duckdb.DuckDBPyConnection:
        """This thread's in-memory DuckDB for COPY, with one thread: the file layout does not depend
        on the machine, so checksums are stable."""
        if not hasattr(local, "con"):
            local.con = duckdb.connect()
            local.con.execute("SET threads = 1")
            with lock:
                writers.append(local.con)
        return local.con

    def region_export(region: str) -> tuple[bool, dict, int]:
        """(changed, its state entry, files written) of one region: digest, and write when it changed."""
        tables_of_region = [(split.spec, split.rows(region, organisations[region])) for split in splits]
        files = [
            {
                "bestand": f"{spec.name}.parquet",
                "mart": spec.name,
                "rijen": rows.num_rows,
                "onderdrukte_rijen": int(pc.sum(pc.cast(rows.column(ONDERDRUKT), pa.int64())).as_py() or 0),
            }
            for spec, rows in tables_of_region
        ]
        body = _manifest_body(settings, region, organisations[region], deliveries, status, files)
        digest = region_digest(tables_of_region, body)
        old = previous.get(region, {})
        changed = not (old.get("inhoud") == digest and linked.get(region) == old.get("versie"))
        written = _write_region(writer(), version_dir / region, tables_of_region, head, body) if changed else 0
        entry = {
            "versie": version if changed else old["versie"],
            "inhoud": digest,
            "bestanden": len(files),
            "rijen": sum(f["rijen"] for f in files),
            "onderdrukte_rijen": sum(f["onderdrukte_rijen"] for f in files),
        }
        return changed, entry, written

    try:
        # Regions in parallel: taking, hashing and COPY release the GIL. Every task ends before
        # the results are looked at, so a failure never leaves a writer behind in the new version.
        with ThreadPoolExecutor(max_workers=max(1, min(len(regions), os.cpu_count() or 1, 4))) as pool:
            futures = [pool.submit(region_export, region) for region in regions]
            wait(futures)
        for region, future in zip(regions, futures, strict=True):
            changed, entry, written = future.result()
            (summary.changed if changed else summary.unchanged).append(region)
            summary.files_written += written
            published[region] = entry
    except BaseException:
        shutil.rmtree(version_dir, ignore_errors=True)
        raise
    finally:
        for con in writers:
            con.close()

    summary.removed = sorted(set(linked) - set(regions))
    if summary.changed:
        summary.version = version
    publish(exports, version, summary.changed, summary.unchanged)
    # Only now, after every link is in place: a crash before this leaves the old state, so the
    # next run compares again and redoes what is missing.
    _write_state(
        exports,
        {
            "formaat": STATE_FORMAT,
            "invoer": inputs,
            "regio": published,
            "cellen": {
                "primair": summary.primary_cells,
                "complementair": summary.complementary_cells,
                "afgeleid": summary.derived_cells,
            },
        },
    )
    summary.files = sum(e["bestanden"] for e in published.values())
    summary.rows = sum(e["rijen"] for e in published.values())
    summary.suppressed_rows = sum(e["onderdrukte_rijen"] for e in published.values())
    summary.seconds = time.monotonic() - start
    return summary


__all__ = [
    "ExportSummary",
    "RegionSplit",
    "built_fingerprints",
    "check_columns",
    "delivery_status",
    "export_regions",
    "export_spec",
    "export_specs",
    "hidden_counts",
    "input_digest",
    "up_to_date",
    "is_maximum",
    "publish",
    "read_mart",
    "read_state",
    "region_digest",
    "regions_and_organisations",
    "source_deliveries",
    "write_parquet",
]
