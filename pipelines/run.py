"""The main job, in-process: every inbox delivery, then everything downstream of the deliveries."""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from expectations.rules import safe_text
from marts.intake import GEACCEPTEERD, inbox_file
from marts.registry import current_deliveries, inbox_state, processed_versions, record_inbox
from marts.warehouse import WarehouseUnavailable
from pipelines.definitions import ASSETS, CHECKS, DOWNSTREAM
from pipelines.deliveries import inbox_keys, levering, leveringen_partitions
from pipelines.instance import instance_for, run_lock
from pipelines.resources import Warehouse
from sources.archive import sha256_of
from sources.definitions import Definitions, current_definitions
from sources.paths import exports_dir, inbox_dir, reports_dir, warehouse_path

# Our own progress lines say what happens; Dagster's step log stays in its run history.
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


@dataclass
class RunSummary:
    accepted: list[str] = field(default_factory=list)
    quarantined: dict[str, str] = field(default_factory=dict)  # levering_id -> rule codes
    unchanged: list[str] = field(default_factory=list)
    # Put back: a version processed before under this name, but not the one last seen there.
    restored: list[str] = field(default_factory=list)
    # In force, but no longer in the inbox (a removed file withdraws nothing).
    missing: list[str] = field(default_factory=list)
    tables: dict[str, int] = field(default_factory=dict)
    failed_steps: list[str] = field(default_factory=list)
    failed_checks: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def exit_code(self) -> int:
        """0: all accepted; 2: the pipeline ran but deliveries were quarantined; 1: the pipeline failed."""
        if self.failed_steps or self.failed_checks:
            return 1
        return 2 if self.quarantined else 0


def _materialization_metadata(result: dg.ExecuteInProcessResult, key: dg.AssetKey) -> dict:
    for event in result.get_asset_materialization_events():
        if event.asset_key == key:
            return {k: v.value for k, v in event.materialization.metadata.items()}
    return {}


def run_pipeline(root: Path, log: Callable[[str], None] = print) -> RunSummary:
    """Process the inbox of data dir `root` and rebuild everything downstream, through Dagster.

    One run at a time per data dir: a second one waits for the first (`run_lock`).
    """
    start = time.monotonic()
    with run_lock(root, log):
        summary = _run_pipeline(root, log)
    summary.seconds = time.monotonic() - start
    return summary


def _hash_inbox(inbox: Path, keys: list[str], summary: RunSummary, log: Callable[[str], None]) -> dict[str, str]:
    """levering_id -> sha256 of every inbox file; a file that cannot be read fails its own step only."""
    versions = {}
    for key in keys:
        try:
            versions[key] = sha256_of(inbox_file(inbox, key))
        except OSError as exc:
            summary.failed_steps.append(f"levering {key}")
            log(f"  {safe_text(key)}: FAILED, cannot be read ({exc.strerror or exc})")
    return versions


