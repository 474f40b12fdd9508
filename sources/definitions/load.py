"""Read `definitions/` into a `Definitions`, cross-checking every file; cached per process while unchanged.

A malformed file is rejected with a `DefinitionsError` naming the file, the key and what is wrong.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import Any

import yaml
from pydantic import TypeAdapter, ValidationError

from sources.definitions.base import DefinitionsError, _Model
from sources.definitions.models import (
    AANLEVERSTATUSSEN,
    Begrippen,
    Bron,
    Brugdag,
    Codelijst,
    Definitions,
    Gemeente,
    Instellingen,
    Kolomtype,
    Normen,
    Organisatie,
    Organisatietype,
    Rapportage,
    Werkdagen,
    Werkgebied,
)
from sources.definitions.rules import AlgemeneRegels, JarenVoorDatumRegel

DEFAULT_DEFINITIONS_DIR = Path(__file__).resolve().parents[2] / "definitions"
DEFINITIONS_DIR_ENV = "KETENMONITOR_DEFINITIONS_DIR"


def _format_loc(loc: tuple[Any, ...]) -> str:
    key = ""
    for part in loc:
        if isinstance(part, int):
            key += f"[{part}]"
        else:
            key += f".{part}" if key else str(part)
    return key


def _validate(adapter_type: Any, data: Any, file: Path, row_offset: int | None = None) -> Any:
    try:
        return TypeAdapter(adapter_type).validate_python(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.endswith("Regel")))
        if row_offset is not None and loc and isinstance(loc[0], int):
            # CSV rows: report the spreadsheet row (header is row 1).
            key = f"row {loc[0] + row_offset}" + (f", column {loc[1]}" if len(loc) > 1 else "")
        else:
            key = _format_loc(loc)
        more = f" (and {len(exc.errors()) - 1} more problem(s))" if len(exc.errors()) > 1 else ""
        raise DefinitionsError(file, key, f"{err['msg']}{more}") from None


# libyaml's loader where PyYAML was built with it: about 17x faster than the pure-Python one
# (the marts' 29 .yml files are read at the start of every run), same result.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_yaml(fh: Any) -> Any:
    """The one YAML parser of the project (safe: plain data only)."""
    return yaml.load(fh, Loader=_YAML_LOADER)  # noqa: S506 - a safe loader


def _read_yaml(file: Path) -> Any:
    if not file.is_file():
        raise DefinitionsError(file, "", "file is missing")
    try:
        with file.open(encoding="utf-8") as fh:
            data = parse_yaml(fh)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise DefinitionsError(file, where, f"not valid YAML: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(data, dict):
        raise DefinitionsError(file, "", "expected a mapping at the top level")
    return data


def _read_csv(file: Path, model: type[_Model]) -> list[Any]:
    if not file.is_file():
        raise DefinitionsError(file, "", "file is missing")
    with file.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        expected = list(model.model_fields)
        header = reader.fieldnames or []
        missing = [c for c in expected if c not in header and model.model_fields[c].is_required()]
        extra = [c for c in header if c not in expected]
        if missing or extra:
            parts = ([f"missing column(s) {', '.join(missing)}"] if missing else []) + (
                [f"unknown column(s) {', '.join(extra)}"] if extra else []
            )
            raise DefinitionsError(file, "header", "; ".join(parts))
        rows = [{k: v for k, v in row.items() if k is not None} for row in reader]
    return _validate(list[model], rows, file, row_offset=2)


def _check_unique(items: list[Any], attr: str, file: Path) -> None:
    seen: set[Any] = set()
    for i, item in enumerate(items):
        value = getattr(item, attr)
        if value in seen:
            raise DefinitionsError(file, f"row {i + 2}", f"duplicate {attr} {value!r}")
        seen.add(value)


def definitions_dir(root: Path | str | None = None) -> Path:
    """The definitions folder: the argument, else $KETENMONITOR_DEFINITIONS_DIR, else the repo's."""
    if root is not None:
        return Path(root)
    env = os.environ.get(DEFINITIONS_DIR_ENV)
    return Path(env) if env else DEFAULT_DEFINITIONS_DIR


