"""The BSN (burgerservicenummer): its eleven-test and how a supplier's value is normalised.

One implementation for the whole tree: `expectations/bsn.py` uses the eleven-test to find
BSN-like values in a delivery (rule ALG-PRIV-001), `sources/pseudonimisering.py` to accept a
BSN before hashing it (docs/privacy.md), and the synthetic generator to make fake ones.

Eleven-test: for the digits d1..d9, 9*d1 + 8*d2 + 7*d3 + 6*d4 + 5*d5 + 4*d6 + 3*d7 + 2*d8 - 1*d9
is divisible by 11, and the number is not all zeros.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

BSN_WEIGHTS = np.array([9, 8, 7, 6, 5, 4, 3, 2, -1], dtype=np.int64)
# What normalisation removes anywhere in a value: every kind of whitespace (a non-breaking space
# from Excel too), dots and hyphens. Nothing else: a letter or a comma makes the value invalid.
SEPARATORS = r"[\s.\-]"


def eleven_test(digits: np.ndarray) -> np.ndarray:
    """Rows of an (n, 9) digit matrix that pass the BSN eleven-test (all zeros excluded)."""
    total = digits @ BSN_WEIGHTS
    return (total % 11 == 0) & digits.any(axis=1)


def digit_matrix(nine: pa.Array) -> np.ndarray:
    """An array of n strings of nine ASCII digits each as an (n, 9) int64 matrix."""
    nine = pc.cast(nine, pa.large_string())
    if isinstance(nine, pa.ChunkedArray):
        nine = nine.combine_chunks()
    if len(nine) == 0:
        return np.zeros((0, 9), dtype=np.int64)
    first, last = nine.offset, nine.offset + len(nine)
    offsets = np.frombuffer(nine.buffers()[1], dtype=np.int64)[first : last + 1]
    data = np.frombuffer(nine.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    return (data.reshape(-1, 9) - ord("0")).astype(np.int64)


def normaliseer(values: pa.Array | pa.ChunkedArray) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """Normalise supplier BSN values: (nine-digit strings, valid, empty), one entry per value.

    Every space, dot and hyphen is removed; eight digits get their leading zero back (a
    spreadsheet drops it); the result must be nine digits that pass the eleven-test. An empty
    value (missing, or nothing but separators) is `empty`, not invalid: whether a row may go
    without a child is the bron's rule (an anonymous advice request). The returned strings are
    null where the value is empty or invalid.
    """
    values = pc.cast(values, pa.string())
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    stripped = pc.replace_substring_regex(values, SEPARATORS, "")
    empty = pc.fill_null(pc.equal(pc.binary_length(stripped), 0), True).to_numpy(zero_copy_only=False)
    shaped = pc.fill_null(pc.match_substring_regex(stripped, r"^[0-9]{8,9}$"), False)
    candidates = pc.utf8_lpad(pc.filter(stripped, shaped), 9, "0")
    positions = np.flatnonzero(shaped.to_numpy(zero_copy_only=False))
    valid = np.zeros(len(values), dtype=bool)
    valid[positions] = eleven_test(digit_matrix(candidates))
    mask = pa.array(~valid)
    padded = pc.utf8_lpad(pc.if_else(shaped, stripped, pa.scalar("", pa.string())), 9, "0")
    return pc.if_else(mask, pa.scalar(None, pa.string()), padded), valid, empty
