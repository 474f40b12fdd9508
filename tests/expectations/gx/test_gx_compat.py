"""The GX rule of issue 11: public Great Expectations API only, workarounds in `expectations/gx/compat.py`.

* The installed GX is the minor that compat.py was written for, and pyproject.toml pins that minor.
* Every workaround in compat.py still does what it claims, on a real file-backed GX project (no mocks).
* Only `expectations/gx/` imports great_expectations (plus the tests named in `GX_IMPORT_ALLOWED`), and
  outside compat.py nothing touches a private GX name (see `private_gx_uses` for what "private" means).

This module itself does not import great_expectations: it reaches GX through `expectations.gx` only.
"""

from __future__ import annotations

import ast
import html
import importlib.metadata
import inspect
import json
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from expectations.gx import compat
from expectations.gx import expectations as gxk
from expectations.gx.expectations import ExpectDeliveryToPassKetenmonitorRule, ExpectRowsToPassKetenmonitorRule
from expectations.gx.suites import FILE_SUITE, build_suites, suite_name
from expectations.gx.validation import RUNS_FILE, SITE_NAME, GxValidator, site_config
from expectations.validate import validate_file
from sources.definitions import Definitions, load_definitions

ROOT = Path(__file__).resolve().parents[3]
GX_PACKAGE = ROOT / "expectations" / "gx"
COMPAT = GX_PACKAGE / "compat.py"

# --- what counts as a private GX name -----------------------------------------------------------------
#
# A use of GX is private when (checked by `private_gx_uses`):
# 1. it imports from (or reaches through an alias) a GX module path with a segment that starts with "_"
#    (great_expectations._docs_decorators), or a name that starts with "_";
# 2. it imports anything from a module in DENIED_MODULES, or from a module in PARTLY_PUBLIC a name that
#    is not listed there;
# 3. it reads an attribute in DENIED_ATTRIBUTES (GX internals reached through public objects);
# 4. (in expectations/gx/) a class derived from a GX class defines an underscored method that is not one
#    of GX's documented extension hooks (DOCUMENTED_HOOKS, or decorated with a DOCUMENTED_DECORATORS
#    decorator), or overrides a method in FORBIDDEN_OVERRIDES; or it reads `obj._name` from another
#    object, or from `self`/`super()` in a GX-derived class when the module does not define `_name`.
#
# The lists were drawn up for GX 1.24 from its @public_api markers, the API reference and the custom
# Expectation guides and templates (see the comments in expectations/gx/expectations.py).

# Internals with no public name in them (for our purposes): every import from these is private.
DENIED_MODULES = {
    "great_expectations.render.renderer.site_builder": "Data Docs site internals; public: context.build_data_docs",
    "great_expectations.render.view": "Data Docs Jinja views; public: context.build_data_docs",
    "great_expectations.core.freshness_diagnostics": "the is_fresh check behind Checkpoint.run",
    "great_expectations.data_context.store": "the stores behind the context; public: the factories",
    "great_expectations.data_context.util": "GX's own config plumbing (instantiate_class_from_config, ...)",
    "great_expectations.validator.validator": "validation internals; public: Checkpoint/ValidationDefinition.run",
    "great_expectations.validator.v1_validator": "validation internals; public: Checkpoint/ValidationDefinition.run",
    "great_expectations.validator.validation_graph": "validation internals",
    "great_expectations.compatibility": "GX's internal shims (pydantic, typing_extensions, ...)",
    "great_expectations.util": "GX's internal helpers",
    "great_expectations.core.util": "GX's internal helpers",
}
# Modules that mix public API with internals: only the names listed are public.
PARTLY_PUBLIC = {
    # @public_api: DataContextConfig and the store backend defaults; not ProgressBarsConfig & co.
    "great_expectations.data_context.types.base": {
        "DataContextConfig",
        "FilesystemStoreBackendDefaults",
        "InMemoryStoreBackendDefaults",
    },
    # @public_api: ValidationResultIdentifier (keys of CheckpointResult.run_results); not ExpectationSuiteIdentifier.
    "great_expectations.data_context.types.resource_identifiers": {"ValidationResultIdentifier"},
    # The documented base classes of custom Expectations; not helpers such as parse_result_format.
    "great_expectations.expectations.expectation": {
        "Expectation",
        "BatchExpectation",
        "ColumnAggregateExpectation",
        "ColumnMapExpectation",
        "ColumnPairMapExpectation",
        "MulticolumnMapExpectation",
        "QueryExpectation",
    },
    "great_expectations.core.run_identifier": {"RunIdentifier"},  # @public_api, also gx.RunIdentifier
}
# Attributes of public GX objects that lead into internals (not @public_api, no public equivalent).
DENIED_ATTRIBUTES = {
    "validation_results_store",
    "expectations_store",
    "checkpoint_store",
    "validation_definition_store",
    "datasource_store",
    "stores",
    "site_section_builders",
    "target_store",
    "site_index_builder",
}
# Underscored methods that GX documents as the extension points of custom Expectations and Metrics
# (Expectation/MetricProvider docstrings, custom Expectation templates), and the decorators that mark
# documented metric functions and renderers.
DOCUMENTED_HOOKS = {"_validate", "_get_evaluation_dependencies"}
DOCUMENTED_DECORATORS = {
    "renderer",
    "metric_value",
    "metric_partial",
    "column_condition_partial",
    "column_function_partial",
    "column_aggregate_value",
    "column_aggregate_partial",
    "column_pair_condition_partial",
    "multicolumn_condition_partial",
}
# Public names whose override changes what GX guarantees (the freshness check of a run).
FORBIDDEN_OVERRIDES = {"is_fresh"}

