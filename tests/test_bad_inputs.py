"""The gate against a corpus of bad inputs (contract section 4).

A good year is published first. Then each bad input is dropped into a copy of the raw files and
`followup run --year 2022` must: exit 1; name the file, row, column and rule in
reports/latest.json; and leave the year's published rows exactly as they were.
"""
from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import duckdb
import pytest

from .conftest import FIXTURES

STAFF = "medarbetarenkat/2022/0483.csv"
STAFF_Q = "medarbetarenkat/2022/fragor.csv"
MU = "medborgarundersokning/2022/0483.csv"
ORG = "organisation/2022/0483.csv"
GOALS = "styrmodell/2022/0483.yml"
KOLADA = "kolada/kolada.json"


def replace_line(rel, old, new):
    def mutate(raw: Path):
        p = raw / rel
        text = p.read_text(encoding="utf-8")
        assert old in text, f"fixture changed: {old!r} not in {rel}"
        p.write_text(text.replace(old, new, 1), encoding="utf-8")
    return mutate


def write(rel, content: bytes | str):
    def mutate(raw: Path):
        p = raw / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return mutate


def truncate(rel):
    def mutate(raw: Path):
        p = raw / rel
        data = p.read_bytes()
        p.write_bytes(data[: len(data) - 20])  # cut in the middle of the last row
    return mutate


def to_xlsx_with_sheet_first(rel, first_sheet_rows):
    def mutate(raw: Path):
        from openpyxl import Workbook

        p = raw / rel
        lines = [l.split(";") for l in p.read_text(encoding="utf-8").splitlines()]
        wb = Workbook()
        ws = wb.active
        ws.title = "Instruktioner"
        for r in first_sheet_rows:
            ws.append(r)
        data = wb.create_sheet("Svar")
        for r in lines:
            data.append(r)
        p.unlink()
        wb.save(p.with_suffix(".xlsx"))
    return mutate


# (id, mutation, expected (source, file, row, column, rule))
CORPUS = [
    ("answer_out_of_scale", replace_line(STAFF, "5;A;K;5;4;4;4;4;4;4;4;4;", "5;A;K;5;4;9;4;4;4;4;4;4;"),
     ("medarbetarenkat", STAFF, 6, "h3", "answer_scale")),
    ("answer_not_a_number", replace_line(STAFF, "7;B;M;5;5;5", "7;B;M;5;4,5;5"),
     ("medarbetarenkat", STAFF, 8, "h2", "answer_scale")),
    ("duplicate_respondent_id", replace_line(STAFF, "\n9;B;M;", "\n8;B;M;"),
     ("medarbetarenkat", STAFF, 9, "svarsid", "unique_id")),
    ("unknown_unit", replace_line(STAFF, "\n10;B;K;", "\n10;X9;K;"),
     ("medarbetarenkat", STAFF, 11, "enhet", "unknown_unit")),
    ("bad_kon", replace_line(STAFF, "\n13;C;K;", "\n13;C;Kvinna;"),
     ("medarbetarenkat", STAFF, 14, "kon", "allowed_value")),
    ("missing_required_column", replace_line(STAFF, "svarsid;enhet;", "id;enhet;"),
     ("medarbetarenkat", STAFF, 1, "svarsid", "required_column")),
    ("unknown_column", replace_line(STAFF, ";kommentar", ";fritext"),
     ("medarbetarenkat", STAFF, 1, "fritext", "unknown_column")),
    ("truncated_file", truncate(STAFF),
     ("medarbetarenkat", STAFF, 17, None, "parse")),
    ("wrong_encoding", write(STAFF, "svarsid;enhet;kon;h1\n1;A;K;5\n".encode("utf-16")),
     ("medarbetarenkat", STAFF, None, None, "encoding")),
    ("empty_file", write(STAFF, ""),
     ("medarbetarenkat", STAFF, 1, None, "empty_file")),
    ("renamed_sheet", to_xlsx_with_sheet_first(STAFF, [["Läs detta först"], ["Svaren finns på fliken Svar"]]),
     ("medarbetarenkat", STAFF.replace(".csv", ".xlsx"), 1, "läs detta först", "unknown_column")),
    ("scale_out_of_range", replace_line(STAFF_Q, "h9;HME_STY3;Jag vet vad som förväntas av mig i mitt arbete;1-5", "h9;HME_STY3;Jag vet vad som förväntas av mig i mitt arbete;1-12"),
     ("medarbetarenkat", STAFF_Q, 10, "skala", "scale")),
    ("group_mixes_units", replace_line(STAFF_Q, "h9;HME_STY3;Jag vet vad som förväntas av mig i mitt arbete;1-5", "h9;HME_STY3;Jag vet vad som förväntas av mig i mitt arbete;verbal4"),
     ("medarbetarenkat", STAFF_Q, 10, "grupp", "group_unit")),
    ("weight_not_positive", replace_line(MU, "2;M;35-44;0,5;2", "2;M;35-44;0;2"),
     ("medborgarundersokning", MU, 3, "vikt", "weight")),
    ("bad_age_group", replace_line(MU, "3;K;45-54;1;3", "3;K;45-55;1;3"),
     ("medborgarundersokning", MU, 4, "aldersgrupp", "allowed_value")),
    ("org_cycle", replace_line(ORG, "A;Enhet A;KS;enhet\nB;Enhet B;KS;enhet", "A;Enhet A;B;enhet\nB;Enhet B;A;enhet"),
     ("organisation", ORG, 4, "overordnad", "tree")),
    ("org_two_roots", replace_line(ORG, "SOC;Socialnämnden;KOMMUN;namnd", "SOC;Socialnämnden;;namnd"),
     ("organisation", ORG, 6, "overordnad", "one_root")),
    ("org_unknown_parent", replace_line(ORG, "C;Enhet C;SOC;enhet", "C;Enhet C;SOCX;enhet"),
     ("organisation", ORG, 7, "overordnad", "unknown_parent")),
    ("org_duplicate_unit", replace_line(ORG, "B;Enhet B;KS;enhet", "A;Enhet B;KS;enhet"),
     ("organisation", ORG, 4, "enhet", "unique_id")),
    ("org_bad_type", replace_line(ORG, "C;Enhet C;SOC;enhet", "C;Enhet C;SOC;avdelning"),
     ("organisation", ORG, 7, "typ", "allowed_value")),
    ("kolada_bad_gender", replace_line(KOLADA, '{"gender": "K", "count": 1, "status": "", "value": 81.0}', '{"gender": "X", "count": 1, "status": "", "value": 81.0}'),
     ("kolada", KOLADA, 2, "gender", "kolada_gender")),
    ("kolada_bad_municipality", replace_line(KOLADA, '"municipality": "0486"', '"municipality": "9999"'),
     ("kolada", KOLADA, 6, "municipality", "kommunkod")),
    ("kolada_broken_json", replace_line(KOLADA, '"value": 78.5}]},', '"value": 78.5}]'),
     ("kolada", KOLADA, 8, None, "parse")),
    ("kolada_value_not_number", replace_line(KOLADA, '"value": 79.0', '"value": "79,0"'),
     ("kolada", KOLADA, 8, "value", "kolada_value")),
    ("yaml_broken", replace_line(GOALS, "    niva: vision", "    niva: [vision"),
     ("styrmodell", GOALS, 8, None, "parse")),
    ("goal_unknown_measure", replace_line(GOALS, "matt: medarbetarenkat.HME,", "matt: medarbetarenkat.HMEX,"),
     ("styrmodell", GOALS, 10, "matt", "unknown_measure")),
    ("goal_unknown_parent", replace_line(GOALS, "    niva: vision", "    niva: vision\n    forelder: KF9"),
     ("styrmodell", GOALS, 8, "forelder", "unknown_parent")),
    ("band_not_a_number", replace_line(GOALS, "minsta_antal_svar: 5", "minsta_antal_svar: 5\nskalor:\n  hme: [{fran: åttio, etikett: bra}]"),
     ("styrmodell", GOALS, 5, "skalor", "styrmodell_value")),
    ("goal_bad_direction", replace_line(GOALS, "riktning: hogre", "riktning: upp"),
     ("styrmodell", GOALS, 10, "riktning", "allowed_value")),
]


