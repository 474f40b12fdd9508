"""`ketenmonitor serve`: the export server on uvicorn, with TLS or behind a TLS-terminating proxy.

Tokens travel in every request, so plain HTTP is for the loopback interface only (a reverse proxy
on the same machine that terminates TLS, or a test): on any other address the server wants a
certificate and key, or an explicit `allow_plain_http` (a private network the installation
vouches for). One process: the failure counts and the pins live in its memory.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path

import uvicorn

from serve.app import ServeSettings, create_app


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name other than localhost may resolve to anything


def check_tls(host: str, certfile: Path | None, keyfile: Path | None, allow_plain_http: bool) -> None:
    """Refuse a configuration that would send tokens in clear text off this machine."""
    if (certfile is None) != (keyfile is None):
        raise ValueError("give both --cert and --key, or neither")
    for path in (certfile, keyfile):
        if path is not None and not path.is_file():
            raise ValueError(f"no such file: {path}")
    if certfile is None and not is_loopback(host) and not allow_plain_http:
        raise ValueError(
            f"{host} is not a loopback address: give --cert and --key (TLS), put a TLS-terminating "
            "proxy in front and listen on 127.0.0.1, or pass --allow-plain-http explicitly"
        )


def build_server(
    root: Path,
    host: str = "127.0.0.1",
    port: int = 8443,
    certfile: Path | None = None,
    keyfile: Path | None = None,
    allow_plain_http: bool = False,
    settings: ServeSettings | None = None,
    forwarded_allow_ips: str = "127.0.0.1",
    log_config: dict | None = uvicorn.config.LOGGING_CONFIG,
) -> uvicorn.Server:
    """A uvicorn server for data dir `root`, not yet started (`.run()`, or `.run(sockets=[...])`)."""
    check_tls(host, certfile, keyfile, allow_plain_http)
    config = uvicorn.Config(
        create_app(root, settings),
        host=host,
        port=port,
        ssl_certfile=str(certfile) if certfile else None,
        ssl_keyfile=str(keyfile) if keyfile else None,
        # The client address of the audit log and the failure limit: X-Forwarded-For is believed
        # only from these proxy addresses.
        proxy_headers=True,
        forwarded_allow_ips=forwarded_allow_ips,
        server_header=False,
        access_log=False,  # the audit log records every request
        log_config=log_config,
        workers=1,
    )
    return uvicorn.Server(config)


__all__ = ["build_server", "check_tls", "is_loopback"]
