"""The region exports over HTTPS (`ketenmonitor serve`, `ketenmonitor toegang`): a read-only endpoint
with one bearer token per analyst, an audit log, and reads consistent with the atomic publication.

A stage after `exports/`: it reads what exports/regions.py published and imports only `sources`
and `exports`. Modules: `toegang.py` (tokens), `publication.py` (which bytes answer a path),
`audit.py` (audit log, failure limit), `app.py` (the Starlette app), `server.py` (uvicorn, TLS).
The analyst's guide is docs/remote.md.
"""
