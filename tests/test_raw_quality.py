"""The Great Expectations suites (pipelines/checks/raw_quality.py) catch bad rows that reach the
landing tables, whatever let them through: one planted defect per source."""
from __future__ import annotations

import duckdb
import pytest

from pipelines.checks.raw_quality import validate_source
from pipelines.ingest import ensure_schema


@pytest.fixture
def con():
    c = duckdb.connect()
    ensure_schema(c)
    c.execute("""insert into raw.organisation values
        (2022, '0483', 'KOMMUN', 'Kommun', null, 'kommun', 'f', 2), (2022, '0483', 'A', 'A', 'KOMMUN', 'enhet', 'f', 3)""").fetchall()
    c.execute("""insert into raw.question values
        ('medarbetarenkat', 2022, 'q1', 'Q1', 'Fråga', '1-5', null, 'f', 2),
        ('medborgarundersokning', 2022, 'b', 'B', 'Fråga', 'verbal4', null, 'f', 2),
        ('intern_enkat', 2022, 's', 'S', 'Fråga', '1-6', null, 'f', 2)""").fetchall()
    c.execute("""insert into raw.respondent_group values
        ('medarbetarenkat', 2022, 1, '0483', 'A', 'K', null, null, null, 1, null),
        ('medborgarundersokning', 2022, 1, '0483', null, 'M', '25-34', null, null, 1, 1.5),
        ('intern_enkat', 2022, 1, '0483', 'A', null, null, 'mottagare', 'Socialförvaltningen', 1, null)""").fetchall()
    c.execute("""insert into raw.answer_sum values
        ('medarbetarenkat', 2022, 1, 'q1', 1, 1, 4, 16, 0, 1),
        ('medborgarundersokning', 2022, 1, 'b', 1, 1.5, 3, 6, 1.5, 2.25),
        ('intern_enkat', 2022, 1, 's', 1, 1, 6, 36, 0, 1)""").fetchall()
    c.execute("insert into raw.kolada_value values (2022, 'U00200', '0483', 'T', 80.6, 'k.json', 2)").fetchall()
    c.execute("insert into raw.goal values (2022, '0483', 'G1', 'Mål', 'vision', null, 'KOMMUN', null, 0, 5)").fetchall()
    c.execute("insert into raw.indicator values (2022, '0483', 'G1', 'I1', 'kolada.U00200', null, 80, 'hogre', null, null, 1.0, 0, 7)").fetchall()
    c.execute("insert into raw.activity values (2022, '0483', 'G1', 'A1', 'Akt', true, 'klar', 0, 9)").fetchall()
    return c


def rules(issues):
    return sorted({(i.rule, i.column) for i in issues})


def test_clean_landing_passes_every_suite(con):
    for source in ("organisation", "kolada", "styrmodell", "medarbetarenkat", "medborgarundersokning", "intern_enkat"):
        issues, evaluated = validate_source(con, source, 2022)
        assert evaluated > 0 and issues == [], (source, [i.message for i in issues])


def test_bad_background_is_caught(con):
    con.execute("""insert into raw.respondent_group values
        ('medarbetarenkat', 2022, 2, '0483', 'A', 'X', null, null, null, 1, null)""").fetchall()
    con.execute("insert into raw.answer_sum values ('medarbetarenkat', 2022, 2, 'q1', 1, 1, 3, 9, 0, 1)").fetchall()
    issues, _ = validate_source(con, "medarbetarenkat", 2022)
    assert rules(issues) == [("gx:expect_column_values_to_be_in_set", "kon")]


def test_answers_of_an_unknown_group_or_without_weight_are_caught(con):
    con.execute("insert into raw.answer_sum values ('medarbetarenkat', 2022, 99, 'q1', 1, 1, 3, 9, 0, 1)").fetchall()
    issues, _ = validate_source(con, "medarbetarenkat", 2022)
    assert rules(issues) == [("gx:expect_column_values_to_be_in_set", "group_known")]
    con.execute("delete from raw.answer_sum where grp = 99").fetchall()
    con.execute("update raw.answer_sum set sw = 0 where source = 'medarbetarenkat'").fetchall()
    issues, _ = validate_source(con, "medarbetarenkat", 2022)
    assert rules(issues) == [("gx:expect_column_values_to_be_in_set", "sums_positive")]


def test_weight_and_age_group(con):
    con.execute("update raw.respondent_group set vikt_min = -1, aldersgrupp = '85-99' where source = 'medborgarundersokning'").fetchall()
    issues, _ = validate_source(con, "medborgarundersokning", 2022)
    assert rules(issues) == [("gx:expect_column_values_to_be_in_set", "aldersgrupp"), ("gx:expect_column_values_to_be_in_set", "weight_positive")]


def test_organisation_kolada_and_goal_model(con):
    con.execute("insert into raw.organisation values (2022, '0483', 'A', 'A igen', 'KOMMUN', 'avdelning', 'f', 4)").fetchall()
    con.execute("insert into raw.kolada_value values (2022, 'U00200', '0483', 'X', 1, 'k.json', 3)").fetchall()
    con.execute("update raw.indicator set riktning = 'upp'").fetchall()
    assert rules(validate_source(con, "organisation", 2022)[0]) == [
        ("gx:expect_column_values_to_be_in_set", "typ"), ("gx:expect_column_values_to_be_null", "enhet")]
    repeated, = (i for i in validate_source(con, "organisation", 2022)[0] if i.column == "enhet")
    assert "0483/A" in repeated.message  # the repeated key, named
    assert rules(validate_source(con, "kolada", 2022)[0]) == [("gx:expect_column_values_to_be_in_set", "gender")]
    assert rules(validate_source(con, "styrmodell", 2022)[0]) == [("gx:expect_column_values_to_be_in_set", "riktning")]


