"""The generator's tuning numbers (`parameters.yaml`), validated and cross-checked with the definitions."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sources.definitions import Definitions

PARAMETERS_FILE = Path(__file__).with_name("parameters.yaml")

Formaat = Literal["csv", "csv_nl", "xlsx", "parquet"]
Bereik = tuple[float, float]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Kansdeel(_Model):
    """One part of a piecewise distribution: with probability `kans`, uniform in `dagen` (None = never)."""

    kans: float = Field(ge=0)
    dagen: tuple[int, int] | None


class Pseudonimisering(_Model):
    aandeel_voorloopnul: float = Field(ge=0, le=1)
    record_id_prefix: dict[str, str]


class Regio(_Model):
    standaard_inwoners: float = Field(gt=0)
    inwoners: dict[str, float]
    factor: dict[str, float]


class Organisaties(_Model):
    landelijke_gi: dict[Literal["JB", "JR"], dict[str, float]]
    standaard_formaat: Formaat
    formaten: dict[str, dict[str, Formaat]]


class Voorlopig(_Model):
    omgezet: float = Field(ge=0, le=1)
    duur_omgezet: tuple[int, int]
    duur_anders: tuple[int, int]
    reden_anders: dict[str, float]


class Ots(_Model):
    duur_jaren_gemiddeld: float = Field(gt=0)
    duur_vorm: float = Field(gt=0)
    duur_min: int = Field(ge=1)
    duur_max: int = Field(ge=1)
    reden: dict[str, float]


class Voogdij(_Model):
    eerder_einde: float = Field(ge=0, le=1)
    eerder_einde_jaren: Bereik
    reden_eerder: dict[str, float]


class Jb(_Model):
    mix: dict[str, float]
    leeftijd: list[float] = Field(min_length=18, max_length=18)
    leeftijd_voogdij: list[float] = Field(min_length=18, max_length=18)
    voorlopige_ots: Voorlopig
    voorlopige_voogdij: Voorlopig
    ots: Ots
    voogdij: Voogdij
    scheiding: dict[str, tuple[float, float]]


class Jr(_Model):
    mix: dict[str, float]
    leeftijd_van: int = Field(ge=0)
    leeftijd: list[float] = Field(min_length=1)
    duur_maanden_gemiddeld: float = Field(gt=0)
    duur_vorm: float = Field(gt=0)
    duur_min: int = Field(ge=1)
    reden: dict[str, float]
    met_strafonderzoek: float = Field(ge=0, le=1)
    straf_afgerond_voor_uitspraak: tuple[int, int]
    straf_duur: tuple[int, int]
    straf_verzoek_start: tuple[int, int]
    straf_uitkomst: dict[str, float]


class Wachtlijst(_Model):
    aandeel: float = Field(ge=0, le=1)
    gemiddelde_dagen: float = Field(gt=0)
    minimaal_dagen: int = Field(ge=0)


class Uitvoering(_Model):
    kennisstelling: list[Kansdeel]
    # A follow-on measure (OMGEZET) starts this many days after the measure before it ended.
    vervolg_uitspraak_na_einde: list[Kansdeel]
    jeugdbeschermer_werkdagen: list[Kansdeel]
    wachtlijst: dict[str, Wachtlijst]
    plan_van_aanpak: list[Kansdeel]
    passende_hulp: list[Kansdeel]
    vervolg_zelfde_jeugdbeschermer: float = Field(ge=0, le=1)
    vervolg_zelfde_plan: float = Field(ge=0, le=1)
    vervolg_zelfde_hulp: float = Field(ge=0, le=1)

    @model_validator(mode="after")
    def _kennisstelling_within_contract(self) -> Uitvoering:
        # GIM-003: never more than 7 days before the ruling.
        if any(d.dagen is None or d.dagen[0] < -7 for d in self.kennisstelling):
            raise ValueError("kennisstelling: days must be given and >= -7")
        if any(d.dagen is None or d.dagen[0] < 0 for d in self.jeugdbeschermer_werkdagen):
            raise ValueError("jeugdbeschermer_werkdagen: days must be given and >= 0")
        return self


class Rvdk(_Model):
    rekest_aandeel: float = Field(gt=0, lt=1)
    met_onderzoek: dict[str, float]
    voorlopig: dict[Literal["voorafgaand", "tijdens"], float]
    spoedverzoek_voor_uitspraak: list[Kansdeel]
    voorafgaand_verzoek_voor_spoed: tuple[int, int]
    verzoeker: dict[str, dict[str, float]]
    verzoeker_na_ots: dict[str, float]
    rekest_voor_uitspraak: tuple[int, int]
    afgerond_na_rekest: tuple[int, int]
    duur_start_afgerond: tuple[int, int]
    verzoek_tot_start: tuple[int, int]
    tijdens_verzoek_voor_uitspraak: tuple[int, int]
    tijdens_verzoek_tot_start: tuple[int, int]
    tijdens_rekest_voor_vervolg: tuple[int, int]
    tijdens_afgerond_voor_einde: tuple[int, int]
    tijdens_duur_min: int = Field(ge=0)
    achtergrond_uitkomst_zonder_rekest: dict[str, float]
    gezag_omgang_uitkomst: dict[str, float]
    via_veilig_thuis: float = Field(ge=0, le=1)
    via_veilig_thuis_achtergrond: float = Field(ge=0, le=1)
    via_veilig_thuis_na_ots: float = Field(ge=0, le=1)


class Vt(_Model):
    leeftijd: list[float] = Field(min_length=18, max_length=18)
    afgerond: dict[str, list[Kansdeel]]
    vervolg: dict[str, dict[str, float]]
    herhaald: float = Field(ge=0, lt=1)
    herhaald_na: tuple[int, int]
    ontvangst_tot_verzoek: tuple[int, int]
    verzoek_tot_raad: tuple[int, int]
    verzoek_tot_afgerond: tuple[int, int]
    soort_bij_verzoek: dict[str, float]
    # Share of advice requests made anonymously (no kind_id), and of those without a geboortejaar.
    anoniem_advies: float = Field(ge=0, le=1)
    anoniem_zonder_geboortejaar: float = Field(ge=0, le=1)
    # Per soort: share of cases about 2 and about 3 children (one row per child, same melding_id).
    broers_zussen: dict[str, dict[Literal[2, 3], float]]
    broers_zussen_leeftijdsverschil: tuple[int, int]


class Verhuizing(_Model):
    per_jaar: float = Field(ge=0, lt=1)
    andere_regio: float = Field(ge=0, le=1)
    overdracht_na_verhuizing: tuple[int, int]
    overname_na_einde: tuple[int, int]
    minimale_rest_dagen: int = Field(ge=1)


class Capaciteit(_Model):
    caseload_jb: float = Field(gt=0)
    caseload_jr: float = Field(gt=0)
    caseload_jb_per_gi: dict[str, float]
    ruis_pct: float = Field(ge=0)
    instroom_per_fte: float = Field(ge=0)
    uitstroom_per_fte: float = Field(ge=0)
    uitstroom_per_fte_per_gi: dict[str, float]
    verzuim_pct: float = Field(ge=0, le=100)
    verzuim_pct_per_gi: dict[str, float]
    verzuim_seizoen: float = Field(ge=0)
    verzuim_ruis: float = Field(ge=0)
    fte_jeugdbeschermer_minimaal: float = Field(gt=0)
    verzuim_grenzen: Bereik


class Correcties(_Model):
    per_1000: float = Field(ge=0)
    verschuiving: tuple[int, int]
    kolommen: dict[str, list[str]]
    intrekkingen_per_1000: float = Field(ge=0)


class Parameters(_Model):
    pseudonimisering: Pseudonimisering
    schaal: dict[Literal["demo", "national"], float]
    snapshots: dict[Literal["demo", "national"], int]
    inloop_jaren: dict[Literal["jb", "jr", "rvdk", "vt"], int]
    landelijk: dict[str, dict[int, float] | dict[str, dict[int, float]]]
    regio: Regio
    organisaties: Organisaties
    rollen: dict[str, str]
    jb: Jb
    jr: Jr
    uitvoering: Uitvoering
    rvdk: Rvdk
    vt: Vt
    verhuizing: Verhuizing
    capaciteit: Capaciteit
    correcties: Correcties

    def rol(self, naam: str) -> str:
        return self.rollen[naam]

    def jaartabel(self, *keys: str) -> dict[int, float]:
        """A yearly national volume table, e.g. jaartabel('vt', 'MELDING')."""
        node: object = self.landelijk
        for key in keys:
            node = node[key]  # type: ignore[index]
        return node  # type: ignore[return-value]

    def formaat(self, organisatie_code: str, bron: str) -> Formaat:
        return self.organisaties.formaten.get(organisatie_code, {}).get(bron, self.organisaties.standaard_formaat)


class ParametersError(ValueError):
    """parameters.yaml is malformed or names a code, column or organisation the definitions do not know."""


_ROLE_LISTS = {
    "ots": "maatregel_type",
    "voorlopige_ots": "maatregel_type",
    "voogdij": "maatregel_type",
    "voorlopige_voogdij": "maatregel_type",
    "jr_samenloop": "maatregel_type",
    "omgezet": "reden_einde",
    "overgedragen": "reden_einde",
    "meerderjarig": "reden_einde",
    "overig": "reden_einde",
    "bescherming": "rvdk_soort",
    "straf": "rvdk_soort",
    "gezag_omgang": "rvdk_soort",
    "verzoek_maatregel": "uitkomst",
    "verzoek_rvdk": "vervolg",
    "melding": "vt_soort",
    "advies": "vt_soort",
}


def _check_codes(defs: Definitions, lijst: str, codes: object, where: str) -> None:
    known = set(defs.codelijsten[lijst].waarden)
    unknown = sorted(set(codes) - known)  # type: ignore[arg-type]
    if unknown:
        raise ParametersError(f"parameters.yaml: {where}: unknown {lijst} code(s) {', '.join(unknown)}")


def _cross_check(p: Parameters, defs: Definitions) -> None:
    for role, lijst in _ROLE_LISTS.items():
        if role not in p.rollen:
            raise ParametersError(f"parameters.yaml: rollen.{role} is missing")
        _check_codes(defs, lijst, [p.rollen[role]], f"rollen.{role}")
    _check_codes(defs, "maatregel_type", p.jb.mix, "jb.mix")
    _check_codes(defs, "maatregel_type", p.jr.mix, "jr.mix")
    for code in p.jb.mix:
        if defs.kader(code) != "JB":
            raise ParametersError(f"parameters.yaml: jb.mix: {code} is not a JB measure")
    for code in p.jr.mix:
        if defs.kader(code) != "JR":
            raise ParametersError(f"parameters.yaml: jr.mix: {code} is not a JR measure")
    for where, mix in [
        ("jb.voorlopige_ots.reden_anders", p.jb.voorlopige_ots.reden_anders),
        ("jb.voorlopige_voogdij.reden_anders", p.jb.voorlopige_voogdij.reden_anders),
        ("jb.ots.reden", p.jb.ots.reden),
        ("jb.voogdij.reden_eerder", p.jb.voogdij.reden_eerder),
        ("jr.reden", p.jr.reden),
    ]:
        _check_codes(defs, "reden_einde", mix, where)
    _check_codes(defs, "uitkomst", p.jr.straf_uitkomst, "jr.straf_uitkomst")
    _check_codes(defs, "uitkomst", p.rvdk.achtergrond_uitkomst_zonder_rekest, "rvdk.achtergrond_uitkomst_zonder_rekest")
    _check_codes(defs, "uitkomst", p.rvdk.gezag_omgang_uitkomst, "rvdk.gezag_omgang_uitkomst")
    _check_codes(defs, "maatregel_type", p.rvdk.met_onderzoek, "rvdk.met_onderzoek")
    _check_codes(defs, "vt_soort", p.vt.afgerond, "vt.afgerond")
    _check_codes(defs, "vt_soort", p.vt.vervolg, "vt.vervolg")
    _check_codes(defs, "vt_soort", p.vt.soort_bij_verzoek, "vt.soort_bij_verzoek")
    _check_codes(defs, "vt_soort", p.vt.broers_zussen, "vt.broers_zussen")
    _check_codes(defs, "rvdk_soort", p.rvdk.verzoeker, "rvdk.verzoeker")
    # The verzoeker list is version 2; definitions without it simply get no verzoeker column.
    if "verzoeker" in defs.codelijsten:
        for soort, mix in p.rvdk.verzoeker.items():
            _check_codes(defs, "verzoeker", mix, f"rvdk.verzoeker.{soort}")
        _check_codes(defs, "verzoeker", p.rvdk.verzoeker_na_ots, "rvdk.verzoeker_na_ots")
        _check_codes(defs, "verzoeker", [p.rol("verzoeker_vt")], "rollen.verzoeker_vt")
    _check_codes(defs, "vt_soort", p.jaartabel("vt"), "landelijk.vt")
    _check_codes(defs, "rvdk_soort", p.jaartabel("rvdk"), "landelijk.rvdk")
    for soort, mix in p.vt.vervolg.items():
        _check_codes(defs, "vervolg", mix, f"vt.vervolg.{soort}")
        if p.rol("verzoek_rvdk") in mix:
            raise ParametersError(f"parameters.yaml: vt.vervolg.{soort}: requests to the Raad come from the chain only")
    orgs = defs.organisaties_by_code
    for kader, shares in p.organisaties.landelijke_gi.items():
        for code in shares:
            if code not in orgs or orgs[code].organisatie_type != "GI":
                raise ParametersError(f"parameters.yaml: organisaties.landelijke_gi.{kader}: {code} is not a GI")
    for code, per_bron in p.organisaties.formaten.items():
        for bron in per_bron:
            if bron not in defs.bronnen:
                raise ParametersError(f"parameters.yaml: organisaties.formaten.{code}: unknown bron {bron}")
    for bron, kolommen in p.correcties.kolommen.items():
        if bron not in defs.bronnen:
            raise ParametersError(f"parameters.yaml: correcties.kolommen: unknown bron {bron}")
        for kolom in kolommen:
            if kolom not in defs.bronnen[bron].kolomnamen or defs.bronnen[bron].kolom(kolom).verplicht:
                raise ParametersError(f"parameters.yaml: correcties.kolommen.{bron}: {kolom} is not an optional column")


def load_parameters(defs: Definitions, path: Path | str | None = None) -> Parameters:
    """Read parameters.yaml (or `path`) and check every code it names against the definitions."""
    path = Path(path) if path is not None else PARAMETERS_FILE
    with path.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    try:
        params = Parameters.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise ParametersError(f"{path}: {where}: {err['msg']}") from None
    _cross_check(params, defs)
    return params
