"""The benchmark script runs end to end at a tiny scale and reports every stage (benchmarks/run.py)."""

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from benchmarks import run as bench  # noqa: E402


@pytest.mark.slow
def test_benchmark_cold_build_at_demo_scale(tmp_path, capsys):
    out = tmp_path / "bench.json"
    argv = ["--scales", "demo", "--scenarios", "cold", "--repeat", "1", "--snapshots", "1"]
    assert bench.main([*argv, "--cache", str(tmp_path / "cache"), "--json", str(out)]) == 0
    result = json.loads(out.read_text())
    cold = result["scales"]["demo"]["scenarios"]["cold"]
    assert result["cores"] >= 1
    assert cold["deliveries"] == 21 and cold["rows"] > 0 and cold["repetitions"] == 1
    # Every stage of the main job is measured; reports only once that asset group exists.
    assert {"startup", "read", "validate", "stage", "marts", "exports", "dagster"} <= set(cold["stages"])
    for stage in cold["stages"].values():
        assert stage["seconds"] > 0 and stage["peak_rss_bytes"] > 0
    assert cold["wall_s"] > cold["floor_s"] > 0 and cold["ratio_to_floor"] > 1
    assert cold["peak_rss_bytes"] > 0
    # The work dirs are removed; the generated cache stays for the next run.
    assert not (tmp_path / "cache" / "work").exists()
    printed = capsys.readouterr().out
    assert "scale demo" in printed and "x floor" in printed


def test_linearity_exponent():
    def scale(rows: int, seconds: float) -> dict:
        return {
            "rows": rows,
            "scenarios": {"cold": {"rows": rows, "wall_s": seconds, "stages": {"read": {"seconds": seconds}}}},
        }

    result = bench.linearity({"small": scale(1_000, 1.0), "large": scale(100_000, 100.0)})
    assert result["between"] == ["small", "large"]
    assert result["cold"]["exponent"] == {"read": 1.0, "wall": 1.0}
