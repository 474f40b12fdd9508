"""Who and where: regions and municipalities with their weights, which organisation serves whom, the children.

Everything here is derived from the reference data in definitions/ (gemeenten.csv,
organisaties.csv, werkgebieden.csv) plus the weights in parameters.yaml, so a region,
municipality or organisation a user adds to the CSVs is picked up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sources.bsn import BSN_WEIGHTS
from sources.definitions import Definitions
from sources.pseudonimisering import TEST_SLEUTEL
from sources.pseudonimisering import kind_ids as kind_id_hashes

from .dates import NAT, dag
from .parameters import Parameters

_FAR_PAST, _FAR_FUTURE = -(10**6), 10**6


@dataclass(frozen=True)
class Gemeenten:
    """Municipalities, ordered so that a merged municipality sits where its predecessors were.

    A child keeps one uniform number `u`; its municipality on a date is found in the
    cumulative weights of its region's municipalities valid on that date. Because a
    successor takes its predecessors' place in the order (and about their weight), a
    child in a merged municipality ends up in the successor after the merger.
    """

    codes: np.ndarray  # str
    regio: np.ndarray  # region index
    gewicht: np.ndarray
    van: np.ndarray  # first valid day
    tot: np.ndarray  # last valid day

    @classmethod
    def build(cls, defs: Definitions, params: Parameters, regio_index: dict[str, int]) -> Gemeenten:
        rows = defs.gemeenten
        van = {g.gemeente_code: dag(g.geldig_van) if g.geldig_van else _FAR_PAST for g in rows}
        tot = {g.gemeente_code: dag(g.geldig_tot) if g.geldig_tot else _FAR_FUTURE for g in rows}
        # Group a successor with the municipalities of its region that ended the day before it began.
        group = {g.gemeente_code: g.gemeente_code for g in rows}
        for s in rows:
            if s.geldig_van is None:
                continue
            members = [s.gemeente_code] + [
                p.gemeente_code
                for p in rows
                if p.jeugdregio_code == s.jeugdregio_code and tot[p.gemeente_code] == van[s.gemeente_code] - 1
            ]
            key = min(group[m] for m in members)
            for m in members:
                group[m] = key
        order = sorted(rows, key=lambda g: (group[g.gemeente_code], van[g.gemeente_code], g.gemeente_code))
        inwoners = params.regio.inwoners
        return cls(
            codes=np.array([g.gemeente_code for g in order], dtype=object),
            regio=np.array([regio_index[g.jeugdregio_code] for g in order], dtype=np.int32),
            gewicht=np.array([inwoners.get(g.gemeente_code, params.regio.standaard_inwoners) for g in order]),
            van=np.array([van[g.gemeente_code] for g in order], dtype=np.int64),
            tot=np.array([tot[g.gemeente_code] for g in order], dtype=np.int64),
        )

    def op(self, regio: np.ndarray, dagen: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Index of the municipality of each (region, day, uniform) valid on that day."""
        result = np.zeros(len(regio), dtype=np.int32)
        bounds = np.unique(np.concatenate([self.van[self.van > _FAR_PAST], self.tot[self.tot < _FAR_FUTURE] + 1]))
        epoch = np.searchsorted(bounds, dagen, side="right")
        for r in np.unique(regio):
            in_r = regio == r
            for e in np.unique(epoch[in_r]):
                mask = in_r & (epoch == e)
                probe = bounds[e - 1] if e > 0 else _FAR_PAST
                valid = np.flatnonzero((self.regio == r) & (self.van <= probe) & (self.tot >= probe))
                if len(valid) == 0:  # a region without a valid municipality then: any of its municipalities
                    valid = np.flatnonzero(self.regio == r)
                cum = np.cumsum(self.gewicht[valid])
                pick = np.searchsorted(cum / cum[-1], u[mask], side="right")
                result[mask] = valid[np.minimum(pick, len(valid) - 1)]
        return result


