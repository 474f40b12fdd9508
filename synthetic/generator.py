"""`generate`: simulate the chain and write every organisation's monthly deliveries into the inbox."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sources.definitions import Definitions, JarenVoorPeildatumRegel, load_definitions
from sources.pseudonimisering import TEST_SLEUTEL, VINGERAFDRUK_KOLOM, pseudoniem_kolom

from . import chain
from . import defects as defects_module
from .dates import Werkdagen, dag, maand_einde, plus_maanden
from .parameters import load_parameters
from .population import Kinderen, Netwerk
from .registraties import Registratie
from .simulatie import Simulatie
from .snapshots import Correctieplan, momentopname, plan_correcties
from .writers import EXTENSIE, schrijf


@dataclass(frozen=True)
class WrittenFile:
    path: Path
    organisatie_code: str
    bron: str
    peildatum: date
    format: str
    rows: int


@dataclass(frozen=True)
class DefectFile:
    path: Path
    organisatie_code: str
    bron: str
    peildatum: date
    rules: tuple[str, ...]
    description: str
    # Accepted with warnings: `rules` are the warning rules it triggers (it breaks no error rule).
    accepted: bool = False


@dataclass
class GenerateSummary:
    data_dir: Path
    scale: str
    seed: int
    end_month: str
    snapshots: int
    files: list[WrittenFile] = field(default_factory=list)
    defects: list[DefectFile] = field(default_factory=list)
    # With met_bsn: the suppliers' raw extracts (a BSN column instead of kind_id) and the test key.
    leverancier: list[WrittenFile] = field(default_factory=list)
    sleutel_bestand: Path | None = None
    skipped: list[str] = field(default_factory=list)
    total_rows: int = 0
    seconds: float = 0.0

    def format_text(self) -> str:
        per_bron: dict[str, tuple[int, int]] = {}
        for f in self.files:
            n, rows = per_bron.get(f.bron, (0, 0))
            per_bron[f.bron] = (n + 1, rows + f.rows)
        lines = [
            f"Generated {len(self.files)} deliveries ({self.total_rows:,} rows) into {self.data_dir / 'inbox'} "
            f"in {self.seconds:.1f} s: scale {self.scale}, seed {self.seed}, {self.snapshots} snapshot(s) up to "
            f"{self.end_month}."
        ]
        lines += [f"  {bron}: {n} files, {rows:,} rows" for bron, (n, rows) in sorted(per_bron.items())]
        if self.defects:
            lines.append(f"  {len(self.defects)} defective deliveries, listed in {self.data_dir / 'defects.json'}")
        if self.sleutel_bestand is not None:
            lines.append(
                f"  {len(self.leverancier)} raw supplier extracts with BSNs in {self.sleutel_bestand.parent}, "
                f"test key {self.sleutel_bestand.name} (for `ketenmonitor pseudonimiseer`)"
            )
        lines += [f"  skipped: {s}" for s in self.skipped]
        return "\n".join(lines)


def _parse_month(text: str | None, defects: bool = False) -> date:
    if text is None:
        # The last complete month; with defects the month before it, since the defect deliveries
        # are a month later and their peildatum must not lie after today (rule ALG-DATUM-002 would
        # reject every one of them, the one meant to be accepted too).
        today = date.today()
        return plus_maanden(date(today.year, today.month, 1), -2 if defects else -1)
    try:
        year, month = (int(part) for part in text.split("-"))
        return date(year, month, 1)
    except ValueError:
        raise ValueError(f"end_month must be YYYY-MM, not {text!r}") from None


def _max_age(defs: Definitions) -> int | None:
    """Version 1's geboortejaar rules (relative to the peildatum): no child in any delivery may be older (by
    year) than this. Version 2 checks the age at each record's own start: no such limit (None)."""
    limits = [r.max_jaren for r in defs.alle_regels() if isinstance(r, JarenVoorPeildatumRegel)]
    return min(limits) if limits else None


def _min_geboortedag(defs: Definitions, horizon: date) -> int:
    max_age = _max_age(defs)
    return dag(date(horizon.year - max_age, 1, 1)) if max_age is not None else -(10**6)


