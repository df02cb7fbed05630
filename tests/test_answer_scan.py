"""Answer files that keep every rule are checked and typed in one streamed scan
(pipelines/ingest/surveys.py, `_typed_rows`); only a group with a broken rule is read again with
row numbers and checked rule by rule (`_check_and_land`). Both paths land the same rows."""
from __future__ import annotations

import shutil

import duckdb
import pytest

from pipelines.ingest import ensure_schema, ingest, surveys

from .conftest import REPO

SOURCES = ("medarbetarenkat", "medborgarundersokning", "intern_enkat")


def _land(root, year: int) -> dict[str, list]:
    con = duckdb.connect()
    ensure_schema(con)
    ingest(con, root, "organisation", year)
    for source in SOURCES:
        n, issues = ingest(con, root, source, year)
        assert n > 0 and not [i for i in issues if i.severity == "error"], (source, issues)
    return {t: con.execute(f"select * from raw.{t} order by all").fetchall() for t in ("respondent_group", "answer_sum")}


def test_clean_files_take_the_scan_and_land_what_the_rule_by_rule_path_lands(monkeypatch):
    read_again = []
    real = surveys.CsvGroup.read
    monkeypatch.setattr(surveys.CsvGroup, "read", lambda self, con: read_again.append(self.files) or real(self, con))
    scanned = _land(REPO / "raw", 2022)
    answer_files = [f for files in read_again for f in files if f.split("/")[0] in SOURCES and not f.endswith("fragor.csv")]
    assert answer_files == []  # no group of answer files read a second time (organisation, catalogues: read once)
    monkeypatch.setattr(surveys, "_typed_rows", lambda *a: False)  # every group read and checked rule by rule
    checked = _land(REPO / "raw", 2022)
    assert any(f.split("/")[0] in SOURCES and not f.endswith("fragor.csv") for files in read_again for f in files)  # it was
    assert scanned == checked
    assert all(scanned[t] for t in scanned)


def _demo_staff_year(tmp_path, change) -> tuple:
    """The demo's 2022 trees and staff files in tmp_path/raw, the first answer file's line 2 (before
    any comment) changed by `change(fields, question_positions)`: (raw, that file's path)."""
    raw = tmp_path / "raw"
    for source in ("organisation", "medarbetarenkat"):
        shutil.copytree(REPO / "raw" / source / "2022", raw / source / "2022")
    path = next(p for p in sorted((raw / "medarbetarenkat" / "2022").glob("*.csv")) if p.name != "fragor.csv")
    data = path.read_bytes()
    delimiter = b";" if data.split(b"\n", 1)[0].count(b";") else b","
    lines = data.split(b"\n")
    header = [h.strip().lower().lstrip("\ufeff") for h in lines[0].decode("utf-8", "replace").split(delimiter.decode())]
    catalogue = (raw / "medarbetarenkat" / "2022" / "fragor.csv").read_text(encoding="utf-8-sig").lower()
    questions = [i for i, h in enumerate(header) if h not in ("svarsid", "enhet", "kon", "kommentar") and h in catalogue]
    fields = lines[1].split(delimiter)
    change(fields, questions)
    lines[1] = delimiter.join(fields)
    path.write_bytes(b"\n".join(lines))
    return raw, path


def test_a_broken_rule_is_named_by_the_rule_by_rule_path(tmp_path, monkeypatch):
    def answer_42(fields, questions):  # an answer far outside any scale
        fields[questions[0]] = b"42"
    raw, path = _demo_staff_year(tmp_path, answer_42)
    read_again = []
    real = surveys.CsvGroup.read
    monkeypatch.setattr(surveys.CsvGroup, "read", lambda self, con: read_again.append(self.files) or real(self, con))
    con = duckdb.connect()
    ensure_schema(con)
    ingest(con, raw, "organisation", 2022)
    _, issues = ingest(con, raw, "medarbetarenkat", 2022)
    errors = [(i.file, i.row, i.rule) for i in issues if i.severity == "error"]
    rel = f"medarbetarenkat/2022/{path.name}"
    assert (rel, 2, "answer_scale") in errors or (rel, 2, "not_finite") in errors, errors
    assert any(rel in files for files in read_again)
    if errors and not all(e[0] == rel for e in errors):
        pytest.fail(f"findings in other files: {errors}")


def test_answer_cells_that_are_not_plain_integers_fall_back_to_the_text_scan(tmp_path, monkeypatch):
    """The scan parses answers as integers; a cell it cannot (a blank of spaces) fails it, and
    the same group is scanned as text, trimmed: the file is landed, with the same sums as the
    rule-by-rule path, and nothing is reported."""
    def spaces_and_padding(fields, questions):
        fields[questions[0]] = b"   "  # blank: no answer
        fields[questions[1]] = b" " + (fields[questions[1]].strip() or b"2") + b" "
    raw, _ = _demo_staff_year(tmp_path, spaces_and_padding)
    scans = []
    real = surveys.CsvGroup.scan_sql
    monkeypatch.setattr(surveys.CsvGroup, "scan_sql", lambda self, con, integers=(): scans.append(bool(integers)) or real(self, con, integers))

    def land():
        con = duckdb.connect()
        ensure_schema(con)
        ingest(con, raw, "organisation", 2022)
        n, issues = ingest(con, raw, "medarbetarenkat", 2022)
        assert n > 0 and not [i for i in issues if i.severity == "error"], issues
        return {t: con.execute(f"select * from raw.{t} order by all").fetchall() for t in ("respondent_group", "answer_sum")}

    scanned = land()
    assert True in scans and False in scans  # the integer scan failed on the group, the text scan ran
    monkeypatch.setattr(surveys, "_typed_rows", lambda *a: False)
    assert scanned == land()