def _published_year_digest(path: Path, year: int) -> str:
    con = duckdb.connect(str(path), read_only=True)
    try:
        h = hashlib.sha256()
        for table in ("fct_measure_value", "dim_org_unit", "dim_goal", "fct_goal_outcome", "fct_goal_status", "fct_activity"):
            rows = con.execute(f"select * from marts.{table} where year = ? order by all", [year]).fetchall()
            h.update(repr((table, rows)).encode())
        return h.hexdigest()
    finally:
        con.close()


@pytest.fixture(scope="module")
def good_warehouse(tmp_path_factory):
    from .conftest import run_once

    wh = tmp_path_factory.mktemp("good") / "warehouse"
    assert run_once(FIXTURES / "e2e_raw", wh, "run", "--year", "2022", "--no-reports") == 0
    return wh, _published_year_digest(wh / "followup.duckdb", 2022)


def test_corpus_is_big_enough():
    assert len(CORPUS) >= 20 and len({c[0] for c in CORPUS}) == len(CORPUS)


@pytest.mark.parametrize("name,mutate,expected", CORPUS, ids=[c[0] for c in CORPUS])
def test_bad_input_is_refused_and_published_year_kept(name, mutate, expected, good_warehouse, raw_copy, followup, tmp_path):
    good, digest = good_warehouse
    warehouse = tmp_path / "warehouse"
    shutil.copytree(good, warehouse)
    raw = raw_copy("e2e_raw")
    mutate(raw)

    code = followup(raw, "run", "--year", "2022", warehouse_dir=warehouse)

    assert code == 1
    report = json.loads((warehouse / "reports" / "latest.json").read_text())
    (year,) = report["years"]
    assert year["year"] == 2022 and year["passed"] is False
    source, file, row, column, rule = expected
    errors = [i for i in year["issues"] if i["severity"] == "error"]
    hits = [i for i in errors if (i["source"], i["file"], i["row"], i["column"], i["rule"]) == (source, file, row, column, rule)]
    assert hits, f"expected {expected} among {[(i['source'], i['file'], i['row'], i['column'], i['rule']) for i in errors]}"
    assert all(i["message"] for i in errors)
    # the year's published rows are exactly those of the good run
    assert _published_year_digest(warehouse / "followup.duckdb", 2022) == digest
    assert "kept" in year["published"]