def _write_deliveries(
    sim: Simulatie,
    reg: Registratie,
    plan: Correctieplan,
    peildatums: list[date],
    inbox: Path,
    leverancier: Path | None = None,
) -> tuple[list[WrittenFile], list[WrittenFile], list[str]]:
    formaat = sim.params.formaat(reg.organisatie_code, reg.bron)
    written, raw, skipped = [], [], []
    kind_kolom = pseudoniem_kolom(sim.defs.bronnen[reg.bron], sim.defs)
    for index, peil in enumerate(peildatums):
        table = momentopname(sim.defs, reg, dag(peil), index, plan)
        name = f"{peil.isoformat()}.{EXTENSIE[formaat]}"
        path = inbox / reg.organisatie_code / reg.bron / name
        if table.num_rows == 0:
            # An empty full snapshot would be rejected (ALG-BEST-002); a real supplier sends nothing.
            skipped.append(f"{path}: no records")
            continue
        schrijf(table, path, formaat, peil)
        written.append(WrittenFile(path, reg.organisatie_code, reg.bron, peil, formaat, table.num_rows))
        if leverancier is not None and kind_kolom is not None:
            rng = sim.rng("bsn-opmaak", reg.organisatie_code, reg.bron, peil.isoformat())
            extract = _met_bsn(table, kind_kolom, sim.kinderen.pseudoniemen, formaat, rng)
            raw_path = leverancier / reg.organisatie_code / reg.bron / name
            schrijf(extract, raw_path, formaat, peil)
            raw.append(WrittenFile(raw_path, reg.organisatie_code, reg.bron, peil, formaat, extract.num_rows))
    return written, raw, skipped


BSN_KOLOM = "bsn"


def _met_bsn(
    table: pa.Table, kind_kolom: str, pseudoniemen: tuple[pa.Array, pa.Array], formaat: str, rng: np.random.Generator
) -> pa.Table:
    """The supplier's own extract behind a delivery: a `bsn` column where kind_id was, no fingerprint.

    The BSN is written as suppliers' systems do: in a spreadsheet or parquet file a number (so a
    leading zero is lost: 8 digits), in a CSV as text, now and then with dots or spaces.
    """
    digests, bsns = pseudoniemen
    index = pc.index_in(table[kind_kolom], value_set=digests)
    nine = pc.take(bsns, index)  # empty where the kind_id is (an anonymous advice request)
    if formaat in ("xlsx", "parquet"):
        column = pc.cast(nine, pa.int64())
    else:
        style = rng.integers(0, 10, size=len(nine))
        dotted = pc.binary_join_element_wise(
            pc.utf8_slice_codeunits(nine, 0, 4),
            pc.utf8_slice_codeunits(nine, 4, 6),
            pc.utf8_slice_codeunits(nine, 6, 9),
            ".",
        )
        spaced = pc.binary_join_element_wise(
            pc.utf8_slice_codeunits(nine, 0, 3),
            pc.utf8_slice_codeunits(nine, 3, 6),
            pc.utf8_slice_codeunits(nine, 6, 9),
            " ",
        )
        # A leading zero dropped, as a spreadsheet opened and saved as CSV does.
        no_zero = pc.utf8_ltrim(nine, "0")
        column = pc.case_when(
            pc.make_struct(
                pa.array(style == 0), pa.array(style == 1), pa.array(style == 2), field_names=["a", "b", "c"]
            ),
            dotted,
            spaced,
            no_zero,
            nine,
        )
    names = table.column_names
    at = names.index(kind_kolom)
    table = table.set_column(at, BSN_KOLOM, column)
    if VINGERAFDRUK_KOLOM in table.column_names:
        table = table.drop_columns([VINGERAFDRUK_KOLOM])
    return table