@dataclass(frozen=True)
class Netwerk:
    """Regions, their weights, and which organisations serve them (werkgebieden.csv)."""

    regios: list[str]
    gewicht: np.ndarray  # inhabitants x regio_factor
    gemeenten: Gemeenten
    gi: list[str]
    gi_kans: dict[str, np.ndarray]  # kader -> (region x GI) probabilities; zero row = no GI
    vt: list[str]
    vt_kans: np.ndarray  # (region x VT org)
    rvdk: list[str]
    rvdk_kans: np.ndarray

    @classmethod
    def build(cls, defs: Definitions, params: Parameters, peil: date) -> Netwerk:
        regios = defs.jeugdregio_codes
        index = {r: i for i, r in enumerate(regios)}
        gemeenten = Gemeenten.build(defs, params, index)
        today = dag(peil)
        current = (gemeenten.van <= today) & (gemeenten.tot >= today)
        inwoners = np.bincount(gemeenten.regio[current], weights=gemeenten.gewicht[current], minlength=len(regios))
        factor = np.array([params.regio.factor.get(r, 1.0) for r in regios])
        by_type: dict[str, list[str]] = {}
        for org in defs.organisaties:
            by_type.setdefault(org.organisatie_type, []).append(org.organisatie_code)
        serves = {(w.organisatie_code, w.jeugdregio_code) for w in defs.werkgebieden}

        def equal_split(codes: list[str]) -> np.ndarray:
            m = np.array([[1.0 if (c, r) in serves else 0.0 for c in codes] for r in regios]).reshape(len(regios), -1)
            totals = m.sum(axis=1, keepdims=True)
            return np.divide(m, totals, out=np.zeros_like(m), where=totals > 0)

        gi = sorted(by_type.get("GI", []))
        gi_kans = {}
        for kader, national in params.organisaties.landelijke_gi.items():
            m = np.zeros((len(regios), len(gi)))
            for ri, r in enumerate(regios):
                here = [c for c in gi if (c, r) in serves]
                fixed = {c: national[c] for c in here if c in national}
                regional = [c for c in here if c not in national]
                rest = max(0.0, 1.0 - sum(fixed.values()))
                for c in here:
                    m[ri, gi.index(c)] = fixed[c] if c in fixed else rest / len(regional)
                if m[ri].sum() > 0:
                    m[ri] /= m[ri].sum()
            gi_kans[kader] = m
        vt = sorted(by_type.get("VT", []))
        rvdk = sorted(by_type.get("RVDK", []))
        return cls(
            regios=regios,
            gewicht=inwoners * factor,
            gemeenten=gemeenten,
            gi=gi,
            gi_kans=gi_kans,
            vt=vt,
            vt_kans=equal_split(vt),
            rvdk=rvdk,
            rvdk_kans=equal_split(rvdk),
        )

    def aandeel(self, kans: np.ndarray) -> np.ndarray:
        """Each region's share of a national volume, over the regions an organisation serves."""
        w = np.where(kans.sum(axis=1) > 0, self.gewicht, 0.0)
        return w / w.sum() if w.sum() > 0 else w

    @staticmethod
    def kies(rng: np.random.Generator, kans: np.ndarray, regio: np.ndarray) -> np.ndarray:
        """An organisation index per record, drawn from its region's row; -1 when none serves it."""
        if kans.shape[1] == 0:
            return np.full(len(regio), -1, dtype=np.int32)
        cum = np.cumsum(kans, axis=1)[regio]
        pick = (rng.random(len(regio))[:, None] >= cum).sum(axis=1)
        return np.where(kans[regio].sum(axis=1) > 0, np.minimum(pick, kans.shape[1] - 1), -1).astype(np.int32)


