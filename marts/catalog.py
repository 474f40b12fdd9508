"""The catalog of SQL models in `marts/`: one `<name>.sql` plus a `<name>.yml` describing it.

A model in schema `modellen` (folder `marts/modellen/`) is a shared building block (month
spine, region per month, working-day index, chain links, ...); a model in schema `marts`
(the folder's root) is a mart of docs/contract.md section 5, or the delivery monitor
`aanlevering`. The `.yml` says what the table is (description, grain, key), what it reads
(`depends_on`: the runner's build order and the Dagster deps), which dimension columns hold
`TOTAAL` on roll-up rows, and the role of every column, which the export's suppression and
the mart checks use:

- `dimension`: part of the key or a plain attribute; never suppressed;
- `count`: an integer count of cases; suppressed in exports when 1 to threshold - 1;
- `derived`: a mean, median, p90, percentage or ratio; suppressed when its `basis` (the
  sum of the listed count columns) is below the threshold;
- `value`: a delivered figure or a parameter (FTE, norm); not suppressed.

`render_marts_markdown()` renders `docs/marts.md`, which documents every mart.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sources.definitions.dictionary import write_generated
from sources.definitions.load import parse_yaml

MARTS_DIR = Path(__file__).resolve().parent
MARTS_DOC = MARTS_DIR.parent / "docs" / "marts.md"
MART_SCHEMA = "marts"
MODEL_SCHEMA = "modellen"
TOTAAL = "TOTAAL"

Role = Literal["dimension", "count", "derived", "value"]
ColumnType = Literal["DATE", "VARCHAR", "BIGINT", "DOUBLE", "BOOLEAN"]
Unit = Literal["dagen", "percentage", "fte", "per_fte", "aantal"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Column(_Model):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    type: ColumnType
    role: Role
    description: str = Field(min_length=1)
    unit: Unit | None = None
    # Count columns whose sum is the number of cases behind a derived figure.
    basis: list[str] = Field(default_factory=list)
    # A TOTAAL row holds the sum of the rows it rolls up (checked by `rollup_is_som`).
    additive: bool = False
    # Whether the export suppresses small values; by default counts and derived figures.
    suppress: bool | None = None
    # Used inside the warehouse and the export step only (a cell key), never written to an export.
    intern: bool = False

    @model_validator(mode="after")
    def _consistent(self) -> Column:
        if self.role == "derived" and not self.basis:
            raise ValueError(f"derived column {self.name} needs a basis (the count column(s) behind it)")
        if self.role != "derived" and self.basis:
            raise ValueError(f"only derived columns have a basis ({self.name})")
        return self

    @property
    def suppressed(self) -> bool:
        return self.suppress if self.suppress is not None else self.role in ("count", "derived")


class ModelSpec(_Model):
    """One SQL model: `marts/<name>.sql` builds table `<schema>.<name>`."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    schema_: Literal["marts", "modellen"] = Field(alias="schema")
    title: str = Field(min_length=1)
    description: str = Field(min_length=1)
    grain: str = Field(min_length=1)
    # A view for person-level building blocks that are cheap to compute and large to store.
    materialized: Literal["table", "view"] = "table"
    # Tables read: `staging.<bron>`, `referentie.<table>`, `modellen.<model>` (build order, Dagster deps).
    depends_on: list[str] = Field(default_factory=list)
    key: list[str] = Field(min_length=1)
    # Dimension columns that hold TOTAAL on roll-up rows -> what the roll-up means.
    rollups: dict[str, str] = Field(default_factory=dict)
    # Roll-up columns nested in another (gemeente_code in jeugdregio_code): child -> parent.
    nested: dict[str, str] = Field(default_factory=dict)
    # Checks beyond the generic ones derived from the columns (see marts/checks.py).
    checks: list[str] = Field(default_factory=list)
    # Choices the contract leaves open, for docs/marts.md.
    notes: list[str] = Field(default_factory=list)
    columns: list[Column] = Field(min_length=1)
    # A column whose every row holds one bron (never TOTAAL), such that the rows of one bron are
    # made from that bron's rows of what the model reads only: the runner can rebuild one bron's
    # rows alone (marts/incremental.py). The SQL then takes the bronnen to build as $bronnen.
    partitie: Literal["bron"] | None = None
    # With partitie: a table read by the rows of some bronnen only (the GI steps of doorlooptijden
    # read the GI trajectories) -> those bronnen. A table not named here counts for every bron.
    depends_on_per_bron: dict[str, list[str]] = Field(default_factory=dict)
    # Built one year of periode at a time: the SQL keeps the rows of the periods starting in year
    # $jaar (and may skip cases outside that year's months, $eerste_maand to $laatste_maand), and
    # the runner runs it for every year of modellen.perioden (marts/meta/jaren.sql), inserting
    # each year's rows. For medians over many periods: the quantile states of every
    # period at once are the memory peak (uitstroom nationally 3.5 GB at once, 1.6 GB per year).
    per_jaar: bool = False

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _consistent(self) -> ModelSpec:
        names = [c.name for c in self.columns]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"duplicate column(s): {', '.join(dupes)}")
        for col in [*self.key, *self.rollups]:
            if col not in names:
                raise ValueError(f"{col} is not a column")
        for child, parent in self.nested.items():
            if child not in self.rollups or parent not in self.rollups:
                raise ValueError(f"nested {child}: {parent}: both must be roll-up columns")
        if self.partitie and (self.partitie not in names or self.partitie in self.rollups):
            raise ValueError(f"partitie {self.partitie}: must be a column without roll-up")
        if self.per_jaar and ("periode" not in names or "modellen.perioden" not in self.depends_on):
            raise ValueError("per_jaar: needs a column periode and depends_on modellen.perioden")
        if self.depends_on_per_bron and not self.partitie:
            raise ValueError("depends_on_per_bron without partitie: bron")
        for dep in self.depends_on_per_bron:
            if dep not in self.depends_on or dep.startswith("staging."):
                raise ValueError(f"depends_on_per_bron {dep}: not a table of depends_on other than staging")
        for col in self.columns:
            for basis in col.basis:
                if basis not in names or self.column(basis).role != "count":
                    raise ValueError(f"basis {basis} of {col.name} is not a count column")
        for dep in self.depends_on:
            if (
                dep.split(".")[0] not in ("staging", "referentie", "historie", "modellen", "meta")
                or dep.count(".") != 1
            ):
                raise ValueError(
                    f"depends_on {dep!r}: expected staging.<bron>, referentie.<table>, historie.<table>, "
                    "modellen.<model> or meta.<table>"
                )
        return self

    @property
    def schema(self) -> str:
        return self.schema_

    @property
    def table(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def sql_name(self) -> str:
        """The model's SQL file under marts/: building blocks live in modellen/."""
        return f"{MODEL_SCHEMA}/{self.name}" if self.schema == MODEL_SCHEMA else self.name

    @property
    def is_mart(self) -> bool:
        return self.schema == MART_SCHEMA

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    def columns_with(
        self, *, role: str | None = None, unit: str | None = None, additive: bool | None = None
    ) -> list[str]:
        return [
            c.name
            for c in self.columns
            if (role is None or c.role == role)
            and (unit is None or c.unit == unit)
            and (additive is None or c.additive == additive)
        ]

    @property
    def period_column(self) -> str | None:
        return next((c for c in ("periode", "peildatum") if c in self.column_names), None)


def _load(path: Path) -> ModelSpec:
    with path.open(encoding="utf-8") as fh:
        data = parse_yaml(fh)
    try:
        spec = ModelSpec.model_validate(data)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None
    if spec.name != path.stem:
        raise ValueError(f"{path}: name {spec.name!r} does not match the file name")
    folder = MARTS_DIR / MODEL_SCHEMA if spec.schema == MODEL_SCHEMA else MARTS_DIR
    if path.parent != folder:
        raise ValueError(f"{path}: a model of schema {spec.schema} belongs in {folder}")
    if not (path.with_suffix(".sql")).is_file():
        raise ValueError(f"{path}: no SQL file {path.with_suffix('.sql').name} beside it")
    return spec


def _topological(specs: dict[str, ModelSpec]) -> list[str]:
    order: list[str] = []
    seen: set[str] = set()

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in seen:
            return
        if name in path:
            raise ValueError(f"dependency cycle: {' -> '.join([*path, name])}")
        for dep in specs[name].depends_on:
            schema, table = dep.split(".")
            if schema == MODEL_SCHEMA:
                if table not in specs:
                    raise ValueError(f"{name}: depends on unknown model {dep}")
                visit(table, (*path, name))
        seen.add(name)
        order.append(name)

    # Building blocks first, then the marts, each group alphabetically unless a dependency says otherwise.
    for name in sorted(specs, key=lambda n: (specs[n].is_mart, n)):
        visit(name, ())
    return order


@cache
def catalog() -> dict[str, ModelSpec]:
    """Every model of `marts/` and `marts/modellen/`, in build order (dependencies first)."""
    paths = sorted([*MARTS_DIR.glob("*.yml"), *(MARTS_DIR / MODEL_SCHEMA).glob("*.yml")])
    specs = {spec.name: spec for spec in map(_load, paths)}
    return {name: specs[name] for name in _topological(specs)}


# The contract's marts in the order of docs/contract.md section 5; they are what the regions get.
MART_ORDER = (
    "instroom",
    "uitstroom",
    "stand",
    "wachttijden",
    "achterstand",
    "normen",
    "doorlooptijden",
    "doorstroom",
    "caseload",
    "personeel",
)


def marts() -> list[ModelSpec]:
    """The contract's marts (the figures), in contract order."""
    specs = catalog()
    return [specs[n] for n in MART_ORDER if n in specs]


def other_marts() -> list[ModelSpec]:
    """Models of schema `marts` that are no figure of the contract: the delivery monitor `aanlevering`."""
    return [s for s in catalog().values() if s.is_mart and s.name not in MART_ORDER]


def building_blocks() -> list[ModelSpec]:
    return [s for s in catalog().values() if not s.is_mart]


def _md_cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _render(spec: ModelSpec, level: str) -> Iterable[str]:
    yield f"{level} `{spec.table}`: {spec.title}"
    yield ""
    yield " ".join(spec.description.split())
    yield ""
    yield f"- **Grain**: {spec.grain}."
    if spec.materialized == "view":
        yield "- **A view**: computed when read, not stored."
    yield f"- **Key**: {', '.join(f'`{k}`' for k in spec.key)}."
    if spec.rollups:
        parts = [f"`{col}` ({meaning})" for col, meaning in spec.rollups.items()]
        yield f"- **`TOTAAL` roll-ups**: {', '.join(parts)}."
    if spec.depends_on:
        yield f"- **Reads**: {', '.join(f'`{d}`' for d in spec.depends_on)}."
    if spec.partitie:
        yield "- **Rebuilt per bron**: only the rows of the bronnen whose inputs changed (marts/incremental.py)."
        for dep, bronnen in spec.depends_on_per_bron.items():
            yield f"  `{dep}` is read by the rows of {', '.join(f'`{b}`' for b in bronnen)} only."
    for note in spec.notes:
        yield f"- {' '.join(note.split())}"
    yield ""
    yield "| column | type | role | description |"
    yield "|---|---|---|---|"
    for col in spec.columns:
        role = col.role
        if col.role == "derived":
            role += f" (basis: {' + '.join(col.basis)})"
        if col.additive:
            role += ", additive"
        if not col.suppressed and col.role in ("count", "derived"):
            role += ", not suppressed"
        unit = f" Unit: {col.unit}." if col.unit and col.unit != "aantal" else ""
        yield f"| `{col.name}` | {col.type} | {role} | {_md_cell(col.description)}{unit} |"
    yield ""


def write_marts_doc(check: bool = False) -> list[Path]:
    """Regenerate docs/marts.md from the `.yml` files; return it when it was (or, with check, is) stale."""
    text = "# The marts\n\n<!-- generated from marts/*.yml by `ketenmonitor dictionary`; do not edit -->\n\n"
    return write_generated({MARTS_DOC: text + render_marts_markdown(heading_level=2)}, check)


def render_marts_markdown(heading_level: int = 3) -> str:
    """Markdown documenting every mart (then the shared building blocks), generated from the `.yml` files."""
    level = "#" * heading_level
    lines = [
        "Each mart is a table in schema `marts` of the warehouse, rebuilt from the deliveries in force. "
        "A dimension column holds `TOTAAL` on roll-up rows. Roles: a `count` is an integer number of cases "
        "(suppressed in exports from 1 to the threshold - 1), a `derived` figure is suppressed when its basis "
        "is below the threshold, a `value` is delivered or configured and never suppressed. Columns marked "
        "additive sum to their `TOTAAL` rows (checked).",
        "",
    ]
    for spec in [*marts(), *other_marts()]:
        lines.extend(_render(spec, level))
    lines.append(f"{level} Shared building blocks (schema `modellen`)")
    lines.append("")
    for spec in building_blocks():
        lines.extend(_render(spec, level + "#"))
    return "\n".join(lines).rstrip() + "\n"
