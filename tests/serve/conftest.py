"""Shared set-up of the export server tests: real parts only, on 127.0.0.1.

- `published`: a data dir whose exports were published by the real pipeline (the fixture
  deliveries of tests/fixtures/marts/keten through run_pipeline, which ends with export_regions),
  built once per session; `data` is a private copy of it (warehouse and exports, links kept) for a
  test that makes tokens or publishes again.
- `serve_exports(root, ...)`: `ketenmonitor serve`'s own server (serve.server.build_server) on a
  free port of 127.0.0.1, in a thread, stopped after the test; returns its base URL.
- `httpfs`: a DuckDB connection with the httpfs extension installed from the file that the
  duckdb-extension-httpfs package ships for exactly the pinned DuckDB release (DuckDB cannot
  download extensions here, and must not need to).
Helpers (tokens, raw requests, the audit log) are in tests/serve/helpers.py.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import threading
import time
from pathlib import Path

import duckdb
import pytest

from pipelines.run import run_pipeline
from serve.server import build_server
from tests.serve.helpers import ANDERE, FIXTURES, HTTPFS, REGIO


@pytest.fixture(scope="session")
def published(tmp_path_factory) -> Path:
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("DAGSTER_HOME", raising=False)
        root = tmp_path_factory.mktemp("serve") / "data"
        shutil.copytree(FIXTURES / "keten" / "inbox", root / "inbox")
        assert run_pipeline(root, log=lambda _: None).exit_code == 0
    assert (root / "exports" / REGIO).is_symlink() and (root / "exports" / ANDERE).is_symlink()
    return root


@pytest.fixture
def data(published, tmp_path) -> Path:
    copy = tmp_path / "data"
    shutil.copytree(published / "warehouse", copy / "warehouse")
    shutil.copytree(published / "exports", copy / "exports", symlinks=True)
    return copy


@pytest.fixture
def serve_exports():
    with contextlib.ExitStack() as stack:

        def start(root: Path, wrap=None, **options) -> str:
            server = build_server(root, log_config=None, **options)
            if wrap is not None:
                server.config.app = wrap(server.config.app)
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
            thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
            thread.start()
            deadline = time.monotonic() + 20
            while not server.started:
                assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
                time.sleep(0.02)

            def stop() -> None:
                server.should_exit = True
                thread.join(20)
                sock.close()

            stack.callback(stop)
            scheme = "https" if options.get("certfile") else "http"
            return f"{scheme}://127.0.0.1:{port}"

        yield start


@pytest.fixture
def httpfs(tmp_path_factory):
    # The package's file sits under the DuckDB version it was built for: equal pins, or no file.
    assert HTTPFS.is_file(), f"duckdb-extension-httpfs has no extension for DuckDB {duckdb.__version__}"
    con = duckdb.connect(config={"extension_directory": str(tmp_path_factory.mktemp("duckdb_extensions"))})
    con.execute(f"INSTALL '{HTTPFS}'")
    con.execute("LOAD httpfs")
    # Every read goes to the server: no answer from DuckDB's own cache of remote files.
    con.execute("SET enable_external_file_cache = false")
    yield con
    con.close()
