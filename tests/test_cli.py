"""`followup` exit code 2: the command could not run, with a one-line reason (contract section 1)."""
from __future__ import annotations

import pytest

from pipelines.cli import main


@pytest.mark.parametrize("argv,env_raw,reason", [
    (["run"], "missing", "no raw directory"),
    (["run", "--year", "1999"], "fixture", "1999 is not a year"),
    (["run", "--year", "abc"], "fixture", "invalid int value"),
    (["frobnicate"], "fixture", "invalid choice"),
    (["run"], "empty", "holds no year"),
])
def test_cannot_run_exits_2_with_one_line(argv, env_raw, reason, monkeypatch, tmp_path, capsys):
    from .conftest import FIXTURES

    raw = {"missing": tmp_path / "nope", "fixture": FIXTURES / "e2e_raw", "empty": tmp_path}[env_raw]
    monkeypatch.setenv("FOLLOWUP_RAW_DIR", str(raw))
    monkeypatch.setenv("FOLLOWUP_WAREHOUSE_DIR", str(tmp_path / "wh"))
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and reason in err[0]
    assert not (tmp_path / "wh" / "followup.duckdb").exists()


def test_rollback_without_previous_version_exits_2(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("FOLLOWUP_WAREHOUSE_DIR", str(tmp_path))
    assert main(["rollback"]) == 2
    assert "no previous version" in capsys.readouterr().err
