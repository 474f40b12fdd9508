"""The main job, in-process: every inbox delivery, then everything downstream of the deliveries."""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
import duckdb

from marts.intake import GEACCEPTEERD
from marts.registry import processed_versions
from pipelines.definitions import ASSETS, CHECKS, DOWNSTREAM
from pipelines.deliveries import inbox_keys, levering, leveringen_partitions
from pipelines.instance import instance_for
from pipelines.resources import Warehouse
from sources.archive import sha256_of
from sources.definitions import current_definitions
from sources.paths import exports_dir, inbox_dir, reports_dir, warehouse_path

# Our own progress lines say what happens; Dagster's step log stays in its run history.
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


@dataclass
class RunSummary:
    accepted: list[str] = field(default_factory=list)
    quarantined: dict[str, str] = field(default_factory=dict)  # levering_id -> rule codes
    unchanged: list[str] = field(default_factory=list)
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
    """Process the inbox of data dir `root` and rebuild everything downstream, through Dagster."""
    start = time.monotonic()
    summary = RunSummary()
    instance = instance_for(root)
    resources = {"warehouse": Warehouse(data_dir=str(root))}
    inbox = inbox_dir(root)
    keys = inbox_keys(inbox) if inbox.is_dir() else []
    known = set(instance.get_dynamic_partitions(leveringen_partitions.name))
    new = [k for k in keys if k not in known]
    if new:
        instance.add_dynamic_partitions(leveringen_partitions.name, new)
    log(f"Deliveries in {inbox}: {len(keys)} ({len(new)} new)")

    # A file version already processed under these definitions changes nothing: no run for it.
    try:
        with resources["warehouse"].connect() as con:
            done = processed_versions(con, current_definitions())
    except duckdb.IOException as exc:
        # Typically an analyst's open connection: DuckDB allows one writing process.
        log(f"The warehouse cannot be opened for writing: {exc}")
        summary.failed_steps.append("warehouse locked")
        summary.seconds = time.monotonic() - start
        return summary
    for i, key in enumerate(keys, 1):
        earlier = done.get((key, sha256_of(inbox / key)))
        if earlier is not None:
            summary.unchanged.append(key)
            status, codes = earlier
            if status == GEACCEPTEERD:
                summary.accepted.append(key)
            else:
                summary.quarantined[key] = codes.replace(",", ", ")
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
            log(f"  [{i}/{len(keys)}] {key}: FAILED (see the Dagster run log)")
            continue
        meta = _materialization_metadata(result, levering.key)
        if meta.get("status") == GEACCEPTEERD:
            summary.accepted.append(key)
            log(f"  [{i}/{len(keys)}] {key}: accepted")
        else:
            checks = [e for e in result.get_asset_check_evaluations() if e.check_name == "fouten"]
            codes = str(checks[0].metadata["rule_codes"].value) if checks else "?"
            summary.quarantined[key] = codes
            log(f"  [{i}/{len(keys)}] {key}: QUARANTINED ({codes})")

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
    summary.seconds = time.monotonic() - start
    return summary


def format_summary(root: Path, summary: RunSummary) -> str:
    lines = [
        "",
        f"Ketenmonitor run finished in {summary.seconds:.1f} s",
        f"  deliveries accepted:    {len(summary.accepted)}"
        + (f" ({len(summary.unchanged)} unchanged since the last run)" if summary.unchanged else ""),
        f"  deliveries quarantined: {len(summary.quarantined)}",
    ]
    lines += [f"    {k}: {codes}" for k, codes in summary.quarantined.items()]
    lines.append("  tables built:")
    lines += [f"    {name}: {rows} rows" for name, rows in sorted(summary.tables.items())]
    if summary.warnings:
        lines.append("  warnings: " + ", ".join(summary.warnings))
    if summary.failed_checks:
        lines.append("  mart checks FAILED: " + ", ".join(summary.failed_checks))
    if summary.failed_steps:
        lines.append("  FAILED: " + ", ".join(summary.failed_steps))
    lines += [
        f"  warehouse:  {warehouse_path(root)}",
        f"  Data Docs:  {reports_dir(root) / 'data_docs' / 'index.html'}",
        f"  exports:    {exports_dir(root)}/<jeugdregio_code>/ ({len(summary.regions)} regions: "
        f"{', '.join(summary.regions) or 'none'})",
        f"  reports:    {reports_dir(root) / 'regio'}/<jeugdregio_code>.html (one per region)",
        f"  board:      {reports_dir(root) / 'bestuur.html'}",
    ]
    return "\n".join(lines)
