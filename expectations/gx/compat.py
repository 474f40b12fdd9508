"""Every place where Ketenmonitor reaches past the public API of Great Expectations, and nothing else.

The rule (issue 11): `expectations/gx/` uses public GX APIs only. Where GX gives no public way to do
what we need, or the public way is measurably slower, the workaround lives here, with what it works
around, why, and the GX version it was checked on. Nothing else in the repository imports a private GX
name, overrides a private GX method or drives GX internals: `tests/expectations/gx/test_gx_compat.py` scans for that,
fails when the installed GX is not the version below, and runs each workaround against a real project.

Before raising the GX pin in pyproject.toml (`great-expectations>=1.24,<1.25`): re-check every item
below against the new version (the test does part of it), drop the ones that got a public way, and
move `GX_VERSION` on.

Costs below are what the public way adds per delivery, in CPU seconds, measured on GX 1.24.1 by
running GxValidator.validate on small test deliveries (3 rows, suites of 4 to 50 expectations) with each
workaround in turn replaced by the public way, in one process: 0.34 s per delivery with every
workaround, 0.79 s with none.
"""

from __future__ import annotations

import logging
import os
import types
import warnings
from typing import Any, Optional

import great_expectations as gx
from great_expectations.core.freshness_diagnostics import (
    CheckpointFreshnessDiagnostics,
    ValidationDefinitionFreshnessDiagnostics,
)
from great_expectations.data_context.store.tuple_store_backend import TupleFilesystemStoreBackend
from great_expectations.data_context.types.resource_identifiers import (
    ExpectationSuiteIdentifier,
    SiteSectionIdentifier,
    ValidationResultIdentifier,
)
from great_expectations.exceptions import InvalidKeyError
from great_expectations.expectations.expectation import parse_result_format
from great_expectations.render.renderer.site_builder import SiteBuilder
from great_expectations.render.util import resource_key_passes_run_name_filter

# The GX minor these workarounds were written for; checked on 1.24.1.
GX_VERSION = "1.24"
CHECKED_ON = "1.24.1"

_logger = logging.getLogger(__name__)


def supported(version: str | None = None) -> bool:
    """Whether `version` (default: the installed GX) is the minor this module was written for."""
    version = gx.__version__ if version is None else version
    return version == GX_VERSION or version.startswith(f"{GX_VERSION}.")


if not supported():  # pragma: no cover - the pin in pyproject.toml prevents it; the test fails loudly
    warnings.warn(
        f"expectations.gx.compat was written for Great Expectations {GX_VERSION}.x (checked on {CHECKED_ON}), "
        f"installed is {gx.__version__}: re-check every workaround in it",
        RuntimeWarning,
        stacklevel=2,
    )


# --- 1. kwarg look-ups of custom expectations ------------------------------------------------------

_NOT_KWARGS = {"meta", "notes", "description", "severity", "id", "rendered_content"}


class FastExpectationKwargs:
    """Mixin for custom Expectations: GX's kwarg look-ups with one model dump instead of one per key.

    Works around: `Expectation._get_domain_kwargs`, `_get_success_kwargs`, `_get_success_kwarg` and
    `_get_runtime_kwargs` (private accessors) rebuild `self.configuration`, a pydantic dump with `meta`,
    for every single key they look up: ~12 times per metric per expectation, which with 50 expectations
    that carry a rich `meta` costs +0.25 s per delivery. GX offers no public hook for these look-ups.
    These overrides return exactly what GX's own methods return (same keys, same defaults), computed
    from one dump without `meta`; the compat test compares them with GX's methods on real suites.
    Checked on GX 1.24.1 (expectations/expectation.py).

    `kwarg_values(keys)` is the same look-up for a custom expectation's own code.
    """

    def kwarg_values(self, keys: tuple[str, ...] | list[str]) -> dict[str, Any]:
        """The configured value (or the field default) of each key, from one model dump."""
        kwargs = self._kwargs()
        return {key: self._value(kwargs, key) for key in keys}

    def _kwargs(self) -> dict[str, Any]:
        return self.dict(exclude_defaults=True, exclude=_NOT_KWARGS)  # type: ignore[attr-defined]

    def _value(self, kwargs: dict[str, Any], key: str) -> Any:
        if key in kwargs:
            return kwargs[key]
        field = self.__fields__.get(key)  # type: ignore[attr-defined]
        return field.default if field is not None and not field.required else None

    def _get_domain_kwargs(self) -> dict[str, Any]:
        return self.kwarg_values(self.domain_keys)  # type: ignore[attr-defined]

    def _get_success_kwargs(self) -> dict[str, Any]:
        kwargs = self._kwargs()
        success = {key: self._value(kwargs, key) for key in self.success_keys}  # type: ignore[attr-defined]
        success.update({key: self._value(kwargs, key) for key in self.domain_keys})  # type: ignore[attr-defined]
        return success

    def _get_success_kwarg(self, key: str, default: Any = None) -> Any:
        kwargs = self._kwargs()
        if key in kwargs:
            return kwargs[key]
        field = self.__fields__.get(key)  # type: ignore[attr-defined]
        return (field.default if not field.required else default) if field is not None else default

    def _get_runtime_kwargs(self, runtime_configuration: Optional[dict] = None) -> dict:  # noqa: UP045 # GX signature
        runtime_configuration = runtime_configuration or {}
        kwargs = self._kwargs()
        runtime = {key: runtime_configuration.get(key, self._value(kwargs, key)) for key in self.runtime_keys}  # type: ignore[attr-defined]
        success = {key: self._value(kwargs, key) for key in self.success_keys}  # type: ignore[attr-defined]
        success.update({key: self._value(kwargs, key) for key in self.domain_keys})  # type: ignore[attr-defined]
        runtime.update(success)
        runtime["result_format"] = parse_result_format(runtime["result_format"])
        return runtime


