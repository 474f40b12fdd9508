"""Recognise values that look like a BSN (burgerservicenummer), vectorised.

A value looks like a BSN when, trimmed, it is nine digits, optionally with a single
separator (space, dot or hyphen) between digits, and the digits pass the eleven-test:
9*d1 + 8*d2 + ... + 2*d8 - 1*d9 is divisible by 11 (and the number is not all zeros).
The eleven-test itself lives in sources/bsn.py, the one implementation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sources.bsn import BSN_WEIGHTS, digit_matrix, eleven_test

__all__ = ["BSN_WEIGHTS", "eleven_test", "looks_like_bsn"]
_SHAPE = r"^[0-9]([ .-]?[0-9]){8}$"
_SEPARATORS = r"[ .-]"
# Nine digits, eight separators and some Unicode whitespace around them, in UTF-8 bytes.
_MAX_BYTES = 40


def _as_arrow_strings(series: pd.Series) -> pa.ChunkedArray:
    if not isinstance(series.dtype, pd.StringDtype) or series.dtype.storage != "pyarrow":
        series = series.astype(pd.StringDtype("pyarrow"))
    array = pa.array(series)
    return array if isinstance(array, pa.ChunkedArray) else pa.chunked_array([array])


def looks_like_bsn(series: pd.Series) -> pd.Series:
    """True where the value looks like a BSN; False elsewhere (also for missing values)."""
    result = np.zeros(len(series), dtype=bool)
    if len(series) == 0:
        return pd.Series(result, index=series.index, dtype=bool)
    values = pc.ascii_trim_whitespace(_as_arrow_strings(series))
    # A cheap length test spares the regex most values (a 64-character pseudonym, a date).
    length = pc.binary_length(values)
    plausible = pc.fill_null(pc.and_(pc.greater_equal(length, 9), pc.less_equal(length, _MAX_BYTES)), False)
    positions = np.flatnonzero(plausible.to_numpy(zero_copy_only=False))
    if len(positions):
        candidates = pc.utf8_trim_whitespace(pc.filter(values, plausible))  # e.g. a non-breaking space
        shaped = pc.match_substring_regex(candidates, _SHAPE).to_numpy(zero_copy_only=False)
        positions, values = positions[shaped], pc.filter(candidates, shaped)
    if len(positions):
        stripped = pc.replace_substring_regex(values, _SEPARATORS, "")
        # Every candidate is nine ASCII digits now: read the value bytes as one (n, 9) matrix.
        result[positions] = eleven_test(digit_matrix(stripped))
    return pd.Series(result, index=series.index, dtype=bool)
