"""The rule kinds of the definitions (`controle`), one class each, and the one table of how each applies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal, get_args

from pydantic import Field, model_validator

from sources.definitions.base import RULE_CODE, Ernst, Tekst, _Model

# --- rules --------------------------------------------------------------------------


_COMMON_FIELDS = frozenset({"code", "ernst", "melding", "omschrijving", "controle"})


class _Regel(_Model):
    code: str = Field(pattern=RULE_CODE)
    ernst: Ernst
    melding: Tekst
    omschrijving: Tekst | None = None

    def parameters(self) -> dict:
        """The rule's own settings (kolom, marge_dagen, ...): every field but those all rules share."""
        return {k: v for k, v in self.model_dump().items() if k not in _COMMON_FIELDS}

    def genoemde_kolommen(self) -> list[str]:
        """Every column of the bron the rule names (it is skipped when one of them is not delivered)."""
        return [c for _, c in self.genoemde_kolommen_per_attribuut()]

    def genoemde_kolommen_per_attribuut(self) -> list[tuple[str, str]]:
        """(attribute, column) for every column the rule names."""
        named = []
        for attr in COLUMN_ATTRS:
            value = getattr(self, attr, None)
            named += [(attr, c) for c in (value if isinstance(value, list) else [value]) if c]
        return named


# The attributes through which a bron rule names a column (samen_met: a list of them).
COLUMN_ATTRS = ("kolom", "referentie_kolom", "voorwaarde_kolom", "behalve_kolom", "groep_kolom", "samen_met")


class LeesbaarRegel(_Regel):
    controle: Literal["leesbaar"]


class NietLeegRegel(_Regel):
    controle: Literal["niet_leeg"]


class BestandsnaamRegel(_Regel):
    controle: Literal["bestandsnaam"]


class PeildatumNietInToekomstRegel(_Regel):
    """The peildatum is not after today (in `planning.tijdzone`, or $KETENMONITOR_VANDAAG)."""

    controle: Literal["peildatum_niet_in_toekomst"]


class BinnenLimietenRegel(_Regel):
    """The file stays within `limieten` of instellingen.yaml (size, rows, columns, unpacked size)."""

    controle: Literal["binnen_limieten"]


class FormulesMetWaardeRegel(_Regel):
    """Every formula cell of an xlsx sheet holds its stored (calculated) value."""

    controle: Literal["formules_met_waarde"]
    # How many cell ranges the message lists before "and N more".
    max_bereiken: int = Field(default=10, ge=1)


class EenWerkbladRegel(_Regel):
    """An xlsx workbook has one non-empty sheet: the delivery."""

    controle: Literal["een_werkblad"]


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


class EenWaardeRegel(_Regel):
    """A column whose type has `een_waarde_per_bestand` holds one value on every row (or is empty throughout)."""

    controle: Literal["een_waarde"]


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


class VervallenCodeRegel(_Regel):
    """A code marked `vervallen` in its code list: still accepted, reported, read as its `vervangen_door`."""

    controle: Literal["vervallen_code"]


class UniekRegel(_Regel):
    """`kolom` (with `samen_met`: the combination of the columns) occurs once; an empty value counts as a value."""

    controle: Literal["uniek"]
    kolom: str
    samen_met: list[str] = Field(default_factory=list)


class JarenVoorPeildatumRegel(_Regel):
    controle: Literal["jaren_voor_peildatum"]
    kolom: str
    min_jaren: int
    max_jaren: int


class Jarenbereik(_Model):
    min_jaren: int
    max_jaren: int

    @model_validator(mode="after")
    def _ordered(self) -> Jarenbereik:
        if self.min_jaren > self.max_jaren:
            raise ValueError("min_jaren must not exceed max_jaren")
        return self


class JarenVoorDatumRegel(_Regel):
    """The year of `referentie_kolom` minus `kolom` (a year) lies within a range, checked where both are filled.

    The range is `min_jaren`..`max_jaren`; with `groep_kolom` a row whose group has its own entry in
    `bereiken` uses that one instead. The group is the value of `groep_kolom`, or with `groep_kenmerk`
    (kader) that attribute of the value's code in its code list. A row whose group has no entry and
    a rule without `min_jaren`/`max_jaren` leave the row unchecked.
    """

    controle: Literal["jaren_voor_datum"]
    kolom: str
    referentie_kolom: str
    min_jaren: int | None = None
    max_jaren: int | None = None
    groep_kolom: str | None = None
    groep_kenmerk: Literal["kader"] | None = None
    bereiken: dict[str, Jarenbereik] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _complete(self) -> JarenVoorDatumRegel:
        if (self.min_jaren is None) != (self.max_jaren is None):
            raise ValueError("give both min_jaren and max_jaren, or neither")
        if self.min_jaren is not None and self.min_jaren > self.max_jaren:
            raise ValueError("min_jaren must not exceed max_jaren")
        if self.min_jaren is None and not self.bereiken:
            raise ValueError("a jaren_voor_datum rule needs min_jaren/max_jaren or bereiken")
        if (self.bereiken or self.groep_kenmerk) and self.groep_kolom is None:
            raise ValueError("bereiken and groep_kenmerk need a groep_kolom")
        return self

    def bereik_tekst(self) -> str:
        """The ranges as a message shows them: "0-17, STRAFONDERZOEK 12-22" or "JB 0-17, JR 12-22"."""
        parts = [] if self.min_jaren is None else [f"{self.min_jaren}-{self.max_jaren}"]
        parts += [f"{groep} {b.min_jaren}-{b.max_jaren}" for groep, b in self.bereiken.items()]
        return ", ".join(parts)


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


