"""Load the harmonised definitions (`definitions/`) into validated pydantic models.

Everything else (readers, rule checks, expectation suites, the data dictionary, the
generator) is derived from the `Definitions` object returned by `load_definitions`.
A malformed file is rejected with a `DefinitionsError` naming the file, the key and
what is wrong.
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Iterable
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator, model_validator

DEFAULT_DEFINITIONS_DIR = Path(__file__).resolve().parents[1] / "definitions"
DEFINITIONS_DIR_ENV = "KETENMONITOR_DEFINITIONS_DIR"

Ernst = Literal["error", "warning"]
Basis = Literal["string", "integer", "decimal", "date", "boolean"]
OrganisatieType = Literal["GI", "VT", "RVDK"]
RULE_CODE = r"^[A-Z]{2,4}-([A-Z]{2,5}-)?[A-Z0-9]{2,4}$"


class DefinitionsError(ValueError):
    """A definitions file is malformed: `file`, `key` and `problem` say where and what."""

    def __init__(self, file: Path | str, key: str, problem: str) -> None:
        self.file, self.key, self.problem = str(file), key, problem
        super().__init__(f"{file}: {key or '(top level)'}: {problem}")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Tekst(_Model):
    """A text in Dutch and English."""

    nl: str = Field(min_length=1)
    en: str = Field(min_length=1)


# --- instellingen.yaml -------------------------------------------------------------


class Onderdrukking(_Model):
    drempel: int = Field(ge=1)
    afronding: int | None = Field(default=None, ge=1)


class Aanlevering(_Model):
    termijn_dagen: int = Field(ge=0)
    max_verandering_aantal_rijen_pct: float = Field(gt=0)
    # The freshness check warns when an organisation's latest accepted peildatum's month-end
    # lies more than this many days back; absent: termijn_dagen (a delivery is late then).
    signaal_na_dagen: int | None = Field(default=None, ge=0)

    @property
    def versheid_dagen(self) -> int:
        return self.termijn_dagen if self.signaal_na_dagen is None else self.signaal_na_dagen


# Plain cron (numbers, `*`, ranges, lists, steps): what every scheduler, Dagster's too, reads the same.
_CRON_FIELD = re.compile(r"(\*|\d+(-\d+)?)(/\d+)?(,(\*|\d+(-\d+)?)(/\d+)?)*")
_CRON_BEREIK = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))


class Planning(_Model):
    """When the monthly schedule runs the full job (Dagster cron syntax, IANA time zone)."""

    cron: str = "0 6 16 * *"
    tijdzone: str = "Europe/Amsterdam"

    @field_validator("cron")
    @classmethod
    def _valid_cron(cls, value: str) -> str:
        fields = value.split()
        if len(fields) != 5 or not all(
            _CRON_FIELD.fullmatch(f) and all(lo <= int(n) <= hi for n in re.findall(r"\d+", f.split("/")[0]))
            for f, (lo, hi) in zip(fields, _CRON_BEREIK, strict=False)
        ):
            raise ValueError(f"{value!r} is not a valid cron expression (five fields: minute hour day month weekday)")
        return value

    @field_validator("tijdzone")
    @classmethod
    def _valid_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not a known time zone (IANA name, e.g. Europe/Amsterdam)") from None
        return value


class Doorstroom(_Model):
    max_dagen_tussen_stappen: int = Field(ge=1)


class Instellingen(_Model):
    versie: str = Field(pattern=r"^\d+\.\d+\.\d+$")
    contract_versie: int = Field(ge=1)
    monitor_startdatum: date
    onderdrukking: Onderdrukking
    aanlevering: Aanlevering
    doorstroom: Doorstroom
    planning: Planning = Field(default_factory=Planning)


# --- normen.yaml --------------------------------------------------------------------


class Norm(_Model):
    code: Literal["NORM_1_VIJF_WERKDAGEN", "NORM_2_ZES_WEKEN", "NORM_3_DRIE_MAANDEN"]
    naam: str
    omschrijving: Tekst
    anker: str
    doel: str
    termijn: int = Field(ge=1)
    eenheid: Literal["werkdagen", "dagen", "maanden"]
    telmaand: str


class Caseload(_Model):
    norm_per_fte: float = Field(gt=0)
    streefbereik_per_fte: tuple[float, float]

    @model_validator(mode="after")
    def _range_ordered(self) -> Caseload:
        low, high = self.streefbereik_per_fte
        if not 0 < low <= high:
            raise ValueError("streefbereik_per_fte must be [low, high] with 0 < low <= high")
        return self


class Normen(_Model):
    normen: list[Norm] = Field(min_length=1)
    caseload: Caseload

    def norm(self, code: str) -> Norm:
        return next(n for n in self.normen if n.code == code)


# --- codelijsten.yaml, typen.yaml ---------------------------------------------------


class Code(_Model):
    code: str = Field(pattern=r"^[A-Z][A-Z0-9_]*$")
    nl: str
    en: str
    kader: Literal["JB", "JR"] | None = None


class Codelijst(_Model):
    omschrijving: Tekst
    codes: list[Code] = Field(min_length=1)

    @property
    def waarden(self) -> list[str]:
        return [c.code for c in self.codes]


class Kolomtype(_Model):
    basis: Basis
    omschrijving: Tekst
    patroon: str | None = None
    referentie: Literal["gemeenten"] | None = None
    pseudoniem: bool = False

    @field_validator("patroon")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"not a valid regular expression: {exc}") from exc
        return value


# --- rules --------------------------------------------------------------------------


class _Regel(_Model):
    code: str = Field(pattern=RULE_CODE)
    ernst: Ernst
    melding: Tekst
    omschrijving: Tekst | None = None


class LeesbaarRegel(_Regel):
    controle: Literal["leesbaar"]


class NietLeegRegel(_Regel):
    controle: Literal["niet_leeg"]


class BestandsnaamRegel(_Regel):
    controle: Literal["bestandsnaam"]


class BekendeOrganisatieRegel(_Regel):
    controle: Literal["bekende_organisatie"]


class BronToegestaanRegel(_Regel):
    controle: Literal["bron_toegestaan"]


class ExacteKolommenRegel(_Regel):
    controle: Literal["exacte_kolommen"]


class VerbodenKolomnamenRegel(_Regel):
    controle: Literal["verboden_kolomnamen"]
    patronen: list[str] = Field(min_length=1)


class GeenBsnRegel(_Regel):
    controle: Literal["geen_bsn"]


class TypeRegel(_Regel):
    controle: Literal["type"]


class VerplichtRegel(_Regel):
    controle: Literal["verplicht"]


class CodelijstRegel(_Regel):
    controle: Literal["codelijst"]


class PatroonRegel(_Regel):
    controle: Literal["patroon"]


class ReferentieRegel(_Regel):
    controle: Literal["referentie"]


class NietNaPeildatumRegel(_Regel):
    controle: Literal["niet_na_peildatum"]


class AantalRijenVeranderingRegel(_Regel):
    controle: Literal["aantal_rijen_verandering"]


class UniekRegel(_Regel):
    controle: Literal["uniek"]
    kolom: str


class JarenVoorPeildatumRegel(_Regel):
    controle: Literal["jaren_voor_peildatum"]
    kolom: str
    min_jaren: int
    max_jaren: int


class NietVoorRegel(_Regel):
    """`kolom` >= `referentie_kolom` + `marge_dagen`, checked where both are filled."""

    controle: Literal["niet_voor"]
    kolom: str
    referentie_kolom: str
    marge_dagen: int = 0


class GevuldPreciesAlsRegel(_Regel):
    """`kolom` is filled exactly when `voorwaarde_kolom` is filled (or equals the value)."""

    controle: Literal["gevuld_precies_als"]
    kolom: str
    voorwaarde_kolom: str
    voorwaarde_waarde: str | None = None


class BereikRegel(_Regel):
    controle: Literal["bereik"]
    kolom: str
    minimaal: float | None = None
    maximaal: float | None = None
    groter_dan: float | None = None
    kleiner_dan: float | None = None

    @model_validator(mode="after")
    def _has_bound(self) -> BereikRegel:
        if all(v is None for v in (self.minimaal, self.maximaal, self.groter_dan, self.kleiner_dan)):
            raise ValueError("a bereik rule needs at least one of minimaal, maximaal, groter_dan, kleiner_dan")
        return self


class MaandeindeRegel(_Regel):
    controle: Literal["maandeinde"]
    kolom: str


class MaxDuurDagenRegel(_Regel):
    """(`kolom`, or the peildatum when empty) - `referentie_kolom` <= `max_dagen`."""

    controle: Literal["max_duur_dagen"]
    kolom: str
    referentie_kolom: str
    max_dagen: int = Field(ge=1)
    # Rows whose `behalve_kolom` holds one of `behalve_waarden` are exempt (a guardianship
    # from infancy to 18 rightly lasts longer than other measures).
    behalve_kolom: str | None = None
    behalve_waarden: list[str] = Field(default_factory=list)


Regel = Annotated[
    LeesbaarRegel
    | NietLeegRegel
    | BestandsnaamRegel
    | BekendeOrganisatieRegel
    | BronToegestaanRegel
    | ExacteKolommenRegel
    | VerbodenKolomnamenRegel
    | GeenBsnRegel
    | TypeRegel
    | VerplichtRegel
    | CodelijstRegel
    | PatroonRegel
    | ReferentieRegel
    | NietNaPeildatumRegel
    | AantalRijenVeranderingRegel
    | UniekRegel
    | JarenVoorPeildatumRegel
    | NietVoorRegel
    | GevuldPreciesAlsRegel
    | BereikRegel
    | MaandeindeRegel
    | MaxDuurDagenRegel,
    Field(discriminator="controle"),
]

GENERAL_CHECKS = {
    "leesbaar",
    "niet_leeg",
    "bestandsnaam",
    "bekende_organisatie",
    "bron_toegestaan",
    "exacte_kolommen",
    "verboden_kolomnamen",
    "geen_bsn",
    "type",
    "verplicht",
    "codelijst",
    "patroon",
    "referentie",
    "niet_na_peildatum",
    "aantal_rijen_verandering",
}


class AlgemeneRegels(_Model):
    regels: list[Regel] = Field(min_length=1)

    @model_validator(mode="after")
    def _only_general_checks(self) -> AlgemeneRegels:
        for regel in self.regels:
            if regel.controle not in GENERAL_CHECKS:
                raise ValueError(f"rule {regel.code}: controle {regel.controle!r} belongs in a bron file")
        return self


# --- bronnen/*.yaml -----------------------------------------------------------------


class Kolom(_Model):
    naam: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    type: str
    verplicht: bool
    omschrijving: Tekst
    codelijst: str | None = None


class Bron(_Model):
    bron: Literal["gi_maatregelen", "gi_capaciteit", "vt_meldingen", "rvdk_onderzoeken"]
    omschrijving: Tekst
    organisatie_types: list[OrganisatieType] = Field(min_length=1)
    record_id: str
    kolommen: list[Kolom] = Field(min_length=1)
    regels: list[Regel] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> Bron:
        names = [k.naam for k in self.kolommen]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"duplicate column(s): {', '.join(dupes)}")
        if self.record_id not in names:
            raise ValueError(f"record_id {self.record_id!r} is not one of the columns")
        for regel in self.regels:
            if regel.controle in GENERAL_CHECKS:
                raise ValueError(f"rule {regel.code}: controle {regel.controle!r} belongs in regels_algemeen.yaml")
            for attr in ("kolom", "referentie_kolom", "voorwaarde_kolom", "behalve_kolom"):
                col = getattr(regel, attr, None)
                if col is not None and col not in names:
                    raise ValueError(f"rule {regel.code}: {attr} {col!r} is not a column of {self.bron}")
        return self

    @property
    def kolomnamen(self) -> list[str]:
        return [k.naam for k in self.kolommen]

    def kolom(self, naam: str) -> Kolom:
        return next(k for k in self.kolommen if k.naam == naam)


# --- reference tables --------------------------------------------------------------


class Gemeente(_Model):
    gemeente_code: str = Field(pattern=r"^GM\d{4}$")
    gemeente_naam: str = Field(min_length=1)
    jeugdregio_code: str = Field(pattern=r"^[A-Z][A-Z0-9_]*$")
    jeugdregio_naam: str = Field(min_length=1)
    provincie: str = ""
    geldig_van: date | None = None
    geldig_tot: date | None = None

    @field_validator("geldig_van", "geldig_tot", mode="before")
    @classmethod
    def _empty_is_open(cls, value: Any) -> Any:
        return None if value == "" else value

    def geldig_op(self, dag: date) -> bool:
        return (self.geldig_van is None or self.geldig_van <= dag) and (
            self.geldig_tot is None or dag <= self.geldig_tot
        )


class Organisatie(_Model):
    organisatie_code: str = Field(pattern=r"^[A-Z][A-Z0-9_]*$")
    organisatie_naam: str = Field(min_length=1)
    organisatie_type: OrganisatieType


class Organisatietype(_Model):
    organisatie_type: OrganisatieType
    omschrijving_nl: str
    omschrijving_en: str


class Werkgebied(_Model):
    organisatie_code: str
    jeugdregio_code: str


class Feestdag(_Model):
    naam: str
    regel: Literal["vast", "pasen"]
    maand: int | None = Field(default=None, ge=1, le=12)
    dag: int | None = Field(default=None, ge=1, le=31)
    dagen_na_pasen: int | None = None
    als_zondag_dagen: int | None = None

    @model_validator(mode="after")
    def _complete(self) -> Feestdag:
        if self.regel == "vast" and (self.maand is None or self.dag is None):
            raise ValueError(f"{self.naam}: a 'vast' holiday needs maand and dag")
        if self.regel == "pasen" and self.dagen_na_pasen is None:
            raise ValueError(f"{self.naam}: a 'pasen' holiday needs dagen_na_pasen")
        return self


class Brugdag(_Model):
    datum: date
    omschrijving: str = ""


class Werkdagen(_Model):
    grondslag: str
    werkdagen: list[Literal["maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"]]
    feestdagen: list[Feestdag]
    brugdagen: str


# --- the whole ----------------------------------------------------------------------


class Definitions(_Model):
    """All harmonised definitions, cross-checked."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    root: Path
    instellingen: Instellingen
    normen: Normen
    codelijsten: dict[str, Codelijst]
    typen: dict[str, Kolomtype]
    algemene_regels: list[Regel]
    bronnen: dict[str, Bron]
    gemeenten: list[Gemeente]
    organisaties: list[Organisatie]
    organisatietypen: list[Organisatietype]
    werkgebieden: list[Werkgebied]
    werkdagen: Werkdagen
    brugdagen: list[Brugdag]

    @property
    def versie(self) -> str:
        return self.instellingen.versie

    @cached_property
    def organisaties_by_code(self) -> dict[str, Organisatie]:
        return {o.organisatie_code: o for o in self.organisaties}

    @cached_property
    def gemeente_codes(self) -> frozenset[str]:
        return frozenset(g.gemeente_code for g in self.gemeenten)

    @cached_property
    def jeugdregio_codes(self) -> list[str]:
        return sorted({g.jeugdregio_code for g in self.gemeenten})

    def regel(self, code: str) -> Regel:
        for regel in self.alle_regels():
            if regel.code == code:
                return regel
        raise KeyError(code)

    def alle_regels(self) -> Iterable[Regel]:
        yield from self.algemene_regels
        for bron in self.bronnen.values():
            yield from bron.regels

    def algemene_regel(self, controle: str) -> Regel:
        return next(r for r in self.algemene_regels if r.controle == controle)

    def kader(self, maatregel_type: str) -> str | None:
        for code in self.codelijsten["maatregel_type"].codes:
            if code.code == maatregel_type:
                return code.kader
        return None

    def bronnen_voor(self, organisatie_type: str) -> list[str]:
        return [b.bron for b in self.bronnen.values() if organisatie_type in b.organisatie_types]

    def kolommen_voor_regel(self, bron: str, regel: Regel) -> list[Kolom]:
        """The bron's columns a rule applies to: by attribute for general rules, by name otherwise.

        File-level rules (readable, columns, organisation) apply to no single column.
        """
        b = self.bronnen[bron]
        basis = {k.naam: self.typen[k.type].basis for k in b.kolommen}
        selectors = {
            "geen_bsn": lambda k: basis[k.naam] == "string",
            "type": lambda k: basis[k.naam] != "string",
            "verplicht": lambda k: k.verplicht,
            "codelijst": lambda k: k.codelijst is not None,
            "patroon": lambda k: self.typen[k.type].patroon is not None,
            "referentie": lambda k: self.typen[k.type].referentie is not None,
            "niet_na_peildatum": lambda k: basis[k.naam] == "date",
        }
        if regel.controle in selectors:
            return [k for k in b.kolommen if selectors[regel.controle](k)]
        naam = getattr(regel, "kolom", None)
        return [b.kolom(naam)] if naam in b.kolomnamen and regel in b.regels else []


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


def _read_yaml(file: Path) -> Any:
    if not file.is_file():
        raise DefinitionsError(file, "", "file is missing")
    try:
        with file.open(encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
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
