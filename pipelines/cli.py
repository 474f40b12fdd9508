"""`ketenmonitor`: the command surface (generate, demo, run, check, dictionary)."""

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
    code = _run(root)
    print(
        "\nThe demo data includes deliveries that break contract rules on purpose (see defects.json): "
        "they are quarantined, so the exit status is 2."
    )
    return code


def _run(root: Path) -> int:
    from pipelines.run import format_summary, run_pipeline

    summary = run_pipeline(root)
    print(format_summary(root, summary))
    return summary.exit_code


def _cmd_run(args: argparse.Namespace) -> int:
    return _run(data_dir(args.data_dir))


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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ketenmonitor", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    gen = sub.add_parser("generate", help="write synthetic chain deliveries into <data dir>/inbox")
    _add_data_dir(gen)
    gen.add_argument("--scale", choices=["demo", "national"], default="demo")
    gen.add_argument("--seed", type=int, default=20261124, help="same seed, same bytes")
    gen.add_argument("--end-month", default=None, help="YYYY-MM of the last snapshot (default: last complete month)")
    gen.add_argument("--snapshots", type=int, default=None, help="monthly snapshots per organisation and bron")
    gen.add_argument("--defects", action="store_true", help="add deliveries that break named contract rules")
    gen.set_defaults(func=_cmd_generate)

    demo = sub.add_parser("demo", help="generate demo data and process it")
    _add_data_dir(demo)
    demo.set_defaults(func=_cmd_demo)

    run = sub.add_parser("run", help="process the inbox and build everything downstream, through Dagster")
    _add_data_dir(run)
    run.set_defaults(func=_cmd_run)

    check = sub.add_parser("check", help="validate one delivery file before sending it (touches no warehouse)")
    check.add_argument("file", type=Path)
    check.add_argument("--organisatie", help="organisation code (default: from an inbox-style path)")
    check.add_argument("--bron", help="bron (default: from an inbox-style path)")
    check.add_argument("--peildatum", help="YYYY-MM-DD (default: from the file name)")
    check.set_defaults(func=_cmd_check)

    dic = sub.add_parser(
        "dictionary", help="regenerate docs/data_dictionary.md (definitions/) and docs/marts.md (marts/*.yml)"
    )
    dic.add_argument("--check", action="store_true", help="exit 1 when the committed dictionary is stale")
    dic.set_defaults(func=_cmd_dictionary)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