# Files outside expectations/gx/ that may import GX: tests that check our code against plain GX output.
GX_IMPORT_ALLOWED = {
    "tests/expectations/gx/test_data_docs_offline.py": "builds a site with plain GX to test the offline rewriter on it",
}


# --- the scanner --------------------------------------------------------------------------------------


def python_files() -> Iterator[Path]:
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        if any(p.startswith(".") or p == "__pycache__" for p in parts):
            continue  # .venv, .git, caches
        yield path


def is_gx(module: str | None) -> bool:
    return module is not None and (module == "great_expectations" or module.startswith("great_expectations."))


def imports_gx(tree: ast.AST) -> list[str]:
    """Each `import great_expectations...`, `from great_expectations... import` and import_module("great_...")."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if is_gx(a.name)]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and is_gx(node.module):
            found.append(str(node.module))
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in ("import_module", "__import__") and is_gx(str(node.args[0].value)):
                found.append(str(node.args[0].value))
    return found


def _private_segment(segment: str) -> bool:
    return segment.startswith("_") and not (segment.startswith("__") and segment.endswith("__"))


def private_reason(path: str) -> str | None:
    """Why the dotted GX path `module[.name...]` is private, or None."""
    parts = path.split(".")
    if any(_private_segment(p) for p in parts):
        return "private (underscored) name"
    for i in range(len(parts), 0, -1):
        prefix = ".".join(parts[:i])
        if prefix in DENIED_MODULES:
            return f"denied module: {DENIED_MODULES[prefix]}"
        if prefix in PARTLY_PUBLIC and i < len(parts) and parts[i] not in PARTLY_PUBLIC[prefix]:
            return f"not public API of {prefix}"
    return None


def _decorator_names(func: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    names = set()
    for decorator in func.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        names.add(target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", ""))
    return names


def gx_private_methods() -> set[str]:
    """The underscored methods of the GX base classes our custom Expectations and Metrics derive from."""
    ours = [v for v in vars(gxk).values() if isinstance(v, type) and v.__module__ == gxk.__name__]
    return {
        name
        for cls in ours
        for base in cls.__mro__
        if base.__module__.startswith("great_expectations.")
        for name in vars(base)
        if _private_segment(name)
    }


def _is_self(node: ast.AST) -> bool:
    return isinstance(node, ast.Name) and node.id in ("self", "cls")


def _is_super(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and getattr(node.func, "id", None) == "super"


def private_gx_uses(source: str, in_gx_package: bool = True, gx_private: frozenset[str] = frozenset()) -> list[str]:
    """Every private GX use in `source` (rules 1-4 above), as "line: what (why)".

    `gx_private`: underscored method names of GX base classes (`gx_private_methods()`), so that a mixin
    which overrides one is caught even though it does not derive from GX itself.
    """
    tree = ast.parse(source)
    found: set[tuple[int, str]] = set()
    aliases: dict[str, str] = {}  # local name -> the GX dotted path it stands for
    gx_names: set[str] = set()  # local names bound to GX objects, or to our GX package (bases of GX classes)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if is_gx(a.name):
                    local = a.asname or a.name.split(".")[0]
                    aliases[local] = a.name if a.asname else local
                    gx_names.add(local)
                    if reason := private_reason(a.name):
                        found.add((node.lineno, f"import {a.name} ({reason})"))
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if is_gx(node.module):
                for a in node.names:
                    aliases[a.asname or a.name] = f"{node.module}.{a.name}"
                    gx_names.add(a.asname or a.name)
                    if reason := private_reason(f"{node.module}.{a.name}"):
                        found.add((node.lineno, f"from {node.module} import {a.name} ({reason})"))
            elif node.module == "expectations.gx" or node.module.startswith("expectations.gx."):
                gx_names.update(a.asname or a.name for a in node.names)

    def dotted(node: ast.AST) -> str | None:
        if isinstance(node, ast.Name):
            return aliases.get(node.id)
        if isinstance(node, ast.Attribute):
            base = dotted(node.value)
            return f"{base}.{node.attr}" if base else None
        return None

    inner = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute):
            continue
        if id(node) not in inner and (path := dotted(node)) and (reason := private_reason(path)):
            found.add((node.lineno, f"{path} ({reason})"))  # the whole chain, once
        if node.attr in DENIED_ATTRIBUTES:
            found.add((node.lineno, f".{node.attr} (GX internals behind a public object)"))
        if in_gx_package and _private_segment(node.attr) and not _is_self(node.value) and not _is_super(node.value):
            found.add((node.lineno, f"reads private attribute .{node.attr} of another object"))

    if in_gx_package:
        found |= _private_overrides(tree, gx_names, gx_private)
    return [f"{line}: {what}" for line, what in sorted(found)]


def _private_overrides(tree: ast.AST, gx_names: set[str], gx_private: frozenset[str]) -> set[tuple[int, str]]:
    """Rule 4: what classes of the module override or read of GX's private methods."""
    found: set[tuple[int, str]] = set()
    classes = {n.name: n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)}
    defined = {f.name for c in classes.values() for f in c.body if isinstance(f, ast.FunctionDef)}
    defined |= {
        t.attr for n in ast.walk(tree) if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Attribute)
    }

    def derived(cls: ast.ClassDef, seen: frozenset[str] = frozenset()) -> bool:
        for base in cls.bases:
            root = base
            while isinstance(root, ast.Attribute):
                root = root.value
            name = getattr(root, "id", None)
            if name in gx_names or (name in classes and name not in seen and derived(classes[name], seen | {name})):
                return True
        return False

    for cls in classes.values():
        gx_class = derived(cls)
        for item in cls.body:
            if not isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            hook = item.name in DOCUMENTED_HOOKS or bool(_decorator_names(item) & DOCUMENTED_DECORATORS)
            if gx_class and item.name in FORBIDDEN_OVERRIDES:
                found.add((item.lineno, f"{cls.name}.{item.name} overrides {item.name}"))
            elif _private_segment(item.name) and not hook and (gx_class or item.name in gx_private):
                found.add((item.lineno, f"{cls.name}.{item.name} overrides a private GX method"))
        if not gx_class:
            continue
        for node in ast.walk(cls):
            if not isinstance(node, ast.Attribute) or not _private_segment(node.attr) or node.attr in DOCUMENTED_HOOKS:
                continue
            if _is_super(node.value) or (_is_self(node.value) and node.attr not in defined):
                found.add((node.lineno, f"{cls.name} reads GX private {node.attr}"))
    return found


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


