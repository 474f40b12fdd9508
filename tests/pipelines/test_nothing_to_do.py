"""A run with nothing new on a day the board was already made for does nothing (pipelines/precheck.py).

The inbox is the marts fixture (tests/fixtures/marts/keten: seven deliveries of four organisations,
all accepted) with JBGL's June delivery held back; the first run takes in the other six. "Today" is
KETENMONITOR_VANDAAG, the delivery monitor's. Each test first runs on TODAY until a run has nothing
to do (`_settle`), whatever ran before it.
"""

import os
import re
import shutil
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from pipelines.instance import instance_for
from pipelines.run import run_pipeline
from tests.warehouse_queries import query
from tests.warehouse_queries import snapshot as warehouse_snapshot

INBOX = Path(__file__).resolve().parents[1] / "fixtures" / "marts" / "keten" / "inbox"
HELD_BACK = "JBGL/gi_maatregelen/2025-06-30.csv"
TODAY = "2025-07-20"
# A month later: the delivery monitor expects July 2025 too (the last complete month before the day).
NEXT_MONTH = "2025-08-20"
SCHEMAS = ("referentie", "meta", "staging", "historie", "modellen", "marts")
NOTHING_TO_DO = re.compile(
    r"Nothing new since the run of (\d{4}-\d\d-\d\d \d\d:\d\d) UTC \(run ([0-9a-f-]+)\): "
    r"the figures, exports and reports are up to date; nothing to do"
)
QUIET = "Nothing new: the delivery monitor and the board only"


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("DAGSTER_HOME", raising=False)
        mp.setenv("KETENMONITOR_VANDAAG", TODAY)
        root = tmp_path_factory.mktemp("nothing") / "data"
        shutil.copytree(
            INBOX, root / "inbox", ignore=lambda d, names: [n for n in names if f"{d}/{n}".endswith(HELD_BACK)]
        )
        assert not (root / "inbox" / HELD_BACK).exists()
        assert run_pipeline(root, log=lambda _: None).exit_code == 0
        yield root


@pytest.fixture
def today(monkeypatch):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    monkeypatch.setenv("KETENMONITOR_VANDAAG", TODAY)
    return monkeypatch


def _run(root: Path):
    lines: list[str] = []
    summary = run_pipeline(root, log=lines.append)
    assert summary.exit_code == 0, (summary, lines)
    return summary, lines


def _settle(root: Path) -> None:
    """Run until a run has nothing to do: at most a quiet run (another day was judged), then a run
    that publishes the delivery monitor's news in the region manifests, then nothing."""
    for _ in range(3):
        summary, _lines = _run(root)
        if summary.run_id is None:
            return
    raise AssertionError("three runs in a row had something to do")


def _runs(root: Path) -> int:
    return instance_for(root).get_runs_count()


def _files(root: Path) -> dict[str, tuple]:
    """Every file, link and folder under exports/ and reports/: its bytes (a link: its target) and mtime."""
    out: dict[str, tuple] = {}
    for top in ("exports", "reports"):
        for path in sorted((root / top).rglob("*")):
            stat = path.lstat()
            if path.is_symlink():
                content = os.readlink(path)
            elif path.is_dir():
                content = None
            else:
                content = path.read_bytes()
            out[path.relative_to(root).as_posix()] = (content, stat.st_mtime_ns)
    return out


def _inbox(root: Path) -> list[str]:
    return sorted(p.relative_to(root / "inbox").as_posix() for p in (root / "inbox").rglob("*.csv"))


def _board(root: Path) -> str:
    return (root / "reports" / "bestuur.html").read_text(encoding="utf-8")


