"""Monthly full snapshots: what an organisation knew on a peildatum, including its earlier mistakes.

A snapshot holds every record known on the peildatum (all its required dates on or before
it). Every date after the peildatum is blanked, and so is whatever the bron's
`gevuld_precies_als` rules tie to it (reden_einde to datum_einde, vervolg to
datum_afgerond, ...), so that each snapshot satisfies the contract on its own peildatum.
Now and then a date is wrong in earlier deliveries and corrected in a later one, and a
record present earlier is withdrawn later.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sources.definitions import Definitions, GevuldPreciesAlsRegel

from .registraties import Registratie
from .simulatie import Simulatie

ARROW_TYPES = {
    "string": pa.string(),
    "integer": pa.int64(),
    "decimal": pa.float64(),
    "date": pa.date32(),
    "boolean": pa.bool_(),
}


@dataclass
class Correctieplan:
    # (k, column, rows, wrong values): the wrong values show in snapshots before index k.
    fouten: list[tuple[int, str, np.ndarray, np.ndarray]] = field(default_factory=list)
    # (k, rows): the rows are withdrawn from snapshot index k on.
    intrekkingen: list[tuple[int, np.ndarray]] = field(default_factory=list)


def plan_correcties(sim: Simulatie, reg: Registratie, peil_dagen: list[int]) -> Correctieplan:
    """Draw the corrections and withdrawals between consecutive deliveries."""
    c = sim.params.correcties
    kolommen = c.kolommen.get(reg.bron, [])
    plan = Correctieplan()
    if not kolommen:
        return plan
    rng = sim.rng("correcties", reg.organisatie_code, reg.bron)
    for k in range(1, len(peil_dagen)):
        prev = peil_dagen[k - 1]
        visible = int(np.searchsorted(reg.bekend, prev, side="right"))
        n_fout = int(rng.poisson(c.per_1000 * visible / 1000.0))
        picks = rng.integers(0, len(kolommen), size=n_fout)
        for i, kolom in enumerate(kolommen):
            count = int((picks == i).sum())
            values = reg.kolommen[kolom]
            if count == 0 or not isinstance(values, np.ndarray):
                continue
            candidates = np.flatnonzero(values[:visible] <= prev)
            if len(candidates) == 0:
                continue
            rows = np.sort(rng.choice(candidates, size=min(count, len(candidates)), replace=False))
            shift = rng.integers(c.verschuiving[0], c.verschuiving[1] + 1, size=len(rows))
            plan.fouten.append((k, kolom, rows, values[rows] + shift))
        n_in = min(int(rng.poisson(c.intrekkingen_per_1000 * visible / 1000.0)), visible)
        if n_in:
            plan.intrekkingen.append((k, np.sort(rng.choice(visible, size=n_in, replace=False))))
    return plan


def momentopname(defs: Definitions, reg: Registratie, peil: int, index: int, plan: Correctieplan) -> pa.Table:
    """The delivery of `reg` on peildatum day `peil`; `index` orders it among the run's deliveries."""
    definitie = defs.bronnen[reg.bron]
    n = int(np.searchsorted(reg.bekend, peil, side="right"))
    keep = np.ones(n, dtype=bool)
    for k, rows in plan.intrekkingen:
        if index >= k:
            keep[rows[rows < n]] = False

    # Working copies as numpy (dates, codes, booleans, numbers) or arrow (text); `empty` per column.
    values: dict[str, np.ndarray | pa.Array | None] = {}
    empty: dict[str, np.ndarray] = {}
    for kolom in definitie.kolommen:
        v = reg.kolommen[kolom.naam]
        basis = defs.typen[kolom.type].basis
        if reg.gemeente is not None and kolom.naam == reg.gemeente.kolom:
            values[kolom.naam], empty[kolom.naam] = reg.gemeente.op(peil, slice(0, n)), np.zeros(n, dtype=bool)
        elif v is None:
            values[kolom.naam], empty[kolom.naam] = None, np.ones(n, dtype=bool)
        elif isinstance(v, np.ndarray):
            a = v[:n].copy()
            for k, naam, rows, wrong in plan.fouten:
                if naam == kolom.naam and index < k:
                    inside = rows < n
                    a[rows[inside]] = wrong[inside]
            if basis == "date":
                empty[kolom.naam] = a > peil  # NAT is after every peildatum
            elif kolom.codelijst is not None or basis == "boolean":
                empty[kolom.naam] = a < 0
            elif basis == "decimal":
                empty[kolom.naam] = np.isnan(a)
            elif basis == "integer":
                # A negative integer (geboortejaar -1) stands for empty.
                empty[kolom.naam] = a < 0
            else:
                empty[kolom.naam] = np.zeros(n, dtype=bool)
            values[kolom.naam] = a
        else:
            values[kolom.naam] = v.slice(0, n)
            empty[kolom.naam] = np.zeros(n, dtype=bool)

    # What depends on a blanked value is blanked too, until nothing changes.
    regels = [r for r in definitie.regels if isinstance(r, GevuldPreciesAlsRegel)]
    changed = True
    while changed:
        changed = False
        for r in regels:
            condition = ~empty[r.voorwaarde_kolom]
            if r.voorwaarde_waarde is not None:
                lijst = definitie.kolom(r.voorwaarde_kolom).codelijst
                code = defs.codelijsten[lijst].waarden.index(r.voorwaarde_waarde) if lijst else None
                condition &= values[r.voorwaarde_kolom] == code
            newly = ~condition & ~empty[r.kolom]
            if newly.any():
                empty[r.kolom] = empty[r.kolom] | newly
                changed = True

    rows = np.flatnonzero(keep)
    all_rows = len(rows) == n
    arrays = []
    for kolom in definitie.kolommen:
        basis = defs.typen[kolom.type].basis
        v, e = values[kolom.naam], empty[kolom.naam]
        if v is None:
            arrays.append(pa.nulls(len(rows), ARROW_TYPES[basis]))
            continue
        if isinstance(v, pa.Array):
            arrays.append(v if all_rows else pc.take(v, pa.array(rows)))
            continue
        v, e = (v, e) if all_rows else (v[rows], e[rows])
        if basis == "date":
            arrays.append(pa.array(np.where(e, 0, v).astype(np.int32), mask=e).cast(pa.date32()))
        elif kolom.codelijst is not None:
            dictionary = pa.array(defs.codelijsten[kolom.codelijst].waarden, pa.string())
            arrays.append(pc.take(dictionary, pa.array(np.where(e, 0, v).astype(np.int32), mask=e)))
        elif basis == "boolean":
            arrays.append(pa.array(v == 1, mask=e))
        elif basis == "integer":
            arrays.append(pa.array(v.astype(np.int64), mask=e))
        elif basis == "decimal":
            arrays.append(pa.array(v.astype(np.float64), mask=e))
        else:
            arrays.append(pa.array(v.astype(str), mask=e))
    return pa.table(arrays, names=definitie.kolomnamen)
