"""rollup_is_som and sleutel_uniek: the quick passes on hashed keys agree with the exact queries (hand-made table)."""

import duckdb
import pytest

from marts.catalog import catalog
from marts.checks import run_check

COLUMNS = "peildatum DATE, organisatie_code VARCHAR, kader VARCHAR, lopende_maatregelen BIGINT, toegewezen BIGINT"


def _table(rows: list[tuple]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(f"CREATE TABLE t ({COLUMNS})")
    con.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?)", rows)
    return con


GOOD = [
    ("2025-01-31", "A", "JB", 3, 2),
    ("2025-01-31", "B", "JB", 4, 1),
    ("2025-01-31", "TOTAAL", "JB", 7, 3),
    # An empty TOTAAL value is not compared.
    ("2025-04-30", "A", "JR", 1, 1),
    ("2025-04-30", "TOTAAL", "JR", 1, None),
]


def test_a_table_that_adds_up_passes():
    outcome = run_check(_table(GOOD), catalog()["caseload"], "rollup_is_som", rows="t")
    assert (outcome.passed, outcome.failures, outcome.examples) == (True, 0, [])


@pytest.mark.parametrize(
    ("extra", "failures"),
    [
        # A TOTAAL one more than its parts: 1 finding (lopende_maatregelen of February).
        ([("2025-02-28", "A", "JB", 5, 1), ("2025-02-28", "TOTAAL", "JB", 6, 1)], 1),
        # Parts that are all empty under a TOTAAL value: the sum is empty, 1 finding (toegewezen).
        ([("2025-02-28", "A", "JB", 5, None), ("2025-02-28", "TOTAAL", "JB", 5, 9)], 1),
        # A TOTAAL without parts: both columns, 2 findings.
        ([("2025-03-31", "TOTAAL", "JR", 2, 2)], 2),
        # Two TOTAAL rows for one key (the key check fails too), one of them wrong: 1 finding, as
        # the exact query compares each TOTAAL row with the sum.
        ([("2025-01-31", "TOTAAL", "JB", 8, 3)], 1),
        # A TOTAAL row with an empty key value finds no parts: 2 findings.
        ([(None, "TOTAAL", "JB", 7, 3)], 2),
    ],
)
def test_a_table_that_does_not_add_up_fails_with_the_exact_count(extra, failures):
    outcome = run_check(_table(GOOD + extra), catalog()["caseload"], "rollup_is_som", rows="t")
    assert (outcome.passed, outcome.failures) == (False, failures)
    assert len(outcome.examples) == failures
    assert {e["kolom"] for e in outcome.examples} <= {"lopende_maatregelen", "toegewezen"}


def test_a_duplicate_key_is_found_past_the_quick_pass():
    spec = catalog()["caseload"]
    assert run_check(_table(GOOD), spec, "sleutel_uniek", rows="t").failures == 0
    outcome = run_check(_table([*GOOD, GOOD[0], GOOD[1], GOOD[1]]), spec, "sleutel_uniek", rows="t")
    # Two keys occur more than once: A (twice) and B (three times).
    assert (outcome.passed, outcome.failures) == (False, 2)
    assert sorted((e["organisatie_code"], e["keer"]) for e in outcome.examples) == [("A", 2), ("B", 3)]
