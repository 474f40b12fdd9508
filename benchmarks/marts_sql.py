"""The marts' SQL alone: `python -m benchmarks.marts_sql WAREHOUSE` (a copy: every model is rebuilt in it).

Builds every model of `marts/` with `marts.runner.build_all` on one DuckDB connection to a
warehouse that a cold build filled (registry, reference data, staging tables, region history),
without Dagster, fingerprints or checks: the work no faster design of the pipeline can skip
when every mart has to be rebuilt. Prints one JSON line: the seconds of build_all, the peak RSS
of this process (the imports included), and the seconds per model.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

import duckdb

from marts.runner import build_all
from sources.definitions import current_definitions


def main(argv: list[str]) -> int:
    path = Path(argv[0])
    defs = current_definitions()  # parsed before the clock starts: the pipeline parses them once per process
    con = duckdb.connect(str(path))
    try:
        start = time.perf_counter()
        built = build_all(con, defs)
        seconds = time.perf_counter() - start
    finally:
        con.close()
    # ru_maxrss is in KiB on Linux.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    models = {b.name: round(b.seconds, 3) for b in built}
    print(json.dumps({"seconds": round(seconds, 3), "peak_rss_bytes": peak, "models": models}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
