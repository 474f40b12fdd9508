"""The names the board and the analysts see in Dagster (asset keys, check names, jobs, schedule,
sensor) are pinned: renaming one changes tests/fixtures/board_names.txt, a reviewed change.

After an intended rename: `python tests/pipelines/test_board_names.py` rewrites the file.
"""

from pathlib import Path

SNAPSHOT = Path(__file__).resolve().parents[1] / "fixtures" / "board_names.txt"


def board_names() -> list[str]:
    from pipelines.definitions import defs

    graph = defs.resolve_asset_graph()
    names = [f"asset {key.to_user_string()} (group {graph.get(key).group_name})" for key in graph.get_all_asset_keys()]
    names += [f"check {key.asset_key.to_user_string()}:{key.name}" for key in graph.asset_check_keys if key is not None]
    names += [f"job {job.name}" for job in defs.jobs or []]
    names += [f"schedule {s.name}" for s in defs.schedules or []]
    names += [f"sensor {s.name}" for s in defs.sensors or []]
    return sorted(names)


def test_board_facing_names_are_as_reviewed():
    expected = SNAPSHOT.read_text(encoding="utf-8").splitlines()
    actual = board_names()
    added = sorted(set(actual) - set(expected))
    removed = sorted(set(expected) - set(actual))
    assert (added, removed) == ([], []), (
        f"board-facing names changed (added {added}, removed {removed}); if intended, run "
        "`python tests/pipelines/test_board_names.py` and commit tests/fixtures/board_names.txt"
    )


if __name__ == "__main__":
    SNAPSHOT.write_text("\n".join(board_names()) + "\n", encoding="utf-8")
    print(f"Wrote {SNAPSHOT}")
