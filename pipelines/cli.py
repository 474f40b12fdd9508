"""`ketenmonitor`: the command surface (generate, demo, run, check, pseudonimiseer, opschonen, dictionary)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sources.paths import DATA_DIR_ENV, data_dir, inbox_dir


def _add_data_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help=f"root of inbox, warehouse, exports, reports (default ${DATA_DIR_ENV} or ./data)",
    )


def _cmd_generate(args: argparse.Namespace) -> int:
    from synthetic import generate

    root = data_dir(args.data_dir)
    summary = generate(
        root,
        scale=args.scale,
        seed=args.seed,
        end_month=args.end_month,
        defects=args.defects,
        snapshots=args.snapshots,
        met_bsn=args.met_bsn,
    )
    print(summary.format_text())
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from synthetic import generate

    root = data_dir(args.data_dir)
    if inbox_dir(root).exists() and any(inbox_dir(root).iterdir()):
        print(f"Using the deliveries already in {inbox_dir(root)}")
    else:
        summary = generate(root, scale="demo", defects=True)
        print(summary.format_text())
    code = _run(root, args.verbose)
    print(
        "\nThe demo data includes deliveries that break contract rules on purpose (see defects.json): "
        "they are quarantined, so the exit status is 2."
    )
    return code


def _run(root: Path, verbose: bool = False) -> int:
    from pipelines.run import format_summary, run_pipeline

    summary = run_pipeline(root, verbose=verbose)
    print(format_summary(root, summary))
    return summary.exit_code


def _cmd_run(args: argparse.Namespace) -> int:
    return _run(data_dir(args.data_dir), args.verbose)


def _printable(text: str) -> str:
    """Text holding a file name as it may be printed: bytes that are not UTF-8 written as \\xNN."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _usage_error(command: str, message: str) -> int:
    """A problem with what was asked, not with a delivery: said on stderr, exit status 2."""
    print(f"ketenmonitor {command}: {message}", file=sys.stderr)
    return 2


def _cmd_check(args: argparse.Namespace) -> int:
    from expectations.validate import validate_file
    from sources.definitions import load_definitions

    shown = _printable(str(args.file))
    if not args.file.exists():
        return _usage_error("check", f"no such file: {shown}")
    if args.file.is_dir():
        return _usage_error("check", f"{shown} is a folder, not a delivery file; give one file")
    try:
        with args.file.open("rb"):
            pass
    except OSError as exc:
        return _usage_error("check", f"cannot read {shown}: {exc.strerror or exc}")
    report = validate_file(
        args.file,
        load_definitions(),
        organisatie_code=args.organisatie,
        bron=args.bron,
        peildatum=args.peildatum,
    )
    print(_printable(report.format_text()))
    return 0 if report.accepted else 1