class VerplichtTenzijRegel(_Regel):
    """`kolom` is filled, unless `voorwaarde_kolom` holds one of `waarden` (a conditional required value)."""

    controle: Literal["verplicht_tenzij"]
    kolom: str
    voorwaarde_kolom: str
    waarden: list[str] = Field(min_length=1)


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
    | PeildatumNietInToekomstRegel
    | BinnenLimietenRegel
    | FormulesMetWaardeRegel
    | EenWerkbladRegel
    | BekendeOrganisatieRegel
    | BronToegestaanRegel
    | ExacteKolommenRegel
    | VerbodenKolomnamenRegel
    | GeenBsnRegel
    | TypeRegel
    | EenWaardeRegel
    | VerplichtRegel
    | CodelijstRegel
    | PatroonRegel
    | ReferentieRegel
    | NietNaPeildatumRegel
    | AantalRijenVeranderingRegel
    | VervallenCodeRegel
    | UniekRegel
    | JarenVoorPeildatumRegel
    | JarenVoorDatumRegel
    | NietVoorRegel
    | GevuldPreciesAlsRegel
    | VerplichtTenzijRegel
    | BereikRegel
    | MaandeindeRegel
    | MaxDuurDagenRegel,
    Field(discriminator="controle"),
]


@dataclass(frozen=True)
class CheckKind:
    """How a kind of rule (`controle`) is applied: the one table the validation stages read."""

    # In regels_algemeen.yaml and applied to every bron by column attributes; else a bron's own rule.
    general: bool
    # pre_read: about the file and its path, decided before reading it (or by the reader, which
    # refuses the file: readability, limits, xlsx formulas and sheets); file: about the file as read
    # (header, row count), one result per file or column; row: counts failing rows.
    stage: Literal["pre_read", "file", "row"]


CHECK_KINDS: dict[str, CheckKind] = {
    "leesbaar": CheckKind(True, "pre_read"),
    "bestandsnaam": CheckKind(True, "pre_read"),
    "peildatum_niet_in_toekomst": CheckKind(True, "pre_read"),
    "binnen_limieten": CheckKind(True, "pre_read"),
    "formules_met_waarde": CheckKind(True, "pre_read"),
    "een_werkblad": CheckKind(True, "pre_read"),
    "bekende_organisatie": CheckKind(True, "pre_read"),
    "bron_toegestaan": CheckKind(True, "pre_read"),
    "niet_leeg": CheckKind(True, "file"),
    "exacte_kolommen": CheckKind(True, "file"),
    "verboden_kolomnamen": CheckKind(True, "file"),
    "aantal_rijen_verandering": CheckKind(True, "file"),
    "geen_bsn": CheckKind(True, "row"),
    "type": CheckKind(True, "row"),
    "een_waarde": CheckKind(True, "row"),
    "verplicht": CheckKind(True, "row"),
    "codelijst": CheckKind(True, "row"),
    "patroon": CheckKind(True, "row"),
    "referentie": CheckKind(True, "row"),
    "niet_na_peildatum": CheckKind(True, "row"),
    "vervallen_code": CheckKind(True, "row"),
    "uniek": CheckKind(False, "row"),
    "jaren_voor_peildatum": CheckKind(False, "row"),
    "jaren_voor_datum": CheckKind(False, "row"),
    "niet_voor": CheckKind(False, "row"),
    "gevuld_precies_als": CheckKind(False, "row"),
    "verplicht_tenzij": CheckKind(False, "row"),
    "bereik": CheckKind(False, "row"),
    "maandeinde": CheckKind(False, "row"),
    "max_duur_dagen": CheckKind(False, "row"),
}
GENERAL_CHECKS = frozenset(c for c, k in CHECK_KINDS.items() if k.general)
PRE_READ_CHECKS = frozenset(c for c, k in CHECK_KINDS.items() if k.stage == "pre_read")
ROW_CHECKS = frozenset(c for c, k in CHECK_KINDS.items() if k.stage == "row")

_RULE_CLASSES = get_args(get_args(Regel)[0])
if set(CHECK_KINDS) != {get_args(c.model_fields["controle"].annotation)[0] for c in _RULE_CLASSES}:
    raise RuntimeError("CHECK_KINDS and the rule classes name different kinds of rule")


class AlgemeneRegels(_Model):
    regels: list[Regel] = Field(min_length=1)

    @model_validator(mode="after")
    def _only_general_checks(self) -> AlgemeneRegels:
        for regel in self.regels:
            if regel.controle not in GENERAL_CHECKS:
                raise ValueError(f"rule {regel.code}: controle {regel.controle!r} belongs in a bron file")
        return self