def test_a_second_run_on_the_same_day_with_nothing_new_does_nothing(root, today):
    _settle(root)
    last = instance_for(root).get_runs(limit=1)[0]  # the last Dagster run: it made the board in place
    stats = instance_for(root).get_run_stats(last.run_id)
    runs, files, tables = _runs(root), _files(root), warehouse_snapshot(root, SCHEMAS)

    summary, lines = _run(root)
    assert summary.run_id is None and _runs(root) == runs  # no Dagster run
    match = NOTHING_TO_DO.fullmatch(lines[0])
    assert match and match.group(2) == last.run_id, lines
    # The time is when that run made the board (to the minute, UTC).
    made = datetime.strptime(match.group(1), "%Y-%m-%d %H:%M").replace(tzinfo=UTC).timestamp()
    assert stats.start_time - 60 < made <= stats.end_time
    assert lines[1:] == []  # nothing is missing from the inbox
    # The summary a quiet run gives: every file unchanged since it was taken in, all accepted, no table built.
    assert summary.accepted == summary.unchanged == _inbox(root) and len(summary.accepted) >= 6
    assert summary.quarantined == {} and summary.tables == {} and summary.warnings == []
    assert summary.regions == sorted(p.name for p in (root / "exports").iterdir() if p.is_symlink())
    assert _files(root) == files and warehouse_snapshot(root, SCHEMAS) == tables

    # `ketenmonitor run` in a fresh process: neither Dagster nor Great Expectations is imported.
    code = (
        "import sys\n"
        "from pipelines.cli import main\n"
        "code = main(['run', '--data-dir', sys.argv[1]])\n"
        "print('dagster' in sys.modules, 'great_expectations' in sys.modules)\n"
        "sys.exit(code)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
    process = subprocess.run([sys.executable, "-c", code, str(root)], env=env, capture_output=True, text=True)
    assert process.returncode == 0, process.stdout + process.stderr
    output = process.stdout.splitlines()
    assert NOTHING_TO_DO.fullmatch(output[0]) and output[-1] == "False False", process.stdout
    assert "Ketenmonitor run finished in" in process.stdout
    assert _runs(root) == runs and _files(root) == files and warehouse_snapshot(root, SCHEMAS) == tables


def test_a_new_day_makes_the_quiet_run_and_the_board_judges_that_day(root, today):
    _settle(root)
    assert "<th>juli 2025</th>" not in _board(root)  # on 2025-07-20 the last complete month is June
    runs = _runs(root)

    today.setenv("KETENMONITOR_VANDAAG", NEXT_MONTH)
    summary, lines = _run(root)
    assert summary.run_id is not None and _runs(root) == runs + 1
    assert QUIET in lines
    steps = {s.step_key for s in instance_for(root).get_run_step_stats(summary.run_id)}
    assert steps == {"leveringen", "marts", "reports"}
    assert set(summary.tables) == {"marts/aanlevering"}  # the delivery monitor judged the new day
    assert query(root, "SELECT DISTINCT vandaag FROM marts.aanlevering") == [(date(2025, 8, 20),)]
    # July's delivery is due by 31 July + 15 days = 15 August: on 20 August it is missing, for everyone.
    july = query(root, "SELECT DISTINCT status FROM marts.aanlevering WHERE verwachte_maand = DATE '2025-07-01'")
    assert july == [("ontbreekt",)]
    assert "<th>juli 2025</th>" in _board(root)

    # The region manifests carry the delivery monitor's news (July missing), which the quiet run leaves out:
    # the next run publishes it, through every step (the news is new to every region) ...
    news, lines = _run(root)
    assert news.run_id is not None and _runs(root) == runs + 2 and QUIET not in lines
    steps = {s.step_key for s in instance_for(root).get_run_step_stats(news.run_id)}
    assert steps == {"leveringen", "staging", "marts", "exports", "reports"}
    regions = len(news.regions)
    assert regions > 0 and any(line.startswith(f"exports: {regions} of {regions} regions written") for line in lines)
    # ... and then, the same day, there is nothing to do.
    files = _files(root)
    again, lines = _run(root)
    assert again.run_id is None and _runs(root) == runs + 2 and _files(root) == files
    assert NOTHING_TO_DO.fullmatch(lines[0]).group(2) == news.run_id


def _outcome(summary) -> tuple:
    """What a summary says, but which run and how long it took."""
    return (
        summary.accepted,
        summary.quarantined,
        summary.unchanged,
        summary.restored,
        summary.missing,
        summary.tables,
        summary.failed_steps,
        summary.failed_checks,
        summary.warnings,
        summary.regions,
    )


def _made(board: str) -> str:
    return re.sub(r"gemaakt [0-9-]+ [0-9:]+ UTC", "gemaakt", board)


def test_a_changed_board_or_region_report_is_made_again(root, today):
    _settle(root)
    skipped, _lines = _run(root)
    assert skipped.run_id is None
    runs, before, board_before = _runs(root), _files(root), _board(root)
    board = root / "reports" / "bestuur.html"
    board.write_text("oud", encoding="utf-8")
    summary, lines = _run(root)
    assert summary.run_id is not None and _runs(root) == runs + 1 and QUIET in lines
    # The quiet run says what the skipped one said, and makes what was there: the same exports and region
    # reports, and the same board but for the time it was made.
    assert _outcome(summary) == _outcome(skipped)
    after = _files(root)
    assert {k: v for k, v in after.items() if k.startswith(("exports/", "reports/regio/"))} == {
        k: v for k, v in before.items() if k.startswith(("exports/", "reports/regio/"))
    }
    assert _made(_board(root)) == _made(board_before) and "<th>juni 2025</th>" in board_before

    report = sorted((root / "reports" / "regio").glob("*.html"))[0]
    report.unlink()
    summary, lines = _run(root)
    assert summary.run_id is not None and _runs(root) == runs + 2 and QUIET in lines
    assert report.is_file()


def test_a_new_delivery_is_not_skipped(root, today):
    _settle(root)
    runs = _runs(root)
    assert not (root / "inbox" / HELD_BACK).exists()
    (root / "inbox" / HELD_BACK).parent.mkdir(parents=True, exist_ok=True)
    (root / "inbox" / HELD_BACK).write_bytes((INBOX / HELD_BACK).read_bytes())
    summary, lines = _run(root)
    assert summary.run_id is not None and _runs(root) == runs + 1
    assert not any(NOTHING_TO_DO.fullmatch(line) for line in lines) and QUIET not in lines
    assert HELD_BACK in summary.accepted and HELD_BACK not in summary.unchanged
    assert "staging/gi_maatregelen" in summary.tables
