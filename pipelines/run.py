"""The main job, in-process, as one Dagster run: the inbox, staging, the marts, the exports, the reports.

Each of the five steps prints one progress line with its elapsed time (and the deliveries step
one line per delivery it takes in); Dagster's own log lines only with `verbose`.
"""

import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from expectations.rules import safe_text
from exports.regions import up_to_date as exports_up_to_date
from marts import incremental
from marts.intake import GEACCEPTEERD
from marts.runner import staging_up_to_date
from marts.warehouse import WarehouseUnavailable
from pipelines.definitions import ASSETS
from pipelines.deliveries import DATA_DOCS, LEVERINGEN, MISLUKT, ONGEWIJZIGD, TERUG, inbox_unchanged
from pipelines.instance import instance_for, run_lock
from pipelines.marts import AANLEVERING
from pipelines.progress import Progress
from pipelines.reports import BESTUUR, REGIO
from pipelines.resources import Warehouse
from sources.definitions import current_definitions
from sources.paths import exports_dir, reports_dir, warehouse_path


def _run_config(verbose: bool) -> dict:
    # Our own progress lines say what happens; Dagster's step log stays in its run history.
    return {"loggers": {"console": {"config": {"log_level": "DEBUG" if verbose else "ERROR"}}}}


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
    run_id: str | None = None

    @property
    def exit_code(self) -> int:
        """0: all accepted; 2: the pipeline ran but deliveries were quarantined; 1: the pipeline failed."""
        if self.failed_steps or self.failed_checks:
            return 1
        return 2 if self.quarantined else 0


def run_pipeline(root: Path, log: Callable[[str], None] = print, verbose: bool = False) -> RunSummary:
    """Process the inbox of data dir `root` and rebuild what depends on what changed, as one Dagster run.

    One run at a time per data dir: a second one waits for the first (`run_lock`).
    """
    start = time.monotonic()
    with run_lock(root, log):
        summary = _run_pipeline(root, log, verbose)
    summary.seconds = time.monotonic() - start
    return summary


# A run with nothing new: the deliveries step (it names every delivery and records the inbox), the
# delivery monitor and the reports (the board judges today; region reports whose export is unchanged
# are kept). Staging, the other marts and the exports are up to date: their steps are left out, which
# saves their Dagster events (~16 ms each) as well as their checks.
QUIET_RUN = [LEVERINGEN, DATA_DOCS, AANLEVERING, REGIO, BESTUUR]


def nothing_new(root: Path, warehouse: Warehouse) -> bool:
    """Nothing to take in and nothing to rebuild but the delivery monitor: a check before the run."""
    defs = current_definitions()
    with warehouse.connect() as con:
        if not inbox_unchanged(root, defs, con):
            return False
        if not all(staging_up_to_date(con, defs, bron) for bron in defs.bronnen):
            return False
        stale, _ = incremental.stale(con, defs)
        if set(stale) - {"aanlevering"}:  # the delivery monitor judges today: it is in the run anyway
            return False
    return exports_up_to_date(root, defs)


def _metadata(result: dg.ExecuteInProcessResult) -> dict[dg.AssetKey, dict]:
    out = {}
    for event in result.get_asset_materialization_events():
        out[event.asset_key] = {k: v.value for k, v in event.materialization.metadata.items()}
    return out


def _run_pipeline(root: Path, log: Callable[[str], None], verbose: bool) -> RunSummary:
    summary = RunSummary()
    warehouse = Warehouse(data_dir=str(root))
    try:
        # Typically an analyst's open connection: DuckDB allows one writing process. Said before Dagster starts.
        with warehouse.connect():
            pass
    except WarehouseUnavailable as exc:
        log(exc.message)
        summary.failed_steps.append(f"warehouse {exc.reason}")
        return summary
    instance = instance_for(root)
    progress = Progress(log)
    selection = QUIET_RUN if nothing_new(root, warehouse) else None
    if selection:
        log("Nothing new: the delivery monitor and the board only")
    with warnings.catch_warnings():
        if not verbose:
            warnings.simplefilter("ignore")
        result = dg.materialize(
            ASSETS,
            selection=selection,
            instance=instance,
            resources={"warehouse": warehouse, "progress": progress},
            raise_on_error=False,
            run_config=_run_config(verbose),
        )
    summary.run_id = result.run_id
    metadata = _metadata(result)
    intake = progress.intake  # the deliveries as they are named (the metadata shows them as safe_text does)
    for delivery in intake.deliveries if intake else []:
        key = delivery.levering_id
        if delivery.verloop == MISLUKT:
            summary.failed_steps.append(f"levering {key}")
            continue
        if delivery.verloop == ONGEWIJZIGD:
            summary.unchanged.append(key)
        elif delivery.verloop == TERUG:
            summary.restored.append(key)
        if delivery.status == GEACCEPTEERD:
            summary.accepted.append(key)
        else:
            summary.quarantined[key] = ", ".join(delivery.fouten) or "?"
    summary.missing = list(intake.missing) if intake else []
    for key in summary.missing:
        log(
            f"  {safe_text(key)}: in force but no longer in the inbox; it stays in force until a newer "
            "delivery replaces it (its copy is in the archive)"
        )
    failed = [e.step_key for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    summary.failed_steps += [f"step {s}" for s in failed]
    evaluations = [e for e in result.get_asset_check_evaluations() if e.asset_key != LEVERINGEN]
    # A late partner (the WARN freshness check) is news for the board, not a failed pipeline.
    summary.failed_checks = [
        f"{e.asset_key.to_user_string()}: {e.check_name}"
        for e in evaluations
        if not e.passed and e.severity == dg.AssetCheckSeverity.ERROR
    ]
    summary.warnings = [
        f"{e.asset_key.to_user_string()}: {e.check_name}"
        for e in evaluations
        if not e.passed and e.severity == dg.AssetCheckSeverity.WARN
    ]
    if result.success and not summary.regions:  # the exports step was not in the run: the regions in force
        exports = exports_dir(root)
        links = exports.iterdir() if exports.is_dir() else []
        summary.regions = sorted(p.name for p in links if p.is_symlink() and not p.name.startswith("."))
    for key, meta in metadata.items():
        if "region_codes" in meta:
            summary.regions = [r for r in str(meta["region_codes"]).split(", ") if r]
        if "rows" in meta and "table" in meta and meta.get("rebuilt", True):
            summary.tables[key.to_user_string()] = int(meta["rows"])
    return summary


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