# --- the rule holds for the repository ----------------------------------------------------------------


def test_only_expectations_gx_imports_great_expectations() -> None:
    offenders = {}
    for path in python_files():
        if path.is_relative_to(GX_PACKAGE) or relative(path) in GX_IMPORT_ALLOWED:
            continue
        if found := imports_gx(ast.parse(path.read_text(encoding="utf-8"))):
            offenders[relative(path)] = found
    assert offenders == {}
    for name in GX_IMPORT_ALLOWED:  # an allowance for a file that no longer needs it is stale
        assert imports_gx(ast.parse((ROOT / name).read_text(encoding="utf-8"))), name


def test_no_private_gx_name_outside_compat() -> None:
    offenders = {}
    for path in python_files():
        if path == COMPAT:
            continue
        source = path.read_text(encoding="utf-8")
        in_package = path.is_relative_to(GX_PACKAGE)
        if not in_package and not imports_gx(ast.parse(source)):
            continue
        if found := private_gx_uses(source, in_gx_package=in_package, gx_private=frozenset(gx_private_methods())):
            offenders[relative(path)] = found
    assert offenders == {}


def test_the_scanner_finds_what_compat_holds() -> None:
    """The scanner is not blind: compat.py's workarounds, and typical slips elsewhere, are all reported."""
    gx_private = frozenset(gx_private_methods())
    assert {"_get_success_kwargs", "_get_runtime_kwargs", "_validate", "_get_evaluation_dependencies"} <= gx_private
    found = "\n".join(private_gx_uses(COMPAT.read_text(encoding="utf-8"), gx_private=gx_private))
    for expected in (
        "site_builder import SiteBuilder",
        "freshness_diagnostics import CheckpointFreshnessDiagnostics",
        "import ExpectationSuiteIdentifier",
        "import parse_result_format",
        "_CheckedCheckpoint.is_fresh overrides is_fresh",
        "FastExpectationKwargs._get_success_kwargs overrides a private GX method",
        ".validation_results_store",
        ".site_section_builders",
    ):
        assert expected in found, expected
    slips = """
import great_expectations as gx
import great_expectations.expectations as gxe
from great_expectations.core._docs_decorators import public_api
from great_expectations.data_context.types.base import ProgressBarsConfig
from great_expectations.expectations.expectation import ColumnMapExpectation

class Fast(ColumnMapExpectation):
    def _get_success_kwargs(self):
        return self._get_default_value("mostly")

class Opened(gx.Checkpoint):
    def is_fresh(self):
        return None

def page(context, key):
    context._build_data_docs()
    return gx.render.renderer.site_builder.SiteBuilder, gxe._private
"""
    found = "\n".join(private_gx_uses(slips))
    for expected in (
        "_docs_decorators",
        "import ProgressBarsConfig",
        "Fast._get_success_kwargs overrides a private GX method",
        "Fast reads GX private _get_default_value",
        "Opened.is_fresh overrides is_fresh",
        "private attribute ._build_data_docs",
        "great_expectations.render.renderer.site_builder",
        "great_expectations.expectations._private",
    ):
        assert expected in found, expected
    assert private_gx_uses("import great_expectations as gx\nx = gx.Checkpoint\n") == []
    assert imports_gx(ast.parse("import importlib\nimportlib.import_module('great_expectations.core')\n"))