# --- 2. the freshness check of every Checkpoint run --------------------------------------------------


class _CheckedValidationDefinition(gx.ValidationDefinition):
    def is_fresh(self) -> ValidationDefinitionFreshnessDiagnostics:
        return ValidationDefinitionFreshnessDiagnostics(errors=[])


class _CheckedCheckpoint(gx.Checkpoint):
    def is_fresh(self) -> CheckpointFreshnessDiagnostics:
        return CheckpointFreshnessDiagnostics(errors=[])


def without_freshness_check(checkpoint: gx.Checkpoint) -> gx.Checkpoint:
    """The stored `checkpoint` as a Checkpoint that skips GX's "is it fresh?" check when it runs.

    Works around: `Checkpoint.run()` and `ValidationDefinition.run()` call `is_fresh()`, which reads the
    checkpoint, validation definition, suite and batch definition back from their stores and compares
    them with the objects held, three to four times per run: +0.12 s per delivery, with no public
    switch to skip it. Only for a checkpoint the caller has just compared with or written to its
    store (GxValidator does so when it opens the project); a change made to the stored copies by another
    process afterwards goes unnoticed until the project is opened again. Checked on GX 1.24.1.
    """
    definitions = [
        _CheckedValidationDefinition(name=vd.name, data=vd.data, suite=vd.suite, id=vd.id)
        for vd in checkpoint.validation_definitions
    ]
    return _CheckedCheckpoint(
        name=checkpoint.name,
        validation_definitions=definitions,
        actions=checkpoint.actions,
        result_format=checkpoint.result_format,
        id=checkpoint.id,
    )


# --- 3. one Data Docs page per validation --------------------------------------------------------------


class ValidationPages:
    """Renders the Data Docs page of one validation result with one long-lived site builder.

    Works around: the public way, `context.build_data_docs(site_names=[site], resource_identifiers=[key],
    build_index=False)`, builds a new SiteBuilder on every call, whose Jinja views compile their templates
    again, and copies GX's static assets (4 MB, 20 files) into the site again: +0.10 s per delivery
    (0.17 s against 0.02 s per page), and the copied stylesheet brings back the remote GX logo that
    make_site_offline took out. So the validations section of one long-lived SiteBuilder (GX internals,
    `render.renderer.site_builder`) renders each new page; the page is the one `build_data_docs` renders
    (the compat test compares them). GxValidator gets a new site's static assets from the public
    `build_data_docs`, once per site.

    `render` does for the one key what the section's `build(resource_identifiers=[key])` does for each
    key it renders (DefaultSiteSectionBuilder.build): read the stored result, render it, view it, write
    it to the site, log an error (and write nothing) when rendering fails. Only without listing every
    stored validation first, which `build` does to find the key among them: 5 ms per delivery with 60
    stored validations, growing with every one stored. The section's `run_name_filter` applies as in
    `build` (GX's default leaves out run names that include "profiling"); a section that limits the
    number of validations it renders (`validation_results_limit`, not set for ours) still goes through
    `build`.

    The page renderer (`ValidationResultsPageRenderer._group_evrs_by_column_with_suite_meta`) reads the
    result's suite from the store for every page, only for its `meta` (which meta properties to show):
    2.5 ms of the ~12 ms a page takes. Its `_data_context` is given a stand-in whose `suites.get` reads
    each suite once per ValidationPages (`_StoredSuites`): the suites are those GxValidator compared with
    their stored copies when it opened the project (see `without_freshness_check`). Checked on GX 1.24.1.
    """

    def __init__(self, context: Any, site_name: str, site_config: dict[str, Any]) -> None:
        config = {k: v for k, v in site_config.items() if k not in ("class_name", "module_name")}
        self._builder = SiteBuilder(
            data_context=context,
            site_name=site_name,
            runtime_environment={"root_directory": context.root_directory},
            **config,
        )
        renderer = self._builder.site_section_builders["validations"].renderer_class
        if getattr(renderer, "_data_context", None) is context:
            renderer._data_context = _StoredSuites(context)

    def render(self, key: ValidationResultIdentifier) -> None:
        """Write the page of the stored validation result `key` (nothing else of the site is touched)."""
        section = self._builder.site_section_builders["validations"]
        if section.cloud_mode or section.validation_results_limit:
            section.build(resource_identifiers=[key])
            return
        if section.run_name_filter and not resource_key_passes_run_name_filter(key, section.run_name_filter):
            return  # GX's default filter leaves out runs whose name includes "profiling"
        try:
            result = section.source_store.get(key)
        except InvalidKeyError:
            _logger.warning("Object with Key: %s could not be retrieved. Skipping...", key)
            return
        try:
            viewable = section.view_class.render(
                section.renderer_class.render(result),
                data_context_id=section.data_context_id,
                show_how_to_buttons=section.show_how_to_buttons,
            )
            section.target_store.set(
                SiteSectionIdentifier(site_section_name=section.name, resource_identifier=key), viewable
            )
        except Exception:  # as GX's build: a page that cannot be rendered is logged and left out
            _logger.exception("An unexpected Exception occurred during data docs rendering of %s", key)


