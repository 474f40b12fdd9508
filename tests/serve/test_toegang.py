"""`ketenmonitor toegang maak | lijst | intrekken`: a token is printed once and stored only as its hash;
checks against the store; the failure limit's window."""

from __future__ import annotations

import hashlib
import json
import stat

import pytest

from pipelines.cli import main
from serve.audit import FailureLimit
from serve.toegang import TOKEN_PREFIX, TokenStore, check
from sources.paths import tokens_path
from tests.serve.helpers import ANDERE, REGIO


def _maak(root, regio, label, capsys) -> tuple[str, str]:
    assert main(["toegang", "maak", regio, "--label", label, "--data-dir", str(root)]) == 0
    first, token = capsys.readouterr().out.splitlines()
    token_id = first.split()[1]
    assert first == f"Token {token_id} for {regio} ({label}); shown only now, give it to the analyst:"
    return token, token_id


def test_maak_prints_the_token_once_and_keeps_only_its_hash(tmp_path, capsys):
    token, token_id = _maak(tmp_path, REGIO, "J. Jansen, gemeente Tiel", capsys)
    assert token.startswith(TOKEN_PREFIX) and len(token) == len(TOKEN_PREFIX) + 43  # 32 random bytes
    path = tokens_path(tmp_path)
    text = path.read_text(encoding="utf-8")
    assert token not in text and token[len(TOKEN_PREFIX) :] not in text
    (entry,) = json.loads(text)["tokens"]
    assert entry["id"] == token_id and entry["regio"] == REGIO and entry["label"] == "J. Jansen, gemeente Tiel"
    assert entry["sha256"] == hashlib.sha256(token.encode()).hexdigest()
    assert entry["ingetrokken"] is None and entry["aangemaakt"].endswith("+00:00")
    # Readable by the installation's user only.
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

    # lijst: id, region, dates, label; never a token or a hash.
    assert main(["toegang", "lijst", "--data-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert token_id in out and REGIO in out and "J. Jansen, gemeente Tiel" in out
    assert token not in out and entry["sha256"] not in out


def test_several_tokens_per_region_and_one_revoked_alone(tmp_path, capsys):
    een, een_id = _maak(tmp_path, REGIO, "analist een", capsys)
    twee, twee_id = _maak(tmp_path, REGIO, "analist twee", capsys)
    ander, _ = _maak(tmp_path, ANDERE, "analist elders", capsys)
    assert len({een, twee, ander}) == 3
    assert main(["toegang", "intrekken", een_id, "--data-dir", str(tmp_path)]) == 0
    capsys.readouterr()
    tokens = TokenStore(tokens_path(tmp_path)).lijst()
    assert [(t.regio, t.label, t.actief) for t in tokens] == [
        (REGIO, "analist een", False),
        (REGIO, "analist twee", True),
        (ANDERE, "analist elders", True),
    ]
    assert (check(tokens, een).token.id, check(tokens, een).reden) == (een_id, "ingetrokken_token")
    assert (check(tokens, twee).token.id, check(tokens, twee).reden) == (twee_id, None)
    assert check(tokens, ander).token.regio == ANDERE
    for wrong in ("", een + "x", een[:-1], twee.upper(), "kmt_"):
        assert (check(tokens, wrong).token, check(tokens, wrong).reden) == (None, "onbekend_token"), wrong

    assert main(["toegang", "lijst", "--regio", REGIO, "--data-dir", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()[1:]
    assert len(lines) == 2 and all(REGIO in line for line in lines)
    (revoked,) = [line for line in lines if line.startswith(een_id)]
    assert revoked.split()[3] == tokens[0].ingetrokken  # the revocation time, not '-'


def test_maak_and_intrekken_refuse_what_does_not_exist(tmp_path, capsys):
    assert main(["toegang", "maak", "NERGENS", "--label", "x", "--data-dir", str(tmp_path)]) == 2
    assert "not a jeugdregio" in capsys.readouterr().err
    assert main(["toegang", "maak", "../etc", "--label", "x", "--data-dir", str(tmp_path)]) == 2
    assert main(["toegang", "maak", REGIO, "--label", "  ", "--data-dir", str(tmp_path)]) == 2
    assert "give a label" in capsys.readouterr().err
    assert main(["toegang", "intrekken", "0000abcd", "--data-dir", str(tmp_path)]) == 2
    assert "no token with id 0000abcd" in capsys.readouterr().err
    assert not tokens_path(tmp_path).exists()


def test_the_failure_limit_counts_within_its_window():
    now = [1000.0]
    limit = FailureLimit(max_failures=3, window=60, clock=lambda: now[0])
    for t in (1000.0, 1010.0, 1020.0):
        now[0] = t
        assert limit.blocked_for("10.0.0.1") == 0
        limit.fail("10.0.0.1")
    # Three failures within 60 s: blocked until the first (at 1000) is 60 s old.
    now[0] = 1030.0
    assert limit.blocked_for("10.0.0.1") == pytest.approx(30.0)
    assert limit.blocked_for("10.0.0.2") == 0  # per address
    now[0] = 1060.0
    assert limit.blocked_for("10.0.0.1") == 0  # 1000 aged out: two failures left in the window
    limit.fail("10.0.0.1")
    assert limit.blocked_for("10.0.0.1") == pytest.approx(10.0)  # until 1010 ages out
    with pytest.raises(ValueError):
        FailureLimit(max_failures=0, window=60)