# --- the version compat.py was written for ------------------------------------------------------------


def test_installed_gx_is_the_version_compat_was_written_for() -> None:
    installed = importlib.metadata.version("great_expectations")
    assert installed.startswith(f"{compat.GX_VERSION}."), (installed, compat.GX_VERSION)
    assert compat.supported() and compat.supported(compat.CHECKED_ON)
    assert not compat.supported("1.25.0") and not compat.supported("1.2.4") and not compat.supported("1.240.0")
    # pyproject.toml pins the same minor: raising the pin means re-checking compat.py.
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    [pin] = [d for d in dependencies if re.match(r"great[-_]expectations\b", d)]
    major, minor = map(int, compat.GX_VERSION.split("."))
    assert pin.replace(" ", "") == f"great-expectations>={major}.{minor},<{major}.{minor + 1}", pin


# --- each workaround on a real GX project -------------------------------------------------------------

CAPACITEIT = "peildatum,fte_jeugdbeschermer,fte_jeugdreclasseerder,instroom_medewerkers,uitstroom_medewerkers,"
CAPACITEIT += "verzuim_pct"
ROWS = ["2024-01-31,120.5,30,3,2,6.1", "2024-02-29,121,30.25,0,1,5.9", "2024-03-31,119.75,0,1,0,100"]