class _StoredSuites:
    """What the page renderer asks of the context, `suites.get(name)`, with each suite read once."""

    def __init__(self, context: Any) -> None:
        self._context = context
        self._suites: dict[str, Any] = {}

    @property
    def suites(self) -> _StoredSuites:
        return self

    def get(self, name: str) -> Any:
        if name not in self._suites:
            self._suites[name] = self._context.suites.get(name)  # raises as GX's does for a missing suite
        return self._suites[name]


# --- 4. resource identifiers and stored validation results ------------------------------------------


def suite_identifier(name: str) -> ExpectationSuiteIdentifier:
    """The resource identifier of a suite, to render its page with the public `context.build_data_docs`.

    Works around: `build_data_docs(resource_identifiers=...)` is public and documents taking
    ExpectationSuiteIdentifiers, but the class is not public API in GX 1.24 (no @public_api, not
    exported by `great_expectations`). Checked on GX 1.24.1.
    """
    return ExpectationSuiteIdentifier(name=name)


def stored_validation_results(context: Any) -> list[ValidationResultIdentifier]:
    """The keys of every validation result stored in the project.

    Works around: GX 1.24 has no public API to list stored validation results (the public factories
    cover suites, validation definitions and checkpoints; `context.validation_results_store` is not
    public API). Checked on GX 1.24.1.
    """
    return list(context.validation_results_store.list_keys())


def delete_validation_result(context: Any, key: ValidationResultIdentifier) -> None:
    """Delete a stored validation result (no error when it is gone already).

    Works around: GX 1.24 has no public API to delete a stored validation result (see
    `stored_validation_results`). Checked on GX 1.24.1.
    """
    store = context.validation_results_store
    if store.has_key(key):
        store.remove_key(key)


# --- 5. atomic writes of the project's file stores -------------------------------------------------------


def _write_via_rename(backend: Any, key: Any, value: Any, **kwargs: Any) -> str:
    """`TupleFilesystemStoreBackend._set` of GX 1.24.1, writing a temporary file and renaming it into place."""
    if not isinstance(key, tuple):
        key = key.to_tuple()
    path = os.path.join(backend.full_base_directory, backend._convert_key_to_filepath(key))  # noqa: PTH118
    folder, name = os.path.split(path)
    os.makedirs(folder, exist_ok=True)  # noqa: PTH103
    # Not ending in the store's suffix (.json), so GX never lists a leftover of a killed write as a key.
    tmp = os.path.join(folder, f".{name}.{os.getpid()}.nieuw")  # noqa: PTH118
    with open(tmp, "wb") as handle:  # noqa: PTH123
        handle.write(value.encode("utf-8") if isinstance(value, str) else value)
    os.replace(tmp, path)
    return path


def write_stores_atomically(context: Any) -> None:
    """Make the project's file-backed stores (suites, checkpoints, validation definitions, validation
    results) write each file through a temporary file and a rename.

    Works around: `TupleFilesystemStoreBackend._set` (data_context/store/tuple_store_backend.py) opens the
    target file with "wb" and writes into it: a process killed mid-write (a stopped Dagster run, a full
    disk) leaves a cut-off JSON file, and GX then fails on every later read of it (a checkpoint or suite:
    every validation fails; a validation result: Data Docs skip it). GX has no setting for atomic writes.
    The replacement writes the value GX hands it to the path GX computes, as GX's own `_set` does, only
    through a rename (tests/expectations/gx/test_gx_hostile_markup.py cuts a write off before it). The
    context's stores are reached through `context.stores` and each store's `_store_backend` (not public
    API). Checked on GX 1.24.1.
    """
    for store in context.stores.values():
        backend = getattr(store, "_store_backend", None)
        if type(backend) is TupleFilesystemStoreBackend:
            backend._set = types.MethodType(_write_via_rename, backend)


__all__ = [
    "CHECKED_ON",
    "GX_VERSION",
    "FastExpectationKwargs",
    "ValidationPages",
    "delete_validation_result",
    "stored_validation_results",
    "suite_identifier",
    "supported",
    "without_freshness_check",
    "write_stores_atomically",
]