def _run_pipeline(root: Path, log: Callable[[str], None]) -> RunSummary:
    summary = RunSummary()
    instance = instance_for(root)
    resources = {"warehouse": Warehouse(data_dir=str(root))}
    defs = current_definitions()
    inbox = inbox_dir(root)
    keys = inbox_keys(inbox) if inbox.is_dir() else []
    known = set(instance.get_dynamic_partitions(leveringen_partitions.name))
    new = [k for k in keys if k not in known]
    if new:
        instance.add_dynamic_partitions(leveringen_partitions.name, new)
    log(f"Deliveries in {inbox}: {len(keys)} ({len(new)} new)")
    versions = _hash_inbox(inbox, keys, summary, log)

    # A file version already processed under these definitions changes nothing: no run for it.
    # What the inbox holds now is recorded first: the version under each name decides which
    # delivery is in force (an earlier version put back is in force again).
    try:
        with resources["warehouse"].connect() as con:
            done = processed_versions(con, defs)
            last_seen = inbox_state(con)
            record_inbox(con, versions)
    except WarehouseUnavailable as exc:
        # Typically an analyst's open connection: DuckDB allows one writing process.
        log(exc.message)
        summary.failed_steps.append(f"warehouse {exc.reason}")
        return summary
    for i, key in enumerate(keys, 1):
        if key not in versions:
            continue
        sha256 = versions[key]
        earlier = done.get((key, sha256))
        if earlier is not None:
            status, codes = earlier
            codes = codes.replace(",", ", ")
            restored = last_seen.get(key, sha256) != sha256
            (summary.restored if restored else summary.unchanged).append(key)
            if status == GEACCEPTEERD:
                summary.accepted.append(key)
            else:
                summary.quarantined[key] = codes
            if restored and status == GEACCEPTEERD:
                log(f"  [{i}/{len(keys)}] {safe_text(key)}: accepted (an earlier version, back in force)")
            elif restored:
                log(f"  [{i}/{len(keys)}] {safe_text(key)}: QUARANTINED ({codes}; an earlier version, rejected before)")
            continue
        result = dg.materialize(
            [levering],
            partition_key=key,
            instance=instance,
            resources=resources,
            raise_on_error=False,
            run_config=QUIET,
        )
        if not result.success:
            summary.failed_steps.append(f"levering {key}")
            log(f"  [{i}/{len(keys)}] {safe_text(key)}: FAILED (see the Dagster run log)")
            continue
        meta = _materialization_metadata(result, levering.key)
        if meta.get("status") == GEACCEPTEERD:
            summary.accepted.append(key)
            log(f"  [{i}/{len(keys)}] {safe_text(key)}: accepted")
        else:
            checks = [e for e in result.get_asset_check_evaluations() if e.check_name == "fouten"]
            codes = str(checks[0].metadata["rule_codes"].value) if checks else "?"
            summary.quarantined[key] = codes
            log(f"  [{i}/{len(keys)}] {safe_text(key)}: QUARANTINED ({codes})")

    _report_missing(resources["warehouse"], defs, set(keys), summary, log)

    log("Building reference data, staging, Data Docs, the marts, the region exports and the reports ...")
    result = dg.materialize(
        [*ASSETS, *CHECKS],
        selection=DOWNSTREAM,
        instance=instance,
        resources=resources,
        raise_on_error=False,
        run_config=QUIET,
    )
    if not result.success:
        summary.failed_steps.append("downstream")
    # A late partner (the WARN freshness check) is news for the board, not a failed pipeline.
    summary.failed_checks = [
        f"{e.asset_key.to_user_string()}: {e.check_name}"
        for e in result.get_asset_check_evaluations()
        if not e.passed and e.severity == dg.AssetCheckSeverity.ERROR
    ]
    summary.warnings = [
        f"{e.asset_key.to_user_string()}: {e.check_name}"
        for e in result.get_asset_check_evaluations()
        if not e.passed and e.severity == dg.AssetCheckSeverity.WARN
    ]
    for event in result.get_asset_materialization_events():
        meta = event.materialization.metadata
        if "region_codes" in meta:
            summary.regions = [r for r in str(meta["region_codes"].value).split(", ") if r]
        if "rows" in meta:
            summary.tables[event.asset_key.to_user_string()] = int(meta["rows"].value)
    return summary


def _report_missing(
    warehouse: Warehouse, defs: Definitions, in_inbox: set[str], summary: RunSummary, log: Callable[[str], None]
) -> None:
    """Say which deliveries in force are no longer in the inbox: they stay in force (see docs/analysts.md)."""
    try:
        with warehouse.connect() as con:
            current = [row for bron in defs.bronnen for row in current_deliveries(con, defs, bron)]
    except WarehouseUnavailable as exc:
        log(exc.message)
        summary.failed_steps.append(f"warehouse {exc.reason}")
        return
    summary.missing = sorted({levering_id for _, _, levering_id, _, _ in current} - in_inbox)
    for key in summary.missing:
        log(
            f"  {safe_text(key)}: in force but no longer in the inbox; it stays in force until a newer "
            "delivery replaces it (its copy is in the archive)"
        )


def format_summary(root: Path, summary: RunSummary) -> str:
    lines = [
        "",
        f"Ketenmonitor run finished in {summary.seconds:.1f} s",
        f"  deliveries accepted:    {len(summary.accepted)}"
        + (f" ({len(summary.unchanged)} unchanged since the last run)" if summary.unchanged else ""),
        f"  deliveries quarantined: {len(summary.quarantined)}",
    ]
    lines += [f"    {safe_text(k)}: {codes}" for k, codes in summary.quarantined.items()]
    if summary.restored:
        lines.append("  earlier versions put back (the accepted ones are in force again):")
        lines += [f"    {safe_text(k)}" for k in summary.restored]
    if summary.missing:
        lines.append("  in force but no longer in the inbox (they stay in force):")
        lines += [f"    {safe_text(k)}" for k in summary.missing]
    lines.append("  tables built:")
    lines += [f"    {name}: {rows} rows" for name, rows in sorted(summary.tables.items())]
    if summary.warnings:
        lines.append("  warnings: " + ", ".join(summary.warnings))
    if summary.failed_checks:
        lines.append("  mart checks FAILED: " + ", ".join(summary.failed_checks))
    if summary.failed_steps:
        lines.append("  FAILED: " + ", ".join(map(safe_text, summary.failed_steps)))
    lines += [
        f"  warehouse:  {warehouse_path(root)}",
        f"  Data Docs:  {reports_dir(root) / 'data_docs' / 'index.html'}",
        f"  exports:    {exports_dir(root)}/<jeugdregio_code>/ ({len(summary.regions)} regions: "
        f"{', '.join(summary.regions) or 'none'})",
        f"  reports:    {reports_dir(root) / 'regio'}/<jeugdregio_code>.html (one per region)",
        f"  board:      {reports_dir(root) / 'bestuur.html'}",
    ]
    return "\n".join(lines)