@pytest.fixture(scope="module")
def defs() -> Definitions:
    return load_definitions()


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory, defs: Definitions) -> tuple[GxValidator, dict]:
    """A real GX project with three validations: a valid delivery, a broken one, and the broken one again."""
    data_dir = tmp_path_factory.mktemp("data")
    inbox = data_dir / "inbox"
    path = inbox / "WSS" / "gi_capaciteit" / "2024-03-31.csv"
    path.parent.mkdir(parents=True)
    path.write_text("\n".join([CAPACITEIT, *ROWS]) + "\n", encoding="utf-8")
    validator = GxValidator(defs, data_dir)
    outcomes = {"valid": validator.validate(validate_file(path, defs, inbox=inbox), "goed")}
    path.write_text("\n".join([CAPACITEIT, ROWS[0].replace("120.5", "-1"), *ROWS[1:]]) + "\n", encoding="utf-8")
    broken = validate_file(path, defs, inbox=inbox)
    outcomes["replaced"] = validator.validate(broken, "fout")
    outcomes["broken"] = validator.validate(broken, "fout")  # replaces the one before
    return validator, outcomes


def test_fast_kwargs_equal_gx_own_accessors(defs: Definitions) -> None:
    """The overrides return what GX's own (private) accessors return, for every generated expectation."""
    overridden = [n for n in vars(compat.FastExpectationKwargs) if n.startswith("_get_")]
    assert sorted(overridden) == [
        "_get_domain_kwargs",
        "_get_runtime_kwargs",
        "_get_success_kwarg",
        "_get_success_kwargs",
    ]
    expectations = [e for suite in build_suites(defs).values() for e in suite.expectations]
    kinds = {type(e) for e in expectations}
    assert kinds == {ExpectRowsToPassKetenmonitorRule, ExpectDeliveryToPassKetenmonitorRule}
    for kind in kinds:
        gx_bases = kind.__mro__[kind.__mro__.index(compat.FastExpectationKwargs) + 1 :]
        for name in overridden:  # each override still replaces a method GX has (else it is dead code)
            assert any(name in vars(base) for base in gx_bases), (kind, name)
    for exp in expectations:
        gx_own = super(compat.FastExpectationKwargs, exp)
        assert exp._get_domain_kwargs() == gx_own._get_domain_kwargs()
        assert exp._get_success_kwargs() == gx_own._get_success_kwargs()
        for runtime in (None, {}, {"result_format": "COMPLETE"}, {"result_format": {"result_format": "SUMMARY"}}):
            assert exp._get_runtime_kwargs(runtime) == gx_own._get_runtime_kwargs(runtime)
        for key in (*exp.domain_keys, *exp.success_keys, *exp.runtime_keys):
            assert exp._get_success_kwarg(key, "x") == gx_own._get_success_kwarg(key, "x"), key
        keys = exp.success_keys
        success = gx_own._get_success_kwargs()
        assert exp.kwarg_values(keys) == {k: success[k] for k in keys}


def test_freshness_check_skipped_only_for_what_is_stored(project: tuple[GxValidator, dict]) -> None:
    validator, outcomes = project
    name = suite_name("gi_capaciteit")
    stored = validator.context.checkpoints.get(name)
    # What is skipped: GX still checks freshness in run(), and the stored checkpoint is fresh.
    assert "self.is_fresh()" in inspect.getsource(type(stored).run)
    assert "self.is_fresh()" in inspect.getsource(type(stored.validation_definitions[0]).run)
    assert stored.is_fresh().success
    checked = compat.without_freshness_check(stored)
    assert checked.is_fresh().success and checked.validation_definitions[0].is_fresh().success
    assert isinstance(checked, type(stored))
    same = ("name", "id", "actions", "result_format")
    assert [getattr(checked, a) for a in same] == [getattr(stored, a) for a in same]
    [vd], [stored_vd] = checked.validation_definitions, stored.validation_definitions
    assert (vd.name, vd.id, vd.suite.name, vd.data.name) == (stored_vd.name, stored_vd.id, name, stored_vd.data.name)
    # And validating through it works: the module fixture's validations ran on these checkpoints.
    assert outcomes["valid"].success and not outcomes["broken"].success


def stable(page: str) -> str:
    """A Data Docs page without what differs between two renderings: the build time and random element ids."""
    page = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "<uuid>", page)
    return re.sub(r"\?d=\d{8}T\d{6}\.\d+Z", "?d=<time>", page)


