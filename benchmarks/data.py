"""The benchmark's inputs: generated deliveries cached per scale, and data dirs assembled from them.

The deliveries are generated once per (scale, seed, end month, snapshots) into the cache
(`~/.cache/ketenmonitor/bench` by default, outside the repository) and reused by every run;
a data dir for one measurement gets hard links to the cached files it needs (a copy when the
cache lies on another file system). The pipeline only reads inbox files, never changes them.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sources.inbox import scan_inbox
from synthetic.dates import plus_maanden
from synthetic.generator import generate

DONE = "generated.ok"


@dataclass(frozen=True)
class Delivery:
    key: str  # place in the inbox: <org>/<bron>/<peildatum>.<ext>
    organisatie_code: str
    bron: str
    peildatum: str
    path: Path
    fmt: str

    @property
    def size(self) -> int:
        return self.path.stat().st_size


def cached_inbox(cache: Path, scale: str, seed: int, end_month: str, snapshots: int) -> Path:
    """The cached data dir of this scale, generated on first use; returns its inbox."""
    target = cache / f"{scale}-{seed}-{end_month}-{snapshots}"
    if not (target / DONE).is_file():
        shutil.rmtree(target, ignore_errors=True)
        summary = generate(target, scale=scale, seed=seed, end_month=end_month, snapshots=snapshots)  # type: ignore[arg-type]
        print(summary.format_text(), flush=True)
        (target / DONE).write_text(f"{summary.total_rows}\n")
    return target / "inbox"


def _month_before(month: str) -> str:
    year, number = (int(p) for p in month.split("-"))
    return f"{plus_maanden(date(year, number, 1), -1):%Y-%m}"


def cached_demo_inbox(cache: Path, seed: int, end_month: str) -> Path:
    """The deliveries `ketenmonitor demo` takes in, generated on first use; returns their inbox.

    As the command generates them: the demo scale's default snapshots, with the deliveries that
    break named contract rules a month after the last snapshot, here in `end_month` (the command's
    last complete month).
    """
    target = cache / f"demo-defects-{seed}-{end_month}"
    if not (target / DONE).is_file():
        shutil.rmtree(target, ignore_errors=True)
        summary = generate(target, scale="demo", seed=seed, end_month=_month_before(end_month), defects=True)
        print(summary.format_text(), flush=True)
        (target / DONE).write_text(f"{summary.total_rows}\n")
    return target / "inbox"


def deliveries(inbox: Path) -> list[Delivery]:
    refs, errors = scan_inbox(inbox)
    if errors:
        raise RuntimeError(f"unexpected files in the benchmark cache: {[str(e.path) for e in errors]}")
    return sorted(
        (
            Delivery(
                r.path.relative_to(inbox).as_posix(), r.organisatie_code, r.bron, r.peildatum.isoformat(), r.path, r.fmt
            )
            for r in refs
        ),
        key=lambda d: d.key,
    )


def latest(items: list[Delivery], skip_last_of: str | None = None) -> list[Delivery]:
    """Each organisation's latest delivery per bron; for organisation `skip_last_of` the one before."""
    by_stream: dict[tuple[str, str], list[Delivery]] = {}
    for d in items:
        by_stream.setdefault((d.organisatie_code, d.bron), []).append(d)
    chosen = []
    for (org, _), stream in sorted(by_stream.items()):
        stream.sort(key=lambda d: d.peildatum)
        chosen.append(stream[-2] if org == skip_last_of and len(stream) > 1 else stream[-1])
    return chosen


def incremental_gi(items: list[Delivery]) -> str:
    """The GI whose newest monthly delivery is the incremental run: the first organisation delivering gi_maatregelen."""
    return min(d.organisatie_code for d in items if d.bron == "gi_maatregelen")


def _link_or_copy(source: str | Path, target: str | Path) -> None:
    """A hard link to a cached file, or a copy when the cache lies on another file system."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def link_into(data_dir: Path, items: list[Delivery]) -> None:
    """Put `items` into data_dir/inbox (hard links, else copies)."""
    for d in items:
        target = data_dir / "inbox" / d.key
        target.parent.mkdir(parents=True, exist_ok=True)
        _link_or_copy(d.path, target)


def copy_inbox(data_dir: Path, inbox: Path) -> None:
    """Put the whole of `inbox` into data_dir/inbox (hard links, else copies), whatever its files."""
    shutil.copytree(inbox, data_dir / "inbox", copy_function=_link_or_copy, dirs_exist_ok=True)


def rows_of(items: list[Delivery], counts: dict[str, int]) -> int:
    return sum(counts[d.key] for d in items)