def load_definitions(root: Path | str | None = None) -> Definitions:
    """Read and cross-check every definitions file; raise `DefinitionsError` on the first problem."""
    root = definitions_dir(root).resolve()
    ref = root / "referentie"

    instellingen = _validate(Instellingen, _read_yaml(root / "instellingen.yaml"), root / "instellingen.yaml")
    normen = _validate(Normen, _read_yaml(root / "normen.yaml"), root / "normen.yaml")
    codelijsten = _validate(dict[str, Codelijst], _read_yaml(root / "codelijsten.yaml"), root / "codelijsten.yaml")
    typen = _validate(dict[str, Kolomtype], _read_yaml(root / "typen.yaml"), root / "typen.yaml")
    algemeen = _validate(AlgemeneRegels, _read_yaml(root / "regels_algemeen.yaml"), root / "regels_algemeen.yaml")

    bronnen: dict[str, Bron] = {}
    bron_files = sorted((root / "bronnen").glob("*.yaml"))
    if not bron_files:
        raise DefinitionsError(root / "bronnen", "", "no bron definitions (*.yaml) found")
    for file in bron_files:
        bron = _validate(Bron, _read_yaml(file), file)
        if bron.bron != file.stem:
            raise DefinitionsError(file, "bron", f"{bron.bron!r} does not match the file name {file.stem!r}")
        for i, kolom in enumerate(bron.kolommen):
            if kolom.type not in typen:
                raise DefinitionsError(
                    file, f"kolommen[{i}].type", f"unknown type {kolom.type!r}; known: {', '.join(typen)}"
                )
            if kolom.codelijst is not None and kolom.codelijst not in codelijsten:
                raise DefinitionsError(file, f"kolommen[{i}].codelijst", f"unknown code list {kolom.codelijst!r}")
            if (typen[kolom.type].basis == "string") is False and kolom.codelijst:
                raise DefinitionsError(file, f"kolommen[{i}].codelijst", "only text columns can have a code list")
        for i, regel in enumerate(bron.regels):
            if isinstance(regel, JarenVoorDatumRegel):
                _check_groups(regel, bron, codelijsten, file, f"regels[{i}]")
        bronnen[bron.bron] = bron

    codes: dict[str, str] = {}
    for source, regels in [("regels_algemeen.yaml", algemeen.regels)] + [
        (f"bronnen/{b.bron}.yaml", b.regels) for b in bronnen.values()
    ]:
        for regel in regels:
            if regel.code in codes:
                raise DefinitionsError(
                    root / source, f"regels.{regel.code}", f"rule code also used in {codes[regel.code]}"
                )
            codes[regel.code] = source

    gemeenten = _read_csv(ref / "gemeenten.csv", Gemeente)
    for i, g in enumerate(gemeenten):
        if g.geldig_van and g.geldig_tot and g.geldig_tot < g.geldig_van:
            raise DefinitionsError(ref / "gemeenten.csv", f"row {i + 2}", "geldig_tot lies before geldig_van")
    organisaties = _read_csv(ref / "organisaties.csv", Organisatie)
    _check_unique(organisaties, "organisatie_code", ref / "organisaties.csv")
    organisatietypen = _read_csv(ref / "organisatietypen.csv", Organisatietype)
    werkgebieden = _read_csv(ref / "werkgebieden.csv", Werkgebied)
    org_codes = {o.organisatie_code for o in organisaties}
    regio_codes = {g.jeugdregio_code for g in gemeenten}
    for i, w in enumerate(werkgebieden):
        if w.organisatie_code not in org_codes:
            raise DefinitionsError(
                ref / "werkgebieden.csv", f"row {i + 2}", f"unknown organisatie_code {w.organisatie_code!r}"
            )
        if w.jeugdregio_code not in regio_codes:
            raise DefinitionsError(
                ref / "werkgebieden.csv", f"row {i + 2}", f"unknown jeugdregio_code {w.jeugdregio_code!r}"
            )
    werkdagen = _validate(Werkdagen, _read_yaml(ref / "werkdagen.yaml"), ref / "werkdagen.yaml")
    brugdagen = _read_csv(ref / werkdagen.brugdagen, Brugdag)

    # Optional: the concepts the data dictionary explains.
    begrippen_file = root / "begrippen.yaml"
    begrippen = _validate(Begrippen, _read_yaml(begrippen_file), begrippen_file) if begrippen_file.is_file() else None

    rapportage = _validate(Rapportage, _read_yaml(root / "rapportage.yaml"), root / "rapportage.yaml")
    norm_codes = [n.code for n in normen.normen]
    if set(rapportage.normlabels) != set(norm_codes):
        raise DefinitionsError(
            root / "rapportage.yaml", "normlabels", f"needs exactly the norms of normen.yaml: {', '.join(norm_codes)}"
        )
    if set(rapportage.aanleverstatus) != set(AANLEVERSTATUSSEN):
        raise DefinitionsError(
            root / "rapportage.yaml", "aanleverstatus", f"needs exactly {', '.join(AANLEVERSTATUSSEN)}"
        )

    return Definitions(
        root=root,
        instellingen=instellingen,
        normen=normen,
        codelijsten=codelijsten,
        typen=typen,
        algemene_regels=algemeen.regels,
        bronnen=bronnen,
        gemeenten=gemeenten,
        organisaties=organisaties,
        organisatietypen=organisatietypen,
        werkgebieden=werkgebieden,
        werkdagen=werkdagen,
        brugdagen=brugdagen,
        rapportage=rapportage,
        begrippen=begrippen.begrippen if begrippen else [],
    )


def _check_groups(
    regel: JarenVoorDatumRegel, bron: Bron, codelijsten: dict[str, Codelijst], file: Path, key: str
) -> None:
    """The groups of a jaren_voor_datum rule's `bereiken` are values its `groep_kolom` can take."""
    if regel.groep_kolom is None:
        return
    lijst = bron.kolom(regel.groep_kolom).codelijst
    if lijst is None:
        if regel.groep_kenmerk is not None:
            raise DefinitionsError(file, f"{key}.groep_kenmerk", f"{regel.groep_kolom} has no code list")
        return
    codes = codelijsten[lijst].codes
    if regel.groep_kenmerk is not None:
        groepen = {getattr(c, regel.groep_kenmerk) for c in codes} - {None}
    else:
        groepen = {c.code for c in codes}
    unknown = sorted(set(regel.bereiken) - groepen)
    if unknown:
        raise DefinitionsError(
            file, f"{key}.bereiken", f"unknown group(s) {', '.join(unknown)}; known: {', '.join(sorted(groepen))}"
        )


# Parsed definitions per folder, with the size and mtime of every file in it: reading the YAML costs
# ~0.3 s, and every asset of a run (dozens) needs the definitions. An edited file is read again.
_PARSED: dict[Path, tuple[tuple, Definitions]] = {}


def current_definitions() -> Definitions:
    """`load_definitions()`, parsed again only when a file in the definitions folder changed."""
    root = definitions_dir().resolve()
    stamp = tuple(
        sorted(
            (str(p.relative_to(root)), p.stat().st_mtime_ns, p.stat().st_size) for p in root.rglob("*") if p.is_file()
        )
    )
    cached = _PARSED.get(root)
    if cached is None or cached[0] != stamp:
        _PARSED[root] = cached = (stamp, load_definitions(root))
    return cached[1]
