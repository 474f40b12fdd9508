"""definitions/rapportage.yaml: which figures the reports show, over how long, in which words."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from sources.definitions import Definitions, DefinitionsError

FILE = "rapportage.yaml"
AANLEVERSTATUSSEN = ("op_tijd", "te_laat", "in_quarantaine", "ontbreekt", "nog_binnen_termijn")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


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


def load_rapportage(defs: Definitions) -> Rapportage:
    """Read and cross-check definitions/rapportage.yaml against the norms and code lists."""
    return _load(defs.root, tuple(n.code for n in defs.normen.normen))


@cache
def _load(root: Path, norm_codes: tuple[str, ...]) -> Rapportage:
    path = root / FILE
    try:
        config = Rapportage.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (OSError, ValueError) as exc:
        raise DefinitionsError(path, "", str(exc)) from exc
    if set(config.normlabels) != set(norm_codes):
        raise DefinitionsError(path, "normlabels", f"needs exactly the norms of normen.yaml: {', '.join(norm_codes)}")
    if set(config.aanleverstatus) != set(AANLEVERSTATUSSEN):
        raise DefinitionsError(path, "aanleverstatus", f"needs exactly {', '.join(AANLEVERSTATUSSEN)}")
    return config
