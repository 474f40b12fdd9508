"""What the server refuses, and that each refusal is in the audit log: another region's token, no
token, a revoked token, traversals plain and encoded, symlinks out of the exports, files of the version
folders, too many failed attempts. A 404 says nothing about whether the path exists for someone else."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from pipelines.cli import main
from tests.serve.helpers import ANDERE, REGIO, audit, maak, request

NOT_FOUND = b"Niet gevonden\n"


def _version(root: Path) -> str:
    return (root / "exports" / REGIO).readlink().parts[1]


def _logged(root: Path, path: str) -> list[dict]:
    return [r for r in audit(root) if r["pad"] == path]


def test_another_regions_file_answers_as_a_file_that_exists_nowhere(data, serve_exports):
    token, token_id = maak(data, REGIO, "analist rivierenland")
    base = serve_exports(data)
    assert (data / "exports" / ANDERE / "normen.parquet").is_file()
    answers = {
        path: request(base, path, token)
        for path in (f"/{ANDERE}/normen.parquet", f"/{ANDERE}/manifest.json", "/NERGENS/normen.parquet")
    }
    answers[f"/{REGIO}/bestaat_niet.parquet"] = request(base, f"/{REGIO}/bestaat_niet.parquet", token)
    for path, (status, headers, body) in answers.items():
        assert (status, body) == (404, NOT_FOUND), path
        # The same headers too (the date aside): nothing tells an existing file from a missing one.
        assert {k: v for k, v in headers.items() if k != "date"} == {
            "content-length": str(len(NOT_FOUND)),
            "content-type": "text/plain; charset=utf-8",
        }, path
        (record,) = _logged(data, path)
        assert (record["status"], record["regio"], record["token"], record["label"]) == (
            404,
            REGIO,
            token_id,
            "analist rivierenland",
        )
        assert record["versie"] is None and record["bytes"] == len(NOT_FOUND)
    # Another region's path is refused before the disk is looked at; a missing own file after.
    assert {path: _logged(data, path)[0]["reden"] for path in answers} == {
        f"/{ANDERE}/normen.parquet": "buiten_eigen_export",
        f"/{ANDERE}/manifest.json": "buiten_eigen_export",
        "/NERGENS/normen.parquet": "buiten_eigen_export",
        f"/{REGIO}/bestaat_niet.parquet": "niet_gepubliceerd",
    }
    # The other region's token reads its own file, and not this region's.
    other, _ = maak(data, ANDERE, "analist centraal gelderland")
    assert request(base, f"/{ANDERE}/normen.parquet", other)[0] == 200
    assert request(base, f"/{REGIO}/normen.parquet", other)[:3:2] == (404, NOT_FOUND)


def test_traversals_encoded_names_and_version_folders_are_404(data, serve_exports):
    token, _ = maak(data)
    base = serve_exports(data)
    version = _version(data)
    paths = [
        f"/{REGIO}/../{ANDERE}/normen.parquet",
        f"/{REGIO}/%2e%2e/{ANDERE}/normen.parquet",
        f"/{REGIO}/..%2F{ANDERE}%2Fnormen.parquet",
        f"/{REGIO}%2F..%2F{ANDERE}%2Fnormen.parquet",
        f"/{REGIO}/%2E%2E%2F%2E%2E%2Fwarehouse%2Fketenmonitor.duckdb",
        "/../warehouse/ketenmonitor.duckdb",
        f"/{REGIO}/../../warehouse/ketenmonitor.duckdb",
        f"/{REGIO}/normen%2Eparquet",  # an encoded name of a file that exists: refused as well
        f"/{REGIO}/.%2e/{ANDERE}/normen.parquet",
        # The files of the version folders are reachable only through the region's own name.
        f"/.versies/{version}/{REGIO}/normen.parquet",
        f"/{REGIO}/../.versies/{version}/{ANDERE}/normen.parquet",
        f"/{REGIO}/.versies/{version}/{REGIO}/normen.parquet",
        f"/{REGIO}/{version}/normen.parquet",
        # Not a file of the export.
        "/",
        f"/{REGIO}",
        f"/{REGIO}/",
        f"/{REGIO}/normen.parquet/",
        f"/{REGIO}//normen.parquet",
        f"//{REGIO}/normen.parquet",
    ]
    for path in paths:
        status, _, body = request(base, path, token)
        assert (status, body) == (404, NOT_FOUND), path
        (record,) = _logged(data, path)
        assert (record["status"], record["reden"], record["regio"]) == (404, "buiten_eigen_export", REGIO), path
    assert request(base, f"/{REGIO}/normen.parquet", token)[0] == 200


def test_no_token_a_wrong_one_and_a_revoked_one_get_401(data, serve_exports, capsys):
    base = serve_exports(data)
    token, token_id = maak(data, REGIO, "wordt ingetrokken")
    collega, _ = maak(data, REGIO, "blijft")
    path = f"/{REGIO}/normen.parquet"
    for headers in ({}, {"Authorization": "Basic YWxhZGRpbjpvcGVuc2VzYW1l"}, {"Authorization": "Bearer "}):
        status, got, _ = request(base, path, headers=headers)
        assert (status, got["www-authenticate"]) == (401, 'Bearer realm="ketenmonitor"'), headers
    status, _, body = request(base, path, "kmt_" + "x" * 43)
    assert (status, body) == (401, b"Geen geldig token\n")
    # The same 401 for a path that does not exist: without a token nothing is said about paths.
    assert request(base, f"/{ANDERE}/normen.parquet")[:3:2] == (401, b"Geen geldig token\n")

    assert request(base, path, token)[0] == 200
    assert main(["toegang", "intrekken", token_id, "--data-dir", str(data)]) == 0
    assert f"Token {token_id} for {REGIO} (wordt ingetrokken) revoked at" in capsys.readouterr().out
    # The running server reads the store again: refused from the next request on, the colleague not.
    assert request(base, path, token)[:3:2] == (401, b"Geen geldig token\n")
    assert request(base, path, collega)[0] == 200

    records = _logged(data, path)
    assert [(r["status"], r["reden"], r["label"]) for r in records] == [
        (401, "geen_token", None),
        (401, "geen_token", None),
        (401, "geen_token", None),
        (401, "onbekend_token", None),
        (200, None, "wordt ingetrokken"),
        (401, "ingetrokken_token", "wordt ingetrokken"),
        (200, None, "blijft"),
    ]
    assert records[5]["token"] == token_id and records[5]["regio"] == REGIO
    assert _logged(data, f"/{ANDERE}/normen.parquet")[0]["reden"] == "geen_token"


def test_symlinks_out_of_the_exports_and_unlisted_files_are_404(data, serve_exports, tmp_path):
    token, _ = maak(data)
    base = serve_exports(data)
    folder = (data / "exports" / REGIO).resolve()
    outside = tmp_path / "buiten"
    outside.mkdir()
    # Another region's bytes outside the exports folder, and a file on the machine.
    shutil.copy(data / "exports" / ANDERE / "stand.parquet", outside / "stand.parquet")
    (outside / "geheim.parquet").write_bytes(b"PAR1 geheim PAR1")
    assert request(base, f"/{REGIO}/stand.parquet", token)[0] == 200

    # A listed file replaced by a symlink to a file outside; an unlisted symlink; unlisted files.
    (folder / "stand.parquet").unlink()
    (folder / "stand.parquet").symlink_to(outside / "stand.parquet")
    (folder / "geheim.parquet").symlink_to(outside / "geheim.parquet")
    (folder / "extra.parquet").write_bytes(b"PAR1 niet in het manifest PAR1")
    (folder / "notities.txt").write_text("niet in het manifest")
    for name in ("stand.parquet", "geheim.parquet", "extra.parquet", "notities.txt"):
        status, _, body = request(base, f"/{REGIO}/{name}", token)
        assert (status, body) == (404, NOT_FOUND), name
        (record,) = [r for r in _logged(data, f"/{REGIO}/{name}") if r["status"] == 404]
        assert record["reden"] in ("niet_gepubliceerd", "buiten_eigen_export"), name
    assert request(base, f"/{REGIO}/normen.parquet", token)[0] == 200

    # The region's link itself pointed at a complete-looking export outside the versions folder
    # (read with a new token: the first one still has its version of normen.parquet pinned).
    token, _ = maak(data, REGIO, "nieuw")
    fake = tmp_path / "nep" / REGIO
    shutil.copytree(folder, fake, symlinks=True)
    link = data / "exports" / REGIO
    link.unlink()
    link.symlink_to(fake, target_is_directory=True)
    for name in ("manifest.json", "normen.parquet"):
        status, _, body = request(base, f"/{REGIO}/{name}", token)
        assert (status, body) == (404, NOT_FOUND), name
        assert _logged(data, f"/{REGIO}/{name}")[-1]["reden"] == "niet_gepubliceerd"
    # A plain folder in the link's place (an older layout) is not a publication either.
    link.unlink()
    shutil.copytree(folder, link, symlinks=True)
    assert request(base, f"/{REGIO}/normen.parquet", token)[:3:2] == (404, NOT_FOUND)


def test_only_get_and_head(data, serve_exports):
    token, _ = maak(data)
    base = serve_exports(data)
    for method in ("POST", "PUT", "DELETE"):
        assert request(base, f"/{REGIO}/normen.parquet", token, method=method)[0] == 405, method
    assert [r["status"] for r in _logged(data, f"/{REGIO}/normen.parquet")] == [405, 405, 405]
    assert os.path.getsize(data / "exports" / REGIO / "normen.parquet") > 0  # untouched


def test_repeated_failures_from_one_address_are_refused_for_a_while(data, serve_exports):
    from serve.app import ServeSettings

    token, _ = maak(data)
    base = serve_exports(data, settings=ServeSettings(max_failures=3, failure_window=60))
    path = f"/{REGIO}/normen.parquet"
    # Requests without a token are not guesses: they do not count.
    for _ in range(5):
        assert request(base, path)[0] == 401
    for i in range(3):
        assert request(base, path, f"kmt_fout{i}")[0] == 401
    # The fourth attempt is refused before any token is checked, a valid one included.
    for attempt in (f"kmt_fout{3}", token):
        status, headers, body = request(base, path, attempt)
        assert (status, body) == (429, b"Te veel mislukte pogingen\n")
        assert 1 <= int(headers["retry-after"]) <= 61
    assert [(r["status"], r["reden"]) for r in _logged(data, path)] == [
        *[(401, "geen_token")] * 5,
        *[(401, "onbekend_token")] * 3,
        (429, "te_veel_mislukte_pogingen"),
        (429, "te_veel_mislukte_pogingen"),
    ]
