"""The main job, in-process, as one Dagster run: the inbox, staging, the marts, the exports, the reports.

Each of the five steps prints one progress line with its elapsed time (and the deliveries step
one line per delivery it takes in); Dagster's own log lines only with `verbose`.

First pipelines/precheck.py looks whether there is anything to do. Nothing new: the quiet run
(`quiet_run`). Nothing new and the delivery monitor, the reports and the board already made for
today from what is there now: no Dagster run at all, one line and the summary; Dagster (with its
dependencies ~2 s to import) is then not even imported, nor is the Dagster instance opened.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from expectations.rules import safe_text
from marts.intake import GEACCEPTEERD
from marts.warehouse import WarehouseUnavailable
from pipelines import precheck
from pipelines.lock import run_lock
from sources.definitions import current_definitions
from sources.paths import exports_dir, reports_dir, warehouse_path

if TYPE_CHECKING:
    import dagster as dg


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
    run_id: str | None = None  # None: no Dagster run (nothing to do)

    @property
    def exit_code(self) -> int:
        """0: all accepted; 2: the pipeline ran but deliveries were quarantined; 1: the pipeline failed."""
        if self.failed_steps or self.failed_checks:
            return 1
        return 2 if self.quarantined else 0


def run_pipeline(root: Path, log: Callable[[str], None] = print, verbose: bool = False) -> RunSummary:
    """Process the inbox of data dir `root` and rebuild what depends on what changed, as one Dagster run
    (none when there is nothing to do: pipelines/precheck.py).

    One run at a time per data dir: a second one waits for the first (`run_lock`).
    """
    start = time.monotonic()
    with run_lock(root, log):
        verdict = precheck.check(root, current_definitions())
        if verdict.up_to_date:
            summary = _nothing_to_do(root, verdict, log)
        else:
            summary = _run_pipeline(root, log, verbose, quiet=verdict.nothing_new)
    summary.seconds = time.monotonic() - start
    return summary


def quiet_run() -> list[dg.AssetKey]:
    """The run with nothing new: the deliveries step (it names every delivery and records the inbox), the
    delivery monitor and the reports (the board judges today; region reports whose export is unchanged
    are kept). Staging, the other marts and the exports are up to date: their steps are left out, which
    saves their Dagster events (~16 ms each) as well as their checks."""
    from pipelines.deliveries import DATA_DOCS, LEVERINGEN
    from pipelines.marts import AANLEVERING
    from pipelines.reports import BESTUUR, REGIO

    return [LEVERINGEN, DATA_DOCS, AANLEVERING, REGIO, BESTUUR]


def _regions_in_force(root: Path) -> list[str]:
    exports = exports_dir(root)
    links = exports.iterdir() if exports.is_dir() else []
    return sorted(p.name for p in links if p.is_symlink() and not p.name.startswith("."))


def _log_missing(summary: RunSummary, log: Callable[[str], None]) -> None:
    for key in summary.missing:
        log(
            f"  {safe_text(key)}: in force but no longer in the inbox; it stays in force until a newer "
            "delivery replaces it (its copy is in the archive)"
        )


def _nothing_to_do(root: Path, verdict: precheck.Verdict, log: Callable[[str], None]) -> RunSummary:
    """The summary the quiet run would give, from the registry, without a run: every inbox file is a
    version processed before (`unchanged`), with its verdict then."""
    when = f"{verdict.made_at[:16].replace('T', ' ')} UTC" if verdict.made_at else "an earlier run"
    run = f" (run {verdict.run_id})" if verdict.run_id else ""
    log(f"Nothing new since the run of {when}{run}: the figures, exports and reports are up to date; nothing to do")
    summary = RunSummary()
    for key, (status, codes) in verdict.deliveries.items():
        summary.unchanged.append(key)
        if status == GEACCEPTEERD:
            summary.accepted.append(key)
        else:
            summary.quarantined[key] = ", ".join(c for c in codes.split(",") if c) or "?"
    summary.missing = list(verdict.missing)
    _log_missing(summary, log)
    summary.regions = _regions_in_force(root)
    return summary


def _metadata(result: dg.ExecuteInProcessResult) -> dict[dg.AssetKey, dict]:
    out = {}
    for event in result.get_asset_materialization_events():
        out[event.asset_key] = {k: v.value for k, v in event.materialization.metadata.items()}
    return out


def _run_pipeline(root: Path, log: Callable[[str], None], verbose: bool, quiet: bool) -> RunSummary:
    # Dagster only now: there is something to run.
    import dagster as dg

    from pipelines.definitions import ASSETS
    from pipelines.deliveries import LEVERINGEN, MISLUKT, ONGEWIJZIGD, TERUG
    from pipelines.instance import instance_for
    from pipelines.progress import Progress
    from pipelines.resources import Warehouse

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
    selection = quiet_run() if quiet else None
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
    _log_missing(summary, log)
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
        summary.regions = _regions_in_force(root)
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
