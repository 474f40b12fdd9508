"""Random draws: one numpy PCG64 stream per named purpose, and the distributions parameters.yaml describes.

Streams are keyed by a stable name (crc32, never Python's salted hash()), so adding a
region or an organisation does not shift the draws of the others.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence

import numpy as np

from .parameters import Kansdeel


def stream(seed: int, *names: str) -> np.random.Generator:
    """An independent generator for (seed, names)."""
    keys = [zlib.crc32("/".join(names).encode("utf-8"))]
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, *keys])))


def uniform_days(rng: np.random.Generator, bereik: Sequence[float], n: int) -> np.ndarray:
    """Whole days uniform in [lo, hi], both included."""
    lo, hi = int(bereik[0]), int(bereik[1])
    return rng.integers(lo, hi + 1, size=n).astype(np.int32)


def choose(rng: np.random.Generator, mix: Mapping[str, float], n: int, codes: Sequence[str]) -> np.ndarray:
    """Codes drawn from a mix {code: weight} (normalised), as int16 indices into `codes` (a code list)."""
    keys = list(mix)
    weights = np.array([mix[c] for c in keys], dtype=float)
    index = np.array([list(codes).index(c) for c in keys], dtype=np.int16)
    return index[rng.choice(len(keys), size=n, p=weights / weights.sum())]


def piecewise_days(rng: np.random.Generator, delen: Sequence[Kansdeel], n: int, never: int) -> np.ndarray:
    """Days from a piecewise distribution; a part without days yields `never`."""
    weights = np.array([d.kans for d in delen], dtype=float)
    part = rng.choice(len(delen), size=n, p=weights / weights.sum())
    result = np.full(n, never, dtype=np.int64)
    for i, deel in enumerate(delen):
        mask = part == i
        if deel.dagen is not None and mask.any():
            result[mask] = rng.integers(deel.dagen[0], deel.dagen[1] + 1, size=int(mask.sum()))
    return result


def ages(rng: np.random.Generator, weights: Sequence[float], n: int, first: int = 0) -> np.ndarray:
    """Whole years of age drawn from weights per year, starting at `first`."""
    w = np.asarray(weights, dtype=float)
    return first + rng.choice(len(w), size=n, p=w / w.sum())
