"""A region's analyst reads its export remotely: DuckDB's httpfs, pandas and pyarrow against the real
server on 127.0.0.1, compared with the files on disk; and the HTTP the clients rely on (HEAD, Range,
ETag, lengths, types)."""

from __future__ import annotations

import hashlib
import json
import statistics
import time

import fsspec
import pandas as pd
import pyarrow.parquet as pq

from serve.publication import PARQUET_TYPE
from tests.serve.helpers import REGIO, audit, maak, request


def _manifest(root) -> dict:
    return json.loads((root / "exports" / REGIO / "manifest.json").read_text(encoding="utf-8"))


def test_duckdb_httpfs_reads_normen_as_the_local_file_and_how_long_it_takes(data, serve_exports, httpfs):
    token, token_id = maak(data, label="J. Jansen")
    base = serve_exports(data)
    url = f"{base}/{REGIO}/normen.parquet"
    local = data / "exports" / REGIO / "normen.parquet"
    # The analyst's two lines (docs/remote.md), scoped to this server.
    httpfs.execute(f"CREATE SECRET ketenmonitor (TYPE http, BEARER_TOKEN '{token}', SCOPE '{base}/')")
    remote_rows = httpfs.execute(f"SELECT * FROM read_parquet('{url}') ORDER BY ALL").fetchall()
    local_rows = httpfs.execute(f"SELECT * FROM read_parquet('{local}') ORDER BY ALL").fetchall()
    assert remote_rows == local_rows
    rijen = {f["bestand"]: f["rijen"] for f in _manifest(data)["bestanden"]}["normen.parquet"]
    assert len(remote_rows) == rijen > 0
    # Byte for byte, too.
    (blob,) = httpfs.execute(f"SELECT content FROM read_blob('{url}')").fetchone()
    assert hashlib.sha256(blob).hexdigest() == hashlib.sha256(local.read_bytes()).hexdigest()

    # What DuckDB sent: a HEAD, then GETs with a Range, each answered 206 with exactly that range,
    # all from the version now published, each logged with the token's region and label.
    records = [r for r in audit(data) if r["pad"] == f"/{REGIO}/normen.parquet"]
    assert records[0]["methode"] == "HEAD" and records[0]["status"] == 200 and records[0]["bytes"] == 0
    ranged = [r for r in records if r["methode"] == "GET" and r["bereik"]]
    assert ranged and all(r["status"] == 206 for r in ranged)
    for r in ranged:
        first, last = (int(x) for x in r["bereik"].removeprefix("bytes=").split("-"))
        assert r["bytes"] == last - first + 1
    version = (data / "exports" / REGIO).readlink().parts[1]
    assert {(r["regio"], r["token"], r["label"], r["versie"]) for r in records} == {
        (REGIO, token_id, "J. Jansen", version)
    }

    # Remote against local, in this one run: the median of 5 reads of the whole file each.
    def seconds(source: str) -> float:
        times = []
        for _ in range(5):
            start = time.perf_counter()
            httpfs.execute(f"SELECT * FROM read_parquet('{source}')").fetchall()
            times.append(time.perf_counter() - start)
        return statistics.median(times)

    remote_s, local_s = seconds(url), seconds(str(local))
    print(
        f"\nnormen.parquet of {REGIO} ({local.stat().st_size} bytes, {rijen} rows) with DuckDB: "
        f"remote over HTTP on 127.0.0.1 {remote_s * 1000:.1f} ms, local {local_s * 1000:.1f} ms (median of 5)"
    )


def test_pandas_reads_normen_with_one_whole_get(data, serve_exports):
    token, _ = maak(data)
    base = serve_exports(data)
    local = data / "exports" / REGIO / "normen.parquet"
    # pandas sends the storage_options of an http(s) URL as request headers (urllib).
    remote = pd.read_parquet(f"{base}/{REGIO}/normen.parquet", storage_options={"Authorization": f"Bearer {token}"})
    pd.testing.assert_frame_equal(remote, pd.read_parquet(local))
    # pandas fetches an http(s) URL whole: one GET, 200, exactly the file's length.
    (record,) = [r for r in audit(data) if r["pad"] == f"/{REGIO}/normen.parquet"]
    assert (record["methode"], record["status"], record["bytes"]) == ("GET", 200, local.stat().st_size)


