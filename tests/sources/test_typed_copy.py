"""The typed copy of an accepted delivery (what staging reads) under contract version 2.

It always holds every contract column, an optional column the delivery left out as all-empty of
its type, and a vervallen code as its replacement (VERHUISD -> OVERGEDRAGEN).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from valid_deliveries import VALID, VALID_V2, csv, deliver

from marts.intake import GEACCEPTEERD, process_delivery
from sources.archive import arrow_schema, as_dates, write_normalised
from sources.definitions import Definitions
from sources.readers import read_delivery

GIM, RVO = "gi_maatregelen", "rvdk_onderzoeken"


def typed_copy(tmp_path: Path, defs: Definitions, bron: str, header: list[str], rows: list[list[str]]) -> pa.Table:
    source = tmp_path / f"{bron}.csv"
    source.write_text(csv(header, rows), encoding="utf-8")
    frame = read_delivery(source, defs.bronnen[bron], defs)
    target = tmp_path / "copy.parquet"
    write_normalised(frame.typed, defs, bron, "JBGL", date(2024, 3, 31), f"JBGL/{bron}/2024-03-31.csv", target)
    return pq.read_table(target)


def test_version_1_delivery_gets_the_optional_columns_empty(tmp_path: Path, defs: Definitions) -> None:
    for bron, column in [(GIM, "datum_start_bij_gi"), (RVO, "datum_spoedverzoek"), (RVO, "verzoeker")]:
        _, header, rows = VALID[bron]
        assert column not in header
        table = typed_copy(tmp_path, defs, bron, header, rows)
        assert table.schema == arrow_schema(defs, bron)
        assert table.column(column).null_count == table.num_rows == 3


def test_version_2_delivery_keeps_the_optional_columns(tmp_path: Path, defs: Definitions) -> None:
    _, header, rows = VALID_V2[GIM]
    table = typed_copy(tmp_path, defs, GIM, header, rows)
    assert table.column("datum_start_bij_gi").to_pylist() == [None, None, date(2024, 2, 1)]
    _, header, rows = VALID_V2[RVO]
    table = typed_copy(tmp_path, defs, RVO, header, rows)
    assert table.column("verzoeker").to_pylist() == ["VEILIG_THUIS", "OM", None]


def test_a_vervallen_code_is_read_as_its_replacement(tmp_path: Path, defs: Definitions) -> None:
    _, header, rows = VALID[GIM]
    rows = [list(r) for r in rows]
    rows[1][header.index("reden_einde")] = "VERHUISD"
    table = typed_copy(tmp_path, defs, GIM, header, rows)
    assert table.column("reden_einde").to_pylist() == [None, "OVERGEDRAGEN", None]


def test_intake_writes_the_typed_copy_of_a_version_1_delivery(tmp_path: Path, defs: Definitions) -> None:
    organisatie, header, rows = VALID[GIM]
    rows = [list(r) for r in rows]
    rows[1][header.index("reden_einde")] = "VERHUISD"
    levering_id = f"{organisatie}/{GIM}/2024-03-31.csv"
    deliver(tmp_path, levering_id, csv(header, rows))
    con = duckdb.connect()
    result = process_delivery(con, tmp_path, defs, levering_id)
    assert result.status == GEACCEPTEERD
    assert [(r.code, r.ernst, r.rijen) for r in result.results] == [("ALG-CODE-W01", "warning", [3])]
    copies = list((tmp_path).rglob("geleverd/**/*.parquet"))
    assert len(copies) == 1
    table = pq.read_table(copies[0])
    assert table.column("datum_start_bij_gi").null_count == 3
    assert table.column("reden_einde").to_pylist() == [None, "OVERGEDRAGEN", None]


def test_dates_are_cast_in_arrow_to_the_same_days() -> None:
    values = pd.Series(np.array(["2024-02-29", "NaT", "1900-03-01", "0001-01-01", "9999-12-31"], dtype="datetime64[s]"))
    expected = [date(2024, 2, 29), None, date(1900, 3, 1), date(1, 1, 1), date(9999, 12, 31)]
    assert as_dates(values).type == pa.date32()
    assert as_dates(values).to_pylist() == expected
    # What the copy wrote before, one Python date at a time.
    assert as_dates(values).equals(pa.array(values.dt.date, pa.date32(), from_pandas=True))
    assert as_dates(values.iloc[:0]).to_pylist() == []


def test_typed_copy_of_mixed_date_forms(tmp_path: Path, defs: Definitions) -> None:
    """D-M-YYYY, ISO and an impossible date (30 February: empty, rule ALG-TYPE-001) in one column."""
    _, header, rows = VALID[GIM]
    rows = [list(r) for r in rows]
    for row, value in zip(rows, ["5-1-2024", "2023-05-01", "30-02-2022"], strict=True):
        row[header.index("datum_uitspraak")] = value
    table = typed_copy(tmp_path, defs, GIM, header, rows)
    assert table.schema == arrow_schema(defs, GIM)
    assert table.column("datum_uitspraak").to_pylist() == [date(2024, 1, 5), date(2023, 5, 1), None]
    assert table.column("datum_einde").to_pylist() == [None, date(2024, 2, 29), None]
    assert table.column("levering_peildatum").to_pylist() == [date(2024, 3, 31)] * 3
    assert table.column("organisatie_code").to_pylist() == ["JBGL"] * 3
    assert table.column("levering_id").to_pylist() == [f"JBGL/{GIM}/2024-03-31.csv"] * 3