def fake_bsns(rng: np.random.Generator, n: int, voorloopnul: float = 0.0) -> np.ndarray:
    """n distinct numbers below 10^9 that pass the BSN eleven-test (random, so fake); a share
    `voorloopnul` of them starts with a zero (nine digits with the zero, eight without)."""
    found = np.zeros(0, dtype=np.int64)
    while len(found) < n:
        k = int((n - len(found)) * 1.25) + 16
        zero = rng.random(k) < voorloopnul
        # The first eight digits; with one leading zero, seven (one zero only: 8 digits on a spreadsheet
        # are read back with their zero, 7 would not be a BSN).
        prefix = np.where(
            zero, rng.integers(1_000_000, 10_000_000, size=k), rng.integers(10_000_000, 100_000_000, size=k)
        )
        digits = (prefix[:, None] // 10 ** np.arange(7, -1, -1)) % 10
        # The check digit makes the weighted sum divisible by 11 (sources/bsn.py); 10 has no digit.
        check = (digits @ BSN_WEIGHTS[:8]) % 11
        candidates = prefix[check < 10] * 10 + check[check < 10]
        merged = np.concatenate([found, candidates])
        _, first = np.unique(merged, return_index=True)
        found = merged[np.sort(first)]
    return found[:n]


def bsn_text(bsns: np.ndarray) -> np.ndarray:
    """BSNs as nine-digit strings, leading zero included (what pseudonymisation hashes)."""
    return np.char.zfill(bsns.astype("U9"), 9)


class Kinderen:
    """The children of the simulation: birth day, region and a uniform number fixing their municipality.

    A child moves at most once: from `verhuisdag` on it lives in `regio_na`, its municipality
    fixed by `u_na` (NAT: it never moves). `verhuizing_getrokken` marks children whose move
    was drawn, so that a child met again (a sibling, a later record) keeps its one move.
    """

    def __init__(self, min_geboortedag: int) -> None:
        self.min_geboortedag = min_geboortedag
        self.geboortedag = np.zeros(0, dtype=np.int32)
        self.regio = np.zeros(0, dtype=np.int32)
        self.u = np.zeros(0)
        self.verhuisdag = np.zeros(0, dtype=np.int64)
        self.regio_na = np.zeros(0, dtype=np.int32)
        self.u_na = np.zeros(0)
        self.verhuizing_getrokken = np.zeros(0, dtype=bool)
        # (kind_id, BSN) of the children that appear in a delivery, set by kind_ids().
        self.pseudoniemen: tuple[pa.Array, pa.Array] | None = None

    def __len__(self) -> int:
        return len(self.geboortedag)

    def add(
        self, rng: np.random.Generator, regio: np.ndarray, geboortedag: np.ndarray, raise_: bool = True
    ) -> np.ndarray:
        """Register children and return their indices.

        With `raise_`, a birth day before min_geboortedag is raised into that year, so that
        every delivery passes the geboortejaar rules (see parameters.yaml); callers drop
        records that would then precede the birth. Without it, callers drop those children.
        """
        late = (geboortedag < self.min_geboortedag) & raise_
        raised = self.min_geboortedag + rng.integers(0, 365, size=len(regio))
        start = len(self)
        self.geboortedag = np.concatenate([self.geboortedag, np.where(late, raised, geboortedag).astype(np.int32)])
        self.regio = np.concatenate([self.regio, regio.astype(np.int32)])
        self.u = np.concatenate([self.u, rng.random(len(regio))])
        self.verhuisdag = np.concatenate([self.verhuisdag, np.full(len(regio), NAT, dtype=np.int64)])
        self.regio_na = np.concatenate([self.regio_na, regio.astype(np.int32)])
        self.u_na = np.concatenate([self.u_na, self.u[start:]])
        self.verhuizing_getrokken = np.concatenate([self.verhuizing_getrokken, np.zeros(len(regio), dtype=bool)])
        return np.arange(start, len(self), dtype=np.int64)

    def trek_verhuizingen(
        self,
        rng: np.random.Generator,
        kind: np.ndarray,
        vanaf: np.ndarray,
        per_jaar: float,
        andere_regio: float,
        regio_gewicht: np.ndarray,
        horizon: int,
    ) -> None:
        """Draw each child's move (once): an exponential wait from `vanaf` at `per_jaar`; kept when <= horizon."""
        kind = np.asarray(kind, dtype=np.int64)
        new = ~self.verhuizing_getrokken[kind]
        # A child listed twice draws once: its first occurrence.
        _, first = np.unique(kind, return_index=True)
        once = np.zeros(len(kind), dtype=bool)
        once[first] = True
        kind, vanaf = kind[new & once], np.asarray(vanaf, dtype=np.int64)[new & once]
        n = len(kind)
        self.verhuizing_getrokken[kind] = True
        if n == 0 or per_jaar <= 0:
            return
        wait = rng.exponential(365.25 / -np.log1p(-per_jaar), n)
        dag_ = vanaf + np.ceil(wait).astype(np.int64)
        leave = rng.random(n) < andere_regio
        # Another region by weight, never the own one: draw among the others.
        w = np.asarray(regio_gewicht, dtype=float)
        cum = np.cumsum(w) / w.sum()
        target = np.minimum(np.searchsorted(cum, rng.random(n), side="right"), len(w) - 1).astype(np.int32)
        own = self.regio[kind]
        clash = target == own
        target[clash] = (own[clash] + 1 + rng.integers(0, max(len(w) - 1, 1), int(clash.sum()))) % len(w)
        u_na = rng.random(n)
        moves = dag_ <= horizon
        if len(w) < 2:
            leave[:] = False
        k = kind[moves]
        self.verhuisdag[k] = dag_[moves]
        self.regio_na[k] = np.where(leave, target, own)[moves]
        self.u_na[k] = u_na[moves]

    def kopieer_verhuizing(self, van: np.ndarray, naar: np.ndarray) -> None:
        """Siblings move together: `naar` gets the move of `van`."""
        self.verhuisdag[naar] = self.verhuisdag[van]
        self.regio_na[naar] = self.regio_na[van]
        self.u_na[naar] = self.u_na[van]
        self.verhuizing_getrokken[naar] = self.verhuizing_getrokken[van]

    def regio_op(self, kind: np.ndarray, dagen: np.ndarray) -> np.ndarray:
        """The child's region on each day."""
        return np.where(dagen >= self.verhuisdag[kind], self.regio_na[kind], self.regio[kind]).astype(np.int32)

    def kind_ids(self, rng: np.random.Generator, used: np.ndarray, voorloopnul: float) -> pa.Array:
        """kind_id for every child: HMAC-SHA256 of a fake BSN under the published test key, computed for
        the used ones only (hashing is the costly part of a national run). The used children's BSNs and
        kind_ids stay in `pseudoniemen` for `generate --met-bsn`."""
        bsns = fake_bsns(rng, len(self), voorloopnul)
        used_idx = np.flatnonzero(used)
        text = bsn_text(bsns[used_idx])
        digests = pa.array(kind_id_hashes(text.tolist(), TEST_SLEUTEL), pa.string())
        self.pseudoniemen = (digests, pa.array(text.tolist(), pa.string()))
        position = np.cumsum(used) - 1
        return pc.take(digests, pa.array(np.maximum(position, 0)))