def test_pyarrow_reads_columns_through_range_requests(data, serve_exports):
    token, _ = maak(data)
    base = serve_exports(data)
    local = data / "exports" / REGIO / "normen.parquet"
    # fsspec's HTTP filesystem (aiohttp) reads a file in blocks of 512 bytes: Range requests only.
    fs = fsspec.filesystem("http", headers={"Authorization": f"Bearer {token}"}, block_size=512)
    columns = ["periode_type", "periode", "kader", "norm", "pct_binnen_norm"]
    remote = pq.read_table(f"{base}/{REGIO}/normen.parquet", filesystem=fs, columns=columns)
    assert remote.equals(pq.read_table(local, columns=columns))
    # Also through pandas with that filesystem.
    frame = pd.read_parquet(f"{base}/{REGIO}/normen.parquet", filesystem=fs, columns=columns)
    pd.testing.assert_frame_equal(frame, pd.read_parquet(local, columns=columns))
    # The data came in ranges, each answered 206 with exactly its length (fsspec also opens a plain
    # GET to learn the size, and drops it after the headers).
    ranged = [r for r in audit(data) if r["pad"] == f"/{REGIO}/normen.parquet" and r["bereik"]]
    assert ranged and all(r["status"] == 206 for r in ranged)
    for r in ranged:
        first, last = (int(x) for x in r["bereik"].removeprefix("bytes=").split("-"))
        assert r["bytes"] == min(last, local.stat().st_size - 1) - first + 1


def test_head_range_etag_length_and_types(data, serve_exports):
    token, _ = maak(data)
    base = serve_exports(data)
    folder = data / "exports" / REGIO
    content = (folder / "normen.parquet").read_bytes()
    size = len(content)
    sha = {f["bestand"]: f["sha256"] for f in _manifest(data)["bestanden"]}["normen.parquet"]
    path = f"/{REGIO}/normen.parquet"

    status, headers, body = request(base, path, token, method="HEAD")
    assert (status, body) == (200, b"")
    assert headers["content-length"] == str(size)
    assert headers["content-type"] == PARQUET_TYPE
    assert headers["etag"] == f'"{sha}"' and headers["accept-ranges"] == "bytes"
    assert headers["cache-control"] == "private, no-cache"

    # A parquet file starts and ends with the magic PAR1.
    status, headers, body = request(base, path, token, headers={"Range": "bytes=0-3"})
    assert (status, body, headers["content-range"], headers["content-length"]) == (
        206,
        b"PAR1",
        f"bytes 0-3/{size}",
        "4",
    )
    assert headers["etag"] == f'"{sha}"'
    status, headers, body = request(base, path, token, headers={"Range": "bytes=-8"})
    assert (status, headers["content-range"]) == (206, f"bytes {size - 8}-{size - 1}/{size}")
    assert body == content[-8:] and body.endswith(b"PAR1")
    status, headers, body = request(base, path, token, headers={"Range": "bytes=100-199"})
    assert (status, body) == (206, content[100:200])
    # Two ranges at once: multipart/byteranges with both parts.
    status, headers, body = request(base, path, token, headers={"Range": "bytes=0-3,10-13"})
    assert status == 206 and headers["content-type"].startswith("multipart/byteranges; boundary=")
    assert f"Content-Range: bytes 0-3/{size}".encode() in body and content[10:14] in body
    status, headers, _ = request(base, path, token, headers={"Range": f"bytes={size}-{size + 10}"})
    assert (status, headers["content-range"]) == (416, f"bytes */{size}")
    status, headers, body = request(base, path, token)
    assert (status, body) == (200, content)
    # If-Range with the current ETag: the range; with any other: the whole file (RFC 9110).
    status, _, body = request(base, path, token, headers={"Range": "bytes=0-3", "If-Range": f'"{sha}"'})
    assert (status, body) == (206, b"PAR1")
    status, _, body = request(base, path, token, headers={"Range": "bytes=0-3", "If-Range": '"' + "0" * 64 + '"'})
    assert (status, body) == (200, content)

    # The listing of a region is its manifest: JSON, ETag the sha256 of its own bytes.
    manifest = (folder / "manifest.json").read_bytes()
    status, headers, body = request(base, f"/{REGIO}/manifest.json", token)
    assert (status, body) == (200, manifest)
    assert headers["content-type"] == "application/json"
    assert headers["etag"] == f'"{hashlib.sha256(manifest).hexdigest()}"'
    assert json.loads(body)["regio"] == REGIO
    # Every file the manifest lists is served with the manifest's sha256 as its ETag.
    for entry in json.loads(body)["bestanden"]:
        status, headers, _ = request(base, f"/{REGIO}/{entry['bestand']}", token, method="HEAD")
        assert (status, headers["etag"]) == (200, f'"{entry["sha256"]}"'), entry["bestand"]
