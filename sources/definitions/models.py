"""The definitions as validated pydantic models: settings, norms, code lists, types, bronnen, reference data.

`load_definitions` (sources/definitions/load.py) builds a `Definitions`; everything else
(readers, rule checks, expectation suites, the data dictionary, the generator) derives from it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ConfigDict, Field, field_validator, model_validator

from sources.definitions.base import Basis, OrganisatieType, Tekst, _Model
from sources.definitions.rules import GENERAL_CHECKS, Regel

# --- instellingen.yaml -------------------------------------------------------------


class Rijsoort(_Model):
    """How the region exports disclose one mart (docs/contract.md section 5.2).

    `persoonsniveau`: person-level detail, counts rounded and small ones emptied cell by cell.
    `prestatie`: performance rows, shown whole when `basis` (the sum of these count columns)
    reaches the threshold, emptied whole below it (a row with a gemeente_code other than
    TOTAAL is person-level all the same). `geen`: not about children (staff), as delivered.
    """

    soort: Literal["persoonsniveau", "prestatie", "geen"]
    basis: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _basis_for_prestatie(self) -> Rijsoort:
        if (self.soort == "prestatie") != bool(self.basis):
            raise ValueError("a prestatie mart needs a basis, and only a prestatie mart has one")
        return self


class Onderdrukking(_Model):
    drempel: int = Field(ge=1)
    afronding: int | None = Field(default=None, ge=1)
    # Mart name -> its kind of rows; every exported mart must be named.
    marts: dict[str, Rijsoort] = Field(default_factory=dict)


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


class Trajecten(_Model):
    # A measure continues a trajectory when its datum_uitspraak lies at most this many days
    # after the latest datum_einde so far (docs/contract.md section 4.1).
    marge_dagen: int = Field(ge=0)


class Limieten(_Model):
    """How large a delivery file may be; checked before the expensive read (rule ALG-LIM-001).

    Every limit bounds the memory and time one delivery can take, so a careless or hostile file
    (a sheet cell in column XFD, a zip bomb, a run-length-encoded parquet column) is rejected
    instead of ending the whole run with an out-of-memory kill.
    """

    # The file on disk, any format.
    max_bestand_mb: float = Field(gt=0)
    # Records (CSV: lines after the header; xlsx: rows after the header; parquet: its row count).
    max_rijen: int = Field(ge=1)
    # Columns (CSV: header fields; xlsx: the sheet's declared range and every filled cell; parquet: its columns).
    max_kolommen: int = Field(ge=1)
    # xlsx: the parts of the workbook unpacked (the sizes its zip directory declares), in MB.
    xlsx_max_uitgepakt_mb: float = Field(gt=0)
    # xlsx: unpacked size over packed size of one part (parts above 100 KiB); a zip bomb packs far tighter.
    xlsx_max_compressieverhouding: float = Field(gt=1)
    # parquet: the data unpacked, in MB: the page sizes its metadata declares, and the values as text
    # (every value's length plus 8 bytes), counted before a value is converted.
    parquet_max_uitgepakt_mb: float = Field(gt=0)


class Koppelgraad(_Model):
    """When a delivery's koppelgraad (its share of records linking to a partner by kind_id) dropped
    so sharply against the organisation's previous delivery that a different key is likely (issue 16).

    A drop warns when both deliveries have at least `min_records` records that should link, and the
    share fell by at least `daling_procentpunten` points and by at least `daling_relatief_pct` percent
    of the previous share (81% -> 3% is 78 points and 96%; 12% -> 6% is only 6 points).
    """

    min_records: int = Field(default=20, ge=1)
    daling_procentpunten: float = Field(default=20, gt=0, le=100)
    daling_relatief_pct: float = Field(default=50, gt=0, le=100)


class Bewaren(_Model):
    """How long the files of superseded deliveries are kept (issue 16): `ketenmonitor opschonen`.

    A delivery's files (archive copy, typed copy, inbox copy of that version) go once it is
    superseded (its organisation has an accepted delivery of the bron with a later peildatum) and
    its peildatum lies more than `bewaartermijn_maanden` months before today. `opschonen_cron` is
    when the Dagster schedule `opschonen` runs, in `planning.tijdzone`.
    """

    bewaartermijn_maanden: int = Field(default=24, ge=1)
    opschonen_cron: str = "0 6 17 * *"

    @field_validator("opschonen_cron")
    @classmethod
    def _valid_cron(cls, value: str) -> str:
        Planning(cron=value)  # the same cron syntax as the monthly schedule
        return value


class Instellingen(_Model):
    versie: str = Field(pattern=r"^\d+\.\d+\.\d+$")
    contract_versie: int = Field(ge=1)
    monitor_startdatum: date
    onderdrukking: Onderdrukking
    aanlevering: Aanlevering
    doorstroom: Doorstroom
    trajecten: Trajecten
    limieten: Limieten
    planning: Planning = Field(default_factory=Planning)
    koppelgraad: Koppelgraad = Field(default_factory=Koppelgraad)
    bewaren: Bewaren = Field(default_factory=Bewaren)


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


class Normen(_Model):
    normen: list[Norm] = Field(min_length=1)

    def norm(self, code: str) -> Norm:
        return next(n for n in self.normen if n.code == code)


# --- codelijsten.yaml, typen.yaml ---------------------------------------------------


class Code(_Model):
    code: str = Field(pattern=r"^[A-Z][A-Z0-9_]*$")
    nl: str
    en: str
    kader: Literal["JB", "JR"] | None = None
    # A code of an earlier contract version: still accepted (ALG-CODE-001), reported (ALG-CODE-W01)
    # and, with `vervangen_door`, read as that code in the typed copy that staging reads.
    vervallen: bool = False
    vervangen_door: str | None = None

    @model_validator(mode="after")
    def _replacement_only_when_vervallen(self) -> Code:
        if self.vervangen_door is not None and not self.vervallen:
            raise ValueError(f"{self.code}: vervangen_door only applies to a vervallen code")
        return self


class Codelijst(_Model):
    omschrijving: Tekst
    codes: list[Code] = Field(min_length=1)

    @model_validator(mode="after")
    def _replacements_are_current_codes(self) -> Codelijst:
        current = {c.code for c in self.codes if not c.vervallen}
        for c in self.codes:
            if c.vervangen_door is not None and c.vervangen_door not in current:
                raise ValueError(f"{c.code}: vervangen_door {c.vervangen_door!r} is not a current code of the list")
        return self

    @property
    def waarden(self) -> list[str]:
        """Every accepted code, vervallen ones included."""
        return [c.code for c in self.codes]

    @property
    def vervallen(self) -> list[str]:
        return [c.code for c in self.codes if c.vervallen]

    @property
    def vervangingen(self) -> dict[str, str]:
        """Vervallen code -> the code it is read as."""
        return {c.code: c.vervangen_door for c in self.codes if c.vervangen_door is not None}


class Kolomtype(_Model):
    basis: Basis
    omschrijving: Tekst
    patroon: str | None = None
    referentie: Literal["gemeenten"] | None = None
    pseudoniem: bool = False
    # One value on every row of a file (rule kind een_waarde): the key fingerprint of a delivery.
    een_waarde_per_bestand: bool = False

    @field_validator("patroon")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"not a valid regular expression: {exc}") from exc
        return value


# --- bronnen/*.yaml -----------------------------------------------------------------


class Kolom(_Model):
    naam: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    type: str
    verplicht: bool
    omschrijving: Tekst
    codelijst: str | None = None
    # The column may be left out of the file (a column added in a later contract version, so that
    # earlier deliveries stay valid); the typed copy always holds it, all empty when it was left out.
    optioneel: bool = False

    @model_validator(mode="after")
    def _optional_is_not_required(self) -> Kolom:
        if self.optioneel and self.verplicht:
            raise ValueError(f"column {self.naam}: an optioneel column cannot be verplicht")
        return self


class Bron(_Model):
    bron: Literal["gi_maatregelen", "gi_capaciteit", "vt_meldingen", "rvdk_onderzoeken"]
    omschrijving: Tekst
    organisatie_types: list[OrganisatieType] = Field(min_length=1)
    record_id: str
    # The columns that identify a record together (default: the record id alone).
    sleutel: list[str] = Field(default_factory=list)
    kolommen: list[Kolom] = Field(min_length=1)
    regels: list[Regel] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _default_key(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.get("sleutel") and "record_id" in data:
            data = {**data, "sleutel": [data["record_id"]]}
        return data

    @model_validator(mode="after")
    def _consistent(self) -> Bron:
        names = [k.naam for k in self.kolommen]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"duplicate column(s): {', '.join(dupes)}")
        if self.record_id not in names:
            raise ValueError(f"record_id {self.record_id!r} is not one of the columns")
        if self.sleutel[0] != self.record_id or len(set(self.sleutel)) != len(self.sleutel):
            raise ValueError("sleutel starts with the record_id and names each column once")
        for col in self.sleutel:
            if col not in names or self.kolom(col).optioneel:
                raise ValueError(f"sleutel column {col!r} is not a (non-optional) column of {self.bron}")
        for regel in self.regels:
            if regel.controle in GENERAL_CHECKS:
                raise ValueError(f"rule {regel.code}: controle {regel.controle!r} belongs in regels_algemeen.yaml")
            for attr, col in regel.genoemde_kolommen_per_attribuut():
                if col not in names:
                    raise ValueError(f"rule {regel.code}: {attr} {col!r} is not a column of {self.bron}")
            uniek_op_sleutel = regel.controle == "uniek" and regel.kolom == self.record_id
            if uniek_op_sleutel and [regel.kolom, *regel.samen_met] != self.sleutel:
                raise ValueError(
                    f"rule {regel.code}: the uniqueness of the record id covers the sleutel {self.sleutel}"
                )
        return self

    @property
    def kolomnamen(self) -> list[str]:
        return [k.naam for k in self.kolommen]

    @property
    def optionele_kolomnamen(self) -> list[str]:
        """Columns a delivery may leave out (ALG-KOL-001 accepts their absence)."""
        return [k.naam for k in self.kolommen if k.optioneel]

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


class Organisatie(_Model):
    organisatie_code: str = Field(pattern=r"^[A-Z][A-Z0-9_]*$")
    organisatie_naam: str = Field(min_length=1)
    organisatie_type: OrganisatieType


class Organisatietype(_Model):
    organisatie_type: OrganisatieType
    omschrijving_nl: str
    omschrijving_en: str


class Begrip(_Model):
    """A concept of the monitor explained for its readers (begrippen.yaml, in the data dictionary)."""

    naam: str = Field(min_length=1)
    uitleg: str = Field(min_length=1)
    voorbeeld: str = Field(min_length=1)


class Begrippen(_Model):
    begrippen: list[Begrip] = Field(default_factory=list)


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


# --- rapportage.yaml: which figures the reports show, over how long, in which words ---------

AANLEVERSTATUSSEN = ("op_tijd", "te_laat", "in_quarantaine", "ontbreekt", "nog_binnen_termijn")


class Stap(_Model):
    stap: str = Field(pattern=r"^[A-Z][A-Z0-9_]*$")
    label: str = Field(min_length=1)


class Ketenschakel(_Model):
    naam: str = Field(min_length=1)
    stappen: list[Stap] = Field(min_length=1)


class Status(_Model):
    label: str = Field(min_length=1)
    symbool: str = Field(min_length=1, max_length=2)


class Rapportage(_Model):
    maanden_in_grafieken: int = Field(ge=13)  # a year-earlier comparison needs at least 13
    maanden_aanlevering: int = Field(ge=1)
    kader_normen: Literal["JB", "JR"]
    ketenschakels: list[Ketenschakel] = Field(min_length=1)
    normlabels: dict[str, str]
    aanleverstatus: dict[str, Status]

    @property
    def stappen(self) -> list[Stap]:
        """Every lead-time step in chain order."""
        return [s for schakel in self.ketenschakels for s in schakel.stappen]


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
    rapportage: Rapportage
    # begrippen.yaml (optional file): empty when absent.
    begrippen: list[Begrip] = Field(default_factory=list)

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
            "vervallen_code": lambda k: k.codelijst is not None and bool(self.codelijsten[k.codelijst].vervallen),
            "een_waarde": lambda k: self.typen[k.type].een_waarde_per_bestand,
        }
        if regel.controle in selectors:
            return [k for k in b.kolommen if selectors[regel.controle](k)]
        naam = getattr(regel, "kolom", None)
        return [b.kolom(naam)] if naam in b.kolomnamen and regel in b.regels else []
