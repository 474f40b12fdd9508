"""TLS: the server with certificate files of its own (a self-signed certificate made here, offline),
read by DuckDB and pandas that trust exactly that certificate; and the refusal to listen off
loopback without TLS."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from pipelines.cli import main
from serve.server import check_tls, is_loopback
from tests.serve.helpers import REGIO, audit, maak, request


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost, valid for a day, and its key (PEM files)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ketenmonitor test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    certfile, keyfile = folder / "cert.pem", folder / "key.pem"
    certfile.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    keyfile.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return certfile, keyfile


def test_https_with_certificate_files_read_by_duckdb_and_pandas(data, serve_exports, httpfs, tmp_path, monkeypatch):
    certfile, keyfile = self_signed(tmp_path)
    token, _ = maak(data)
    base = serve_exports(data, certfile=certfile, keyfile=keyfile)
    assert base.startswith("https://127.0.0.1:")
    local = data / "exports" / REGIO / "normen.parquet"
    url = f"{base}/{REGIO}/normen.parquet"

    # DuckDB verifying the server's certificate against exactly this one.
    httpfs.execute("SET enable_server_cert_verification = true")
    httpfs.execute(f"SET ca_cert_file = '{certfile}'")
    httpfs.execute(f"CREATE SECRET (TYPE http, BEARER_TOKEN '{token}', SCOPE '{base}/')")
    expected = httpfs.execute(f"SELECT * FROM read_parquet('{local}') ORDER BY ALL").fetchall()
    assert httpfs.execute(f"SELECT * FROM read_parquet('{url}') ORDER BY ALL").fetchall() == expected

    # A client that does not trust the certificate does not get through the handshake.
    with pytest.raises(ssl.SSLCertVerificationError):
        request(base, f"/{REGIO}/normen.parquet", token, context=ssl.create_default_context())
    # pandas (urllib) trusting it through SSL_CERT_FILE, as Python's default context does.
    monkeypatch.setenv("SSL_CERT_FILE", str(certfile))
    remote = pd.read_parquet(url, storage_options={"Authorization": f"Bearer {token}"})
    pd.testing.assert_frame_equal(remote, pd.read_parquet(local))

    # Plain HTTP to the TLS port gets no answer from the app.
    with pytest.raises(Exception):  # noqa: B017 - the connection is dropped: which error depends on timing
        request(base.replace("https://", "http://"), f"/{REGIO}/normen.parquet", token)
    # DuckDB's GETs were ranged (206), pandas' one GET whole (200).
    assert {r["status"] for r in audit(data) if r["methode"] == "GET" and r["bereik"]} == {206}
    assert [r["status"] for r in audit(data) if r["methode"] == "GET" and not r["bereik"]] == [200]


def test_duckdb_refuses_a_certificate_it_was_not_given(data, serve_exports, httpfs, tmp_path):
    certfile, keyfile = self_signed(tmp_path)
    token, _ = maak(data)
    base = serve_exports(data, certfile=certfile, keyfile=keyfile)
    httpfs.execute("SET enable_server_cert_verification = true")
    httpfs.execute(f"CREATE SECRET (TYPE http, BEARER_TOKEN '{token}', SCOPE '{base}/')")
    with pytest.raises(duckdb.Error):
        httpfs.execute(f"SELECT * FROM read_parquet('{base}/{REGIO}/normen.parquet')").fetchall()
    assert not [r for r in audit(data) if r["status"] == 200]


def test_loopback_addresses():
    assert [is_loopback(h) for h in ("127.0.0.1", "127.8.9.10", "::1", "[::1]", "localhost")] == [True] * 5
    assert [is_loopback(h) for h in ("0.0.0.0", "::", "10.1.2.3", "192.168.0.10", "example.org")] == [False] * 5


def test_plain_http_off_loopback_only_when_asked(tmp_path):
    certfile, keyfile = self_signed(tmp_path)
    for host in ("0.0.0.0", "10.1.2.3", "::"):
        with pytest.raises(ValueError, match="not a loopback address"):
            check_tls(host, None, None, allow_plain_http=False)
        check_tls(host, None, None, allow_plain_http=True)
        check_tls(host, certfile, keyfile, allow_plain_http=False)
    check_tls("127.0.0.1", None, None, allow_plain_http=False)
    with pytest.raises(ValueError, match="both --cert and --key"):
        check_tls("0.0.0.0", certfile, None, allow_plain_http=False)
    with pytest.raises(ValueError, match="no such file"):
        check_tls("0.0.0.0", certfile, tmp_path / "geen.pem", allow_plain_http=False)


def test_the_command_refuses_before_listening(tmp_path, capsys):
    code = main(["serve", "--host", "0.0.0.0", "--port", "1", "--data-dir", str(tmp_path)])
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("ketenmonitor serve: 0.0.0.0 is not a loopback address")
    assert "--allow-plain-http" in err