def _cmd_pseudonimiseer(args: argparse.Namespace) -> int:
    """BSN -> kind_id for a supplier, offline; the file goes to <uitvoer>/<org>/<bron>/<peildatum>.csv
    only when `check` would accept it. Prints row numbers and the key's fingerprint, never a BSN or the key."""
    import dataclasses
    import os
    import shutil
    import tempfile

    from expectations.rules import safe_text
    from expectations.validate import validate_file
    from sources.definitions import load_definitions
    from sources.inbox import parse_peildatum
    from sources.pseudonimisering import ExtractFout, SleutelFout, lees_sleutel, pseudonimiseer, vingerafdruk
    from sources.readers import RefusedDelivery

    command = "pseudonimiseer"
    if not args.extract.is_file():
        return _usage_error(command, f"no such file: {_printable(str(args.extract))}")
    try:
        key = lees_sleutel(args.sleutel)
    except SleutelFout as exc:
        return _usage_error(command, _printable(str(exc)))
    defs = load_definitions()
    bron = defs.bronnen.get(args.bron)
    if bron is None:
        return _usage_error(command, f"unknown bron {args.bron!r}; one of {', '.join(sorted(defs.bronnen))}")
    if args.organisatie not in defs.organisaties_by_code:
        return _usage_error(command, f"unknown organisation {args.organisatie!r} (referentie/organisaties.csv)")
    if parse_peildatum(args.peildatum) is None:
        return _usage_error(command, f"peildatum {args.peildatum!r} is not a date YYYY-MM-DD")
    print(f"Sleutel-vingerafdruk / key fingerprint: {vingerafdruk(key)}")
    name = f"{args.peildatum}.csv"
    args.uitvoer.mkdir(parents=True, exist_ok=True)
    # Written and checked in a hidden folder beside the target (the inbox scan skips it), then moved
    # into place in one step: a half-written or rejected file never shows in the inbox.
    staging = Path(tempfile.mkdtemp(prefix=".pseudonimiseer-", dir=args.uitvoer))
    try:
        doel = staging / args.organisatie / bron.bron / name
        try:
            uitkomst = pseudonimiseer(
                args.extract,
                doel,
                bron=bron,
                defs=defs,
                bsn_kolom=args.bsn_kolom,
                key=key,
                record_kolommen=args.record_kolom,
            )
        except ExtractFout as exc:
            # Column names come from the extract: one could be a BSN (safe_text masks it).
            return _usage_error(command, _printable(safe_text(str(exc))))
        except RefusedDelivery as exc:
            print(_printable(f"{args.extract.name} kan niet worden gelezen / cannot be read: {exc.reason}"))
            return 1
        for kolom, (aantal, rijen) in uitkomst.bsn_elders.items():
            more = ", ..." if aantal > len(rijen) else ""
            print(
                f"AFGEWEZEN / REJECTED: kolom / column {_printable(safe_text(kolom))}: {aantal} waarde(n) die op "
                f"een BSN lijken / value(s) that look like a BSN (rijen / rows {', '.join(map(str, rijen))}{more}); "
                "nothing was written."
            )
        if uitkomst.pad is None and uitkomst.aantal_ongeldig:
            rows = ", ".join(map(str, uitkomst.ongeldige_rijen))
            more = ", ..." if uitkomst.aantal_ongeldig > len(uitkomst.ongeldige_rijen) else ""
            print(
                f"AFGEWEZEN / REJECTED: {uitkomst.aantal_ongeldig} rij(en) zonder geldig BSN / row(s) without a "
                f"valid BSN in column {_printable(args.bsn_kolom)} (rijen / rows {rows}{more}); nothing was "
                "written. A BSN is 9 digits (or 8, read with a leading zero) that pass the eleven-test; spaces, "
                "dots and hyphens are ignored."
            )
        if uitkomst.pad is None:
            return 1
        report = validate_file(doel, defs, organisatie_code=args.organisatie, bron=bron.bron, peildatum=args.peildatum)
        final = args.uitvoer / args.organisatie / bron.bron / name
        # The report names the file where it will be, not the hidden folder it was checked in.
        print(_printable(dataclasses.replace(report, file=final).format_text()))
        if not report.accepted:
            print("Nothing was written: the pseudonymised file would be rejected (see above); fix the extract.")
            return 1
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(doel, final)
        empty = f", {uitkomst.lege_bsn} without a BSN (empty kind_id)" if uitkomst.lege_bsn else ""
        print(_printable(f"Wrote {final}: {uitkomst.rijen} rows{empty}, key fingerprint {uitkomst.vingerafdruk}"))
        return 0
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _cmd_opschonen(args: argparse.Namespace) -> int:
    """Retention: list (or, with --uitvoeren, remove) the files of superseded deliveries past the bewaartermijn."""
    from marts.opschonen import opschonen
    from marts.warehouse import WarehouseUnavailable, connect
    from pipelines.lock import run_lock
    from sources.definitions import load_definitions
    from sources.paths import warehouse_path

    root = data_dir(args.data_dir)
    if not warehouse_path(root).is_file():
        return _usage_error("opschonen", f"no warehouse at {warehouse_path(root)}: nothing was processed yet")
    defs = load_definitions()
    # Not while a run takes in deliveries or folds the region history.
    with run_lock(root, print):
        try:
            with connect(root) as con:
                plan, _removed = opschonen(con, root, defs, uitvoeren=args.uitvoeren, log=print)
        except WarehouseUnavailable as exc:
            print(exc.message, file=sys.stderr)
            return 1
        except RuntimeError as exc:
            # A region history that could not be frozen: the transaction was rolled back, nothing removed.
            print(f"ketenmonitor opschonen: nothing was removed: {exc}", file=sys.stderr)
            return 1
    print(_printable(plan.format_text(executed=args.uitvoeren)))
    return 0


