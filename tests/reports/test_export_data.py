"""Mart (reports/export_data.py) answers as a scan of the file's rows as plain dicts would: the same
rows, in file order, equal to what Table.to_pylist gives, whatever the column types, nulls, a
column the file lacks, several row groups, no rows, or keys too many to number in one integer."""

import random
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from reports.export_data import Mart, _read_mart


def _scan(rows: list[dict], filters: dict) -> list[dict]:
    return [r for r in rows if all(r.get(c) == v for c, v in filters.items())]


def _table(n: int, seed: int = 7) -> pa.Table:
    rnd = random.Random(seed)
    return pa.table(
        {
            "periode_type": pa.array([rnd.choice(["maand", "kwartaal", None]) for _ in range(n)], pa.string()),
            "periode": pa.array([date(2026, rnd.randint(1, 4), 1) for _ in range(n)], pa.date32()),
            "organisatie_code": pa.array([rnd.choice(["TOTAAL", "JBOV", "WSS"]) for _ in range(n)]),
            "aantal": pa.array([rnd.choice([None, 1, 2, 3]) for _ in range(n)], pa.int64()),
            "pct": pa.array([rnd.choice([0.0, -0.0, 12.5, None]) for _ in range(n)], pa.float64()),
            "afgerekend": pa.array([rnd.choice([True, False, None]) for _ in range(n)]),
            "leeg": pa.nulls(n),
        }
    )


QUESTIONS = [
    {},
    {"periode_type": "maand"},
    {"periode_type": None},
    {"periode_type": "kwartaal", "periode": date(2026, 2, 1), "organisatie_code": "TOTAAL"},
    {"periode_type": "maand", "periode": date(2026, 5, 1)},  # a value no row has
    {"aantal": 2, "afgerekend": True},
    {"aantal": None, "organisatie_code": "WSS"},
    {"pct": 0.0},  # -0.0 == 0.0, as a dict lookup finds it
    {"leeg": None, "organisatie_code": "JBOV"},
    {"ontbreekt": None, "periode_type": "maand"},  # a column the file lacks: None in every row
    {"ontbreekt": "x"},
]


def _check(mart: Mart, rows: list[dict]) -> None:
    assert mart.rows == rows and mart.empty == (not rows)
    for filters in QUESTIONS:
        expected = _scan(rows, filters)
        assert mart.where(**filters) == expected, filters
        assert mart.find(**filters) == (expected[0] if expected else None), filters


def test_mart_answers_as_a_scan_of_the_rows():
    table = _table(500)
    _check(Mart(table), table.to_pylist())


def test_a_row_is_the_same_dict_each_time():
    mart = Mart(_table(200))
    first = mart.find(periode_type="maand")
    assert mart.find(periode_type="maand") is first
    assert any(row is first for row in mart.where(periode_type="maand"))


def test_mart_read_from_a_file_with_several_row_groups(tmp_path: Path):
    table = _table(3000).append_column("gemeente_code", pa.array(["TOTAAL", "0153"] * 1500))
    path = tmp_path / "instroom.parquet"
    pq.write_table(table, path, row_group_size=700)  # a dictionary per row group
    mart = _read_mart(path)
    _check(mart, [r for r in table.to_pylist() if r["gemeente_code"] == "TOTAAL"])
    assert all(type(r["periode"]) is date for r in mart.rows)


@pytest.mark.parametrize("rows", [[], [{"a": 1}]])
def test_mart_of_rows_as_dicts(rows: list[dict]):
    _check(Mart(rows), rows)


def test_keys_too_many_for_one_integer():
    # Six columns of 5000 distinct values each: 5000**6 combined keys do not fit in 64 bits.
    n = 5000
    table = pa.table({f"k{i}": [f"{i}-{(j + 37 * i) % n}" for j in range(n)] for i in range(6)})
    mart, rows = Mart(table), table.to_pylist()
    for j in (0, 17, n - 1):
        assert mart.where(**rows[j]) == [rows[j]]
        assert mart.find(**{**rows[j], "k5": rows[j + 1 - n]["k5"]}) is None  # each value there, not together
    assert mart.find(**{**rows[0], "k2": "nergens"}) is None