def test_a_missing_name_or_target_names_its_row(con):
    """Blanks the file rules refuse, checked again on what landed: the finding names the row."""
    row = con.execute("select _row from raw.organisation where year = 2022 order by _row limit 1").fetchone()[0]
    con.execute(f"update raw.organisation set namn = null where _row = {row}").fetchall()
    con.execute("update raw.indicator set malvarde = null").fetchall()
    (org,), _ = validate_source(con, "organisation", 2022)
    assert (org.rule, org.column) == ("gx:expect_column_values_to_be_null", "namn")
    assert f"0483 row {row}" in org.message
    assert rules(validate_source(con, "styrmodell", 2022)[0]) == [("gx:expect_column_values_to_be_null", "malvarde")]


def _copy_year(con, to_year: int):
    for t in ("organisation", "question", "respondent_group", "answer_sum", "kolada_value", "goal", "indicator", "activity"):
        con.execute(f"insert into raw.{t} select * replace ({to_year} as year) from raw.{t} where year = 2022").fetchall()


def test_several_years_in_one_validation_blame_only_the_bad_year(con):
    """validate_years checks the years together; the same keys in two years are no duplicate, and
    a defect in one year is that year's finding only."""
    from pipelines.checks.raw_quality import validate_years

    _copy_year(con, 2023)
    for source in ("organisation", "kolada", "styrmodell", "medarbetarenkat", "medborgarundersokning", "intern_enkat"):
        results = validate_years(con, source, [2022, 2023])
        assert sorted(results) == [2022, 2023]
        assert all(issues == [] and n > 0 for issues, n in results.values()), (source, results)
    con.execute("insert into raw.organisation values (2023, '0483', 'A', 'A igen', 'KOMMUN', 'enhet', 'f', 4)").fetchall()
    con.execute("update raw.respondent_group set enkat = 'x' where source = 'intern_enkat' and year = 2023").fetchall()
    org = validate_years(con, "organisation", [2022, 2023])
    assert org[2022][0] == [] and rules(org[2023][0]) == [("gx:expect_column_values_to_be_null", "enhet")]
    assert all(i.year == 2023 for i in org[2023][0])
    enkat = validate_years(con, "intern_enkat", [2022, 2023])
    assert enkat[2022][0] == [] and rules(enkat[2023][0]) == [("gx:expect_column_values_to_be_in_set", "enkat")]


def test_the_suites_run_in_their_own_process_and_say_the_same(con, monkeypatch):
    """The suites run in the GX process (pipelines/checks/gx_process.py); one that died is started
    again, and where none can start they run in the calling process: the same findings each way."""
    import os
    import sys

    from pipelines.checks import gx_process

    con.execute("update raw.respondent_group set enkat = 'x' where source = 'intern_enkat'").fetchall()
    con.execute("update raw.kolada_value set gender = 'X'").fetchall()
    sources = ("intern_enkat", "kolada", "organisation")

    def findings():
        got = {s: validate_source(con, s, 2022) for s in sources}
        return [(s, i.rule, i.column, i.message) for s in sources for i in got[s][0]], [got[s][1] for s in sources]

    gx_process.start()
    try:
        pid = gx_process._worker.proc.pid
        there = findings()
        assert gx_process._worker.proc.pid == pid and gx_process._worker.proc.poll() is None  # one process served all three
        assert [(s, r, c) for s, r, c, _ in there[0]] == [
            ("intern_enkat", "gx:expect_column_values_to_be_in_set", "enkat"),
            ("kolada", "gx:expect_column_values_to_be_in_set", "gender")]
        os.kill(pid, 9)
        gx_process._worker.proc.wait()
        assert findings() == there and gx_process._worker.proc.pid != pid  # started again
        gx_process.stop()
        monkeypatch.setattr(sys, "executable", "/nonexistent/python")  # no process can start
        assert findings() == there and gx_process._worker.proc is None  # validated here
    finally:
        gx_process.stop()
    assert gx_process._worker.proc is None


def test_the_gx_process_ends_with_its_parent(tmp_path):
    """A parent that ends without a word (SIGKILL) leaves no GX process behind."""
    import subprocess
    import sys
    import time

    parent = subprocess.Popen([sys.executable, "-c", (
        "import sys, time\n"
        "from pipelines.checks import gx_process\n"
        "gx_process.start(); print(gx_process._worker.proc.pid, flush=True); time.sleep(600)")],
        stdout=subprocess.PIPE, text=True)
    child = int(parent.stdout.readline())
    time.sleep(1.0)  # it is importing GX now
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            state = open(f"/proc/{child}/stat").read().split(")")[-1].split()[0]
        except FileNotFoundError:
            break
        if state == "Z":  # ended; only the machine's init has not reaped it yet
            break
        time.sleep(0.1)
    else:
        raise AssertionError(f"GX process {child} still runs 20 s after its parent was killed")