def test_validation_page_equals_the_public_build(project: tuple[GxValidator, dict]) -> None:
    validator, outcomes = project
    key = compat.stored_validation_results(validator.context)[0]
    page = validator.site_dir.joinpath("validations", *key.to_tuple()[:-1], f"{key.to_tuple()[-1]}.html")
    page.unlink()
    validator.context.build_data_docs(site_names=[SITE_NAME], resource_identifiers=[key], build_index=False)
    public = stable(page.read_text(encoding="utf-8"))
    page.unlink()
    compat.ValidationPages(validator.context, SITE_NAME, site_config()).render(key)
    assert stable(page.read_text(encoding="utf-8")) == public
    assert f"{key.run_id.run_name}" in html.unescape(public)
    validator.build_docs(full=True)  # leave the site as GxValidator makes it


def test_validation_pages_render_one_page_without_listing_the_store(
    project: tuple[GxValidator, dict], monkeypatch: pytest.MonkeyPatch
) -> None:
    """ValidationPages.render renders the key it is given, not each stored validation in turn to find it,
    applies the section's run name filter as GX's build does, and reads the suite of its pages once."""
    validator, _ = project
    keys = compat.stored_validation_results(validator.context)
    assert len(keys) == 2 and len({k.expectation_suite_identifier.name for k in keys}) == 1
    pages = {}
    for key in keys:
        page = validator.site_dir.joinpath("validations", *key.to_tuple()[:-1], f"{key.to_tuple()[-1]}.html")
        validator.context.build_data_docs(site_names=[SITE_NAME], resource_identifiers=[key], build_index=False)
        pages[page] = stable(page.read_text(encoding="utf-8"))
        page.unlink()
    renderer = compat.ValidationPages(validator.context, SITE_NAME, site_config())
    store = validator.context.validation_results_store
    monkeypatch.setattr(store, "list_keys", lambda *a, **k: pytest.fail("every stored validation was listed"))
    suites = validator.context.suites
    assert validator.context.suites is suites
    read, get = [], suites.get
    monkeypatch.setattr(suites, "get", lambda name: read.append(name) or get(name))
    for key in keys:
        renderer.render(key)
    assert {page: stable(page.read_text(encoding="utf-8")) for page in pages} == pages
    assert read == [keys[0].expectation_suite_identifier.name]
    # GX's default filter of the validations section leaves out run names that include "profiling".
    parts = list(keys[0].to_tuple())
    parts[-3] = f"{parts[-3]} profiling"
    profiling = type(keys[0]).from_tuple(tuple(parts))
    renderer.render(profiling)
    assert not validator.site_dir.joinpath("validations", *profiling.to_tuple()[:-1]).exists()
    monkeypatch.undo()
    validator.build_docs(full=True)  # leave the site as GxValidator makes it


def test_suite_identifier_renders_the_suite_page(project: tuple[GxValidator, dict]) -> None:
    validator, _ = project
    identifier = compat.suite_identifier(FILE_SUITE)
    page = validator.site_dir / "expectations" / "ketenmonitor" / "bestand.html"
    page.unlink(missing_ok=True)
    validator.context.build_data_docs(site_names=[SITE_NAME], resource_identifiers=[identifier], build_index=False)
    assert page.is_file()
    for key in compat.stored_validation_results(validator.context):
        assert key.expectation_suite_identifier == compat.suite_identifier(suite_name("gi_capaciteit"))


def test_stored_validation_results_and_delete(project: tuple[GxValidator, dict]) -> None:
    validator, outcomes = project
    keys = compat.stored_validation_results(validator.context)
    remembered = json.loads((validator.project_dir / RUNS_FILE).read_text(encoding="utf-8"))
    assert sorted(k.to_tuple() for k in keys) == sorted(tuple(t) for t in remembered.values())
    assert len(keys) == 2  # "fout" was validated twice: the first was deleted through compat
    run_ids = {f"{k.run_id.run_name}/{k.run_id.to_tuple()[1]}" for k in keys}
    assert run_ids == {outcomes["valid"].run_id, outcomes["broken"].run_id}
    assert outcomes["replaced"].run_id not in run_ids
    compat.delete_validation_result(validator.context, keys[0])
    compat.delete_validation_result(validator.context, keys[0])  # gone already: no error
    assert [k.to_tuple() for k in compat.stored_validation_results(validator.context)] == [keys[1].to_tuple()]