def _cmd_dictionary(args: argparse.Namespace) -> int:
    from marts.catalog import write_marts_doc
    from sources.definitions.dictionary import write_dictionary

    stale = write_dictionary(check=args.check) + write_marts_doc(check=args.check)
    if args.check and stale:
        print("Stale: " + ", ".join(str(p) for p in stale) + " (run `ketenmonitor dictionary`)", file=sys.stderr)
        return 1
    for path in stale:
        print(f"Wrote {path}")
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    from serve.app import ServeSettings
    from serve.server import build_server
    from sources.paths import audit_log_path

    root = data_dir(args.data_dir)
    settings = ServeSettings(
        max_failures=args.max_failures, failure_window=args.failure_window, pin_seconds=args.pin_seconds
    )
    try:
        server = build_server(
            root,
            host=args.host,
            port=args.port,
            certfile=args.cert,
            keyfile=args.key,
            allow_plain_http=args.allow_plain_http,
            settings=settings,
            forwarded_allow_ips=args.forwarded_allow_ips,
        )
    except ValueError as exc:
        return _usage_error("serve", str(exc))
    scheme = "https" if args.cert else "http"
    print(f"Serving {root / 'exports'} on {scheme}://{args.host}:{args.port}/<jeugdregio_code>/<file>")
    print(f"Audit log: {audit_log_path(root)}")
    server.run()
    return 0


