"""What every definitions model shares: the error type, the strict base model, bilingual text."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

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