def generate(
    data_dir: Path,
    scale: Literal["demo", "national"] = "demo",
    seed: int = 20261124,
    end_month: str | None = None,
    defects: bool = False,
    snapshots: int | None = None,
    defs: Definitions | None = None,
    met_bsn: bool = False,
) -> GenerateSummary:
    """Write synthetic deliveries of every organisation into <data_dir>/inbox (docs/contract.md section 1).

    `snapshots` monthly full snapshots per organisation and bron end at `end_month` (default:
    the last complete month; with `defects` the month before it). With `defects`, a few
    organisations get one extra delivery a month later that breaks named contract rules, listed
    in <data_dir>/defects.json (by default in the last complete month, so no peildatum is in
    the future).
    With `met_bsn`, every delivery holding a kind_id also gets the supplier's raw extract behind it
    in <data_dir>/leverancier/ (a `bsn` column of valid fake BSNs instead of kind_id), with the
    published test key in <data_dir>/leverancier/testsleutel.bin: `ketenmonitor pseudonimiseer`
    turns such an extract into exactly the generator's delivery. The inbox files do not depend on it.
    The same arguments give byte-identical files.
    """
    started = time.perf_counter()
    defs = defs or load_definitions()
    params = load_parameters(defs)
    if scale not in params.schaal:
        raise ValueError(f"scale must be one of {', '.join(params.schaal)}, not {scale!r}")
    end = _parse_month(end_month, defects)
    count = snapshots if snapshots is not None else params.snapshots[scale]
    if count < 1:
        raise ValueError("snapshots must be at least 1")
    peildatums = [maand_einde(m.year, m.month) for m in (plus_maanden(end, i - count + 1) for i in range(count))]
    startdatum = defs.instellingen.monitor_startdatum
    if peildatums[0] < startdatum:
        raise ValueError(f"the first peildatum {peildatums[0]} lies before the monitor's start {startdatum}")
    # The horizon is the defect month even without defects, so the regular files never depend on that flag.
    volgende = plus_maanden(end, 1)
    horizon = maand_einde(volgende.year, volgende.month)
    first_year = startdatum.year - max(params.inloop_jaren.values()) - 1
    data_dir = Path(data_dir)
    netwerk = Netwerk.build(defs, params, horizon)
    sim = Simulatie(
        defs=defs,
        params=params,
        netwerk=netwerk,
        kinderen=Kinderen(min_geboortedag=_min_geboortedag(defs, horizon)),
        werkdagen=Werkdagen(defs, date(first_year, 1, 1), date(horizon.year + 3, 12, 31)),
        seed=seed,
        schaal=params.schaal[scale],
        startdatum=startdatum,
        horizon=horizon,
    )
    registraties = chain.simuleer(sim)
    peil_dagen = [dag(p) for p in peildatums]
    plans = [plan_correcties(sim, reg, peil_dagen) for reg in registraties]

    summary = GenerateSummary(data_dir, scale, seed, f"{end.year:04d}-{end.month:02d}", count)
    inbox = data_dir / "inbox"
    leverancier = data_dir / "leverancier" if met_bsn else None
    with ThreadPoolExecutor(max_workers=2) as pool:
        jobs = [
            pool.submit(_write_deliveries, sim, reg, plan, peildatums, inbox, leverancier)
            for reg, plan in zip(registraties, plans, strict=True)
        ]
        results = [job.result() for job in jobs]
    for written, raw, skipped in results:
        summary.files.extend(written)
        summary.leverancier.extend(raw)
        summary.skipped.extend(skipped)
    if leverancier is not None:
        # The published test key (docs/privacy.md), exactly its bytes: no line break.
        summary.sleutel_bestand = leverancier / "testsleutel.bin"
        summary.sleutel_bestand.parent.mkdir(parents=True, exist_ok=True)
        summary.sleutel_bestand.write_bytes(TEST_SLEUTEL)

    if defects:
        for d in defects_module.schrijf(sim, registraties, plans, inbox, horizon):
            summary.defects.append(
                DefectFile(d.path, d.organisatie_code, d.bron, horizon, d.regels, d.omschrijving, d.geaccepteerd)
            )
        listing = {
            "peildatum": horizon.isoformat(),
            "defecten": [
                {
                    "pad": d.path.relative_to(data_dir).as_posix(),
                    "organisatie_code": d.organisatie_code,
                    "bron": d.bron,
                    "regels": list(d.rules),
                    "omschrijving": d.description,
                    "geaccepteerd": d.accepted,
                }
                for d in summary.defects
            ],
        }
        (data_dir / "defects.json").write_text(json.dumps(listing, indent=2, ensure_ascii=False) + "\n", "utf-8")
    summary.total_rows = sum(f.rows for f in summary.files)
    summary.seconds = time.perf_counter() - started
    return summary