def _cmd_toegang(args: argparse.Namespace) -> int:
    from serve.toegang import TokenStore
    from sources.definitions import load_definitions
    from sources.paths import tokens_path

    store = TokenStore(tokens_path(data_dir(args.data_dir)))
    if args.toegang == "maak":
        regios = {g.jeugdregio_code for g in load_definitions().gemeenten}
        try:
            token, record = store.maak(args.regio, args.label, bekende_regios=regios)
        except ValueError as exc:
            return _usage_error("toegang maak", str(exc))
        print(f"Token {record.id} for {record.regio} ({record.label}); shown only now, give it to the analyst:")
        print(token)
        return 0
    if args.toegang == "intrekken":
        try:
            record = store.intrekken(args.id)
        except KeyError:
            return _usage_error("toegang intrekken", f"no token with id {args.id} (see `ketenmonitor toegang lijst`)")
        print(f"Token {record.id} for {record.regio} ({record.label}) revoked at {record.ingetrokken}")
        return 0
    tokens = [t for t in store.lijst() if args.regio is None or t.regio == args.regio]
    print("id        regio                          aangemaakt                 ingetrokken                label")
    for t in tokens:
        print(f"{t.id:<9} {t.regio:<30} {t.aangemaakt:<26} {t.ingetrokken or '-':<26} {t.label}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ketenmonitor", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    gen = sub.add_parser("generate", help="write synthetic chain deliveries into <data dir>/inbox")
    _add_data_dir(gen)
    gen.add_argument("--scale", choices=["demo", "national"], default="demo")
    gen.add_argument("--seed", type=int, default=20261124, help="same seed, same bytes")
    gen.add_argument(
        "--end-month",
        default=None,
        help="YYYY-MM of the last snapshot (default: last complete month; with --defects the one before)",
    )
    gen.add_argument("--snapshots", type=int, default=None, help="monthly snapshots per organisation and bron")
    gen.add_argument("--defects", action="store_true", help="add deliveries that break named contract rules")
    gen.add_argument(
        "--met-bsn",
        action="store_true",
        help="also write the suppliers' raw extracts with fake BSNs and the test key into <data dir>/leverancier",
    )
    gen.set_defaults(func=_cmd_generate)

    demo = sub.add_parser("demo", help="generate demo data and process it")
    _add_data_dir(demo)
    demo.add_argument("--verbose", action="store_true", help="also show Dagster's own log lines")
    demo.set_defaults(func=_cmd_demo)

    run = sub.add_parser("run", help="process the inbox and build everything downstream, through Dagster")
    _add_data_dir(run)
    run.add_argument("--verbose", action="store_true", help="also show Dagster's own log lines")
    run.set_defaults(func=_cmd_run)

    check = sub.add_parser("check", help="validate one delivery file before sending it (touches no warehouse)")
    check.add_argument("file", type=Path)
    check.add_argument("--organisatie", help="organisation code (default: from an inbox-style path)")
    check.add_argument("--bron", help="bron (default: from an inbox-style path)")
    check.add_argument("--peildatum", help="YYYY-MM-DD (default: from the file name)")
    check.set_defaults(func=_cmd_check)

    pse = sub.add_parser(
        "pseudonimiseer",
        help="for suppliers, offline: replace the BSN column of an extract by kind_id and write a checked delivery",
    )
    pse.add_argument("extract", type=Path, help="the extract with a BSN column (csv, xlsx or parquet)")
    pse.add_argument("--bsn-kolom", required=True, help="name of the column that holds the BSN")
    pse.add_argument("--organisatie", required=True, help="your organisation code")
    pse.add_argument("--bron", required=True, help="gi_maatregelen, vt_meldingen or rvdk_onderzoeken")
    pse.add_argument("--peildatum", required=True, help="YYYY-MM-DD, the date the delivery describes")
    pse.add_argument(
        "--sleutel", type=Path, required=True, help="file holding the shared chain key (at least 32 bytes)"
    )
    pse.add_argument(
        "--uitvoer", type=Path, required=True, help="folder to write <organisatie>/<bron>/<peildatum>.csv into"
    )
    pse.add_argument(
        "--record-kolom",
        action="append",
        default=[],
        help="a record-id column holding internal case numbers, to pseudonymise too (repeatable)",
    )
    pse.set_defaults(func=_cmd_pseudonimiseer)

    ops = sub.add_parser(
        "opschonen",
        help="list the files of superseded deliveries past the bewaartermijn (definitions/instellingen.yaml); "
        "remove them with --uitvoeren",
    )
    _add_data_dir(ops)
    ops.add_argument(
        "--uitvoeren", action="store_true", help="remove the files (default: only list what would be removed)"
    )
    ops.set_defaults(func=_cmd_opschonen)

    dic = sub.add_parser(
        "dictionary", help="regenerate docs/data_dictionary.md (definitions/) and docs/marts.md (marts/*.yml)"
    )
    dic.add_argument("--check", action="store_true", help="exit 1 when the committed dictionary is stale")
    dic.set_defaults(func=_cmd_dictionary)

    srv = sub.add_parser("serve", help="serve the region exports over HTTPS, one bearer token per analyst")
    _add_data_dir(srv)
    srv.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    srv.add_argument("--port", type=int, default=8443)
    srv.add_argument("--cert", type=Path, help="TLS certificate (PEM); with --key")
    srv.add_argument("--key", type=Path, help="TLS private key (PEM)")
    srv.add_argument(
        "--allow-plain-http", action="store_true", help="listen without TLS on a non-loopback address (not advised)"
    )
    srv.add_argument(
        "--forwarded-allow-ips",
        default="127.0.0.1",
        help="proxies whose X-Forwarded-For is believed (default 127.0.0.1)",
    )
    srv.add_argument("--max-failures", type=int, default=10, help="failed token attempts per address ... (default 10)")
    srv.add_argument("--failure-window", type=float, default=600, help="... within this many seconds (default 600)")
    srv.add_argument(
        "--pin-seconds", type=float, default=30, help="a read keeps its publication while requests follow within this"
    )
    srv.set_defaults(func=_cmd_serve)

    toegang = sub.add_parser("toegang", help="region tokens for `ketenmonitor serve`: maak, lijst, intrekken")
    tsub = toegang.add_subparsers(dest="toegang", required=True)
    maak = tsub.add_parser("maak", help="make a token for a jeugdregio; printed once, only its hash is kept")
    _add_data_dir(maak)
    maak.add_argument("regio", help="jeugdregio_code")
    maak.add_argument("--label", required=True, help="who the token is for (one token per analyst)")
    lijst = tsub.add_parser("lijst", help="list the tokens (never the tokens themselves)")
    _add_data_dir(lijst)
    lijst.add_argument("--regio", help="only this jeugdregio")
    intrekken = tsub.add_parser("intrekken", help="revoke one token by its id")
    _add_data_dir(intrekken)
    intrekken.add_argument("id")
    toegang.set_defaults(func=_cmd_toegang)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
