"""The gate against a corpus of bad inputs (contract section 4).

A good year is published first. Then each bad input is dropped into a copy of the raw files and
`followup run --year 2022` must: exit 1; name the file, row, column and rule in
reports/latest.json; and leave the year's published rows exactly as they were. The hostile
inputs of the 2026-11-30 amendment (links out of the raw directory, link loops, names that are
not UTF-8, repeated YAML keys, anchors and alias bombs, numbers that are not finite, values of the
wrong type, endless lines, thousands of columns) must in addition be refused with one clear issue
that quotes nothing of the file beyond the one value its rule names.

A second, faster corpus runs the ingest alone (no Dagster, no dbt) on more variants of the same
cases, and requires exactly one blocking issue each.
"""
from __future__ import annotations

import hashlib
import json
import os
import resource
import shutil
import time
from pathlib import Path

import duckdb
import pytest
import yaml

from .conftest import FIXTURES, REPO

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


def symlink(rel, target):
    """Replace `rel` by a link to `target` (a path, or a function of the raw directory)."""
    def mutate(raw: Path):
        p = raw / rel
        to = target(raw) if callable(target) else target
        if p.exists() or p.is_symlink():
            p.unlink()
        p.parent.mkdir(parents=True, exist_ok=True)
        p.symlink_to(to)
    return mutate


def link_loop(rel):
    """`rel` becomes a link to itself: opening it fails with ELOOP."""
    return symlink(rel, lambda raw: Path(rel).name)


def non_utf8_name(rel_folder, name: bytes, content_of=None):
    """A file whose name holds bytes that are not UTF-8, with the content of `content_of`."""
    def mutate(raw: Path):
        data = (raw / content_of).read_bytes() if content_of else b"{}"
        with open(os.fsencode(raw / rel_folder) + b"/" + name, "wb") as f:
            f.write(data)
    return mutate


def long_line(rel, n_bytes):
    """The file's header, then one line of `n_bytes` without a line break."""
    def mutate(raw: Path):
        p = raw / rel
        header = p.read_text(encoding="utf-8").split("\n", 1)[0]
        p.write_text(header + "\n1;A;K;" + "4" * n_bytes, encoding="utf-8")
    return mutate


def many_columns(rel, n):
    """`n` more (unknown) columns x1..xn, and an empty cell for each on every row."""
    def mutate(raw: Path):
        p = raw / rel
        header, *lines = p.read_text(encoding="utf-8").rstrip("\n").split("\n")
        extra = "".join(f";x{i}" for i in range(1, n + 1))
        p.write_text("\n".join([header + extra] + [line + ";" * n for line in lines]) + "\n", encoding="utf-8")
    return mutate


def alias_bomb(levels=12, width=12):
    """A 'billion laughs' goal model of nested aliases: width**levels strings if expanded."""
    lines = ['l0: &l0 "lol"'] + [f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * width) + "]" for i in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


def chain(*mutations):
    def mutate(raw: Path):
        for m in mutations:
            m(raw)
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
    # --- hostile inputs (contract section 4, amended 2026-11-30): one clear issue each
    ("goal_repeated_key", replace_line(GOALS, "minsta_antal_svar: 5", "minsta_antal_svar: 5\nminsta_antal_svar: 1"),
     ("styrmodell", GOALS, 4, "minsta_antal_svar", "duplicate_key")),
    ("goal_alias_bomb", write(GOALS, alias_bomb()),
     ("styrmodell", GOALS, 1, None, "yaml_anchor")),
    ("goal_suppression_limit_below_3", replace_line(GOALS, "minsta_antal_svar: 5", "minsta_antal_svar: 1"),
     ("styrmodell", GOALS, 3, "minsta_antal_svar", "suppression_limit")),
    ("goal_target_infinite", replace_line(GOALS, "malvarde: 75", "malvarde: .inf"),
     ("styrmodell", GOALS, 10, "malvarde", "not_finite")),
    ("goal_target_a_list", replace_line(GOALS, "malvarde: 75", "malvarde: [75]"),
     ("styrmodell", GOALS, 10, "malvarde", "wrong_type")),
    ("answer_file_links_to_etc_passwd", symlink(STAFF, "/etc/passwd"),
     ("medarbetarenkat", STAFF, None, None, "link_outside_raw")),
    ("answer_file_link_loop", link_loop(STAFF),
     ("medarbetarenkat", STAFF, None, None, "unreadable")),
    ("file_name_not_utf8", non_utf8_name("medarbetarenkat/2022", b"0483\xff.csv", content_of=STAFF),
     ("medarbetarenkat", "medarbetarenkat/2022/0483\\xff.csv", None, None, "file_name_encoding")),
    ("kolada_file_link_loop", link_loop("kolada/loop.json"),
     ("kolada", "kolada/loop.json", None, None, "unreadable")),
    ("kolada_value_an_object", replace_line(KOLADA, '"value": 79.0', '"value": {"a": 1}'),
     ("kolada", KOLADA, 8, "value", "wrong_type")),
    ("kolada_value_infinity", replace_line(KOLADA, '"value": 79.0', '"value": Infinity'),
     ("kolada", KOLADA, 8, "value", "not_finite")),
    ("weight_not_finite", replace_line(MU, "2;M;35-44;0,5;2", "2;M;35-44;inf;2"),
     ("medborgarundersokning", MU, 3, "vikt", "not_finite")),
    ("line_of_20_mb", long_line(STAFF, 20_000_000),
     ("medarbetarenkat", STAFF, 2, None, "line_too_long")),
    ("five_thousand_unknown_columns", many_columns(STAFF, 5000),
     ("medarbetarenkat", STAFF, 1, "x1", "unknown_column")),
]


def _single_issue(errors, text):
    assert len(errors) == 1, [(i["file"], i["row"], i["column"], i["rule"], i["message"]) for i in errors]


def _no_passwd(errors, text):
    _single_issue(errors, text)
    assert "root:" not in text and "/bin/" not in text and "passwd" not in text


def _few_column_issues(errors, text):
    unknown = [i for i in errors if i["rule"] == "unknown_column"]
    assert len(unknown) == 11 and len(errors) == 11, len(errors)
    assert sorted(i["column"] for i in unknown if i["column"]) == sorted(f"x{i}" for i in range(1, 11))
    assert [i["message"] for i in unknown if i["column"] is None] == ["... and 4990 more unknown columns (not named here)"]


def _no_long_content(errors, text):
    _single_issue(errors, text)
    assert "4444444444" not in text and "line 2 is 20 000 006 bytes long" in errors[0]["message"]


# Further checks of a case, given its blocking issues and the text of latest.json and latest.md;
# every hostile case not named here must have exactly one blocking issue.
CHECKS = {
    "answer_file_links_to_etc_passwd": _no_passwd,
    "five_thousand_unknown_columns": _few_column_issues,
    "line_of_20_mb": _no_long_content,
}
HOSTILE = {c[0] for c in CORPUS[CORPUS.index(next(c for c in CORPUS if c[0] == "goal_repeated_key")):]}


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

    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB
    t0 = time.monotonic()
    code = followup(raw, "run", "--year", "2022", warehouse_dir=warehouse)
    seconds = time.monotonic() - t0
    peak_growth_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before) / 1024

    assert code == 1
    assert seconds < 60 and peak_growth_mb < 1000, (seconds, peak_growth_mb)  # an alias bomb is not expanded
    text = (warehouse / "reports" / "latest.json").read_text() + (warehouse / "reports" / "latest.md").read_text()
    report = json.loads((warehouse / "reports" / "latest.json").read_text())
    (year,) = report["years"]
    assert year["year"] == 2022 and year["passed"] is False
    source, file, row, column, rule = expected
    errors = [i for i in year["issues"] if i["severity"] == "error"]
    hits = [i for i in errors if (i["source"], i["file"], i["row"], i["column"], i["rule"]) == (source, file, row, column, rule)]
    assert hits, f"expected {expected} among {[(i['source'], i['file'], i['row'], i['column'], i['rule']) for i in errors]}"
    assert all(i["message"] for i in errors)
    if name in HOSTILE:
        CHECKS.get(name, _single_issue)(errors, text)
    # the year's published rows are exactly those of the good run
    assert _published_year_digest(warehouse / "followup.duckdb", 2022) == digest
    assert "kept" in year["published"]


# ------------------------------------------------------------------------ the ingest alone
def outside(rel):
    """A link in place of `rel` to a good copy of it outside the raw directory."""
    def target(raw: Path) -> Path:
        dest = raw.parent / "outside" / Path(rel).name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(raw / rel, dest)
        return dest
    return symlink(rel, target)


def folder_outside(rel_folder):
    """The folder moved out of the raw directory, a link to it in its place."""
    def mutate(raw: Path):
        dest = raw.parent / "elsewhere" / rel_folder
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(raw / rel_folder), dest)
        (raw / rel_folder).symlink_to(dest)
    return mutate


def fifo(rel):
    def mutate(raw: Path):
        (raw / rel).unlink()
        os.mkfifo(raw / rel)  # reading it would wait for ever
    return mutate


KOLADA_0000 = '"kpi": "U00200", "municipality": "0000", "period": 2022'
KOLADA_0000_T = '{"gender": "T", "count": 1, "status": "", "value": 79.0}'
GOAL_BANDS = "minsta_antal_svar: 5\nskalor:\n  hme: [{fran: %s, etikett: bra}]"

INGEST_CORPUS = [
    # a key repeated in any mapping (row = the repeat)
    ("goal_repeated_key_in_indicator", replace_line(GOALS, "malvarde: 75,", "malvarde: 75, malvarde: 60,"),
     ("styrmodell", GOALS, 10, "malvarde", "duplicate_key")),
    ("goal_repeated_key_in_goal", replace_line(GOALS, "    niva: vision", "    niva: vision\n    niva: namnd"),
     ("styrmodell", GOALS, 8, "niva", "duplicate_key")),
    # anchors, aliases, merge keys
    ("goal_anchor_without_alias", replace_line(GOALS, "malkompass: [", "malkompass: &omraden ["),
     ("styrmodell", GOALS, 1, None, "yaml_anchor")),
    ("goal_alias_of_an_earlier_value", replace_line(GOALS, "minsta_antal_svar: 5", "minsta_antal_svar: 5\nx: *y"),
     ("styrmodell", GOALS, 4, None, "yaml_anchor")),
    ("goal_merge_key", replace_line(GOALS, "{id: V1-1,", "{<<: {riktning: lagre}, id: V1-1,"),
     ("styrmodell", GOALS, 10, None, "yaml_anchor")),
    # minsta_antal_svar: a whole number >= 3
    *[(f"goal_suppression_limit_{label}", replace_line(GOALS, "minsta_antal_svar: 5", f"minsta_antal_svar: {value}"),
       ("styrmodell", GOALS, 3, "minsta_antal_svar", "suppression_limit"))
      for label, value in [("2", "2"), ("0", "0"), ("negative", "-5"), ("2_5", "2.5"), ("5_0", "5.0"), ("fem", "fem"),
                           ("true", "true"), ("quoted", '"5"'), ("past_integer", "99999999999")]],
    # numbers that are not finite, values of the wrong type in the goal model
    *[(f"goal_target_{label}", replace_line(GOALS, "malvarde: 75", f"malvarde: {value}"),
       ("styrmodell", GOALS, 10, "malvarde", "not_finite"))
      for label, value in [("nan", ".nan"), ("minus_inf", "-.inf"), ("1e309", "1e309"), ("1_0e_309", "1.0e+309"),
                           ("text_inf", '"inf"'), ("huge_integer", "1" + "0" * 400)]],
    ("goal_partly_from_infinite", replace_line(GOALS, "delvis_fran: 70", "delvis_fran: .inf"),
     ("styrmodell", GOALS, 10, "delvis_fran", "not_finite")),
    ("goal_band_from_infinite", replace_line(GOALS, "minsta_antal_svar: 5", GOAL_BANDS % ".inf"),
     ("styrmodell", GOALS, 5, "fran", "not_finite")),
    ("goal_name_a_mapping", replace_line(GOALS, "namn: Katrineholm är en attraktiv arbetsgivare", "namn: {a: 1}"),
     ("styrmodell", GOALS, 6, "namn", "wrong_type")),
    ("goal_area_a_list", replace_line(GOALS, "omrade: Ledare och Medarbetare", "omrade: [Ledare och Medarbetare]"),
     ("styrmodell", GOALS, 8, "omrade", "wrong_type")),
    ("goal_measure_a_mapping", replace_line(GOALS, "matt: medarbetarenkat.HME,", "matt: {kod: medarbetarenkat.HME},"),
     ("styrmodell", GOALS, 10, "matt", "wrong_type")),
    ("goal_peer_a_mapping", replace_line(GOALS, 'jamforelsekommuner: ["0486"]', "jamforelsekommuner: [{kod: '0486'}]"),
     ("styrmodell", GOALS, 2, "jamforelsekommuner", "wrong_type")),
    ("goal_suppression_limit_a_list", replace_line(GOALS, "minsta_antal_svar: 5", "minsta_antal_svar: [5]"),
     ("styrmodell", GOALS, 3, "minsta_antal_svar", "wrong_type")),
    # Kolada: numbers that are not finite, values of the wrong type
    *[(f"kolada_value_{label}", replace_line(KOLADA, '"value": 79.0', f'"value": {value}'),
       ("kolada", KOLADA, 8, "value", rule))
      for label, value, rule in [("nan", "NaN", "not_finite"), ("minus_infinity", "-Infinity", "not_finite"),
                                 ("1e309", "1e309", "not_finite"), ("huge_integer", "1" + "0" * 5000, "not_finite"),
                                 ("a_list", "[1]", "wrong_type")]],
    ("kolada_kpi_an_object", replace_line(KOLADA, KOLADA_0000, KOLADA_0000.replace('"U00200"', '{"id": "U00200"}')),
     ("kolada", KOLADA, 8, "kpi", "wrong_type")),
    ("kolada_municipality_a_list", replace_line(KOLADA, KOLADA_0000, KOLADA_0000.replace('"0000"', '["0000"]')),
     ("kolada", KOLADA, 8, "municipality", "wrong_type")),
    ("kolada_period_an_object", replace_line(KOLADA, KOLADA_0000, KOLADA_0000.replace("2022", '{"year": 2022}')),
     ("kolada", KOLADA, 8, "period", "wrong_type")),
    ("kolada_gender_a_list", replace_line(KOLADA, KOLADA_0000_T, KOLADA_0000_T.replace('"T"', '["T"]')),
     ("kolada", KOLADA, 8, "gender", "wrong_type")),
    ("kolada_count_infinite", replace_line(KOLADA, KOLADA_0000_T, KOLADA_0000_T.replace('"count": 1', '"count": Infinity')),
     ("kolada", KOLADA, 8, "count", "not_finite")),
    ("kpi_title_an_object", write("kolada/kpi.json", '{"values": [\n {"id": "U00200", "title": {"sv": "HME"}}]}'),
     ("kolada", "kolada/kpi.json", 2, "title", "wrong_type")),
    # answer files: numbers that are not finite
    *[(f"weight_{label}", replace_line(MU, "2;M;35-44;0,5;2", f"2;M;35-44;{value};2"), ("medborgarundersokning", MU, 3, "vikt", "not_finite"))
      for label, value in [("nan", "nan"), ("1e309", "1e309"), ("minus_infinity", "-Infinity")]],
    ("answer_infinite", replace_line(STAFF, "5;A;K;5;4;4;4;4;4;4;4;4;", "5;A;K;5;4;inf;4;4;4;4;4;4;"),
     ("medarbetarenkat", STAFF, 6, "h3", "not_finite")),
    # lines too long
    ("file_of_one_line_of_20_mb", write(STAFF, "svarsid;" + "x" * 20_000_000),
     ("medarbetarenkat", STAFF, 1, None, "line_too_long")),
    ("header_name_past_the_csv_field_limit", write(STAFF, "svarsid;" + "x" * 200_000 + "\n1;A\n"),
     ("medarbetarenkat", STAFF, 1, None, "header")),
    # files that may not be read
    ("answer_file_links_to_a_good_file_outside", outside(STAFF),
     ("medarbetarenkat", STAFF, None, None, "link_outside_raw")),
    ("organisation_links_outside", outside(ORG),
     ("organisation", ORG, None, None, "link_outside_raw")),
    ("catalogue_links_outside", outside(STAFF_Q),
     ("medarbetarenkat", STAFF_Q, None, None, "link_outside_raw")),
    ("catalogue_link_loop", link_loop(STAFF_Q),
     ("medarbetarenkat", STAFF_Q, None, None, "unreadable")),
    ("goal_model_links_outside", outside(GOALS),
     ("styrmodell", GOALS, None, None, "link_outside_raw")),
    ("goal_model_link_loop", link_loop(GOALS),
     ("styrmodell", GOALS, None, None, "unreadable")),
    ("goal_model_name_not_utf8", non_utf8_name("styrmodell/2022", b"0483\xe5.yml", content_of=GOALS),
     ("styrmodell", "styrmodell/2022/0483\\xe5.yml", None, None, "file_name_encoding")),
    ("year_folder_links_outside", folder_outside("styrmodell/2022"),
     ("styrmodell", GOALS, None, None, "link_outside_raw")),
    ("kolada_file_links_outside", outside(KOLADA),
     ("kolada", KOLADA, None, None, "link_outside_raw")),
    ("kolada_name_not_utf8", non_utf8_name("kolada", b"\xe5r.json"),
     ("kolada", "kolada/\\xe5r.json", None, None, "file_name_encoding")),
    ("kpi_titles_link_to_etc_passwd", symlink("kolada/kpi.json", "/etc/passwd"),
     ("kolada", "kolada/kpi.json", None, None, "link_outside_raw")),
    ("answer_file_links_to_nothing", symlink(STAFF, "gone.csv"),
     ("medarbetarenkat", STAFF, None, None, "unreadable")),
    ("answer_file_a_pipe", fifo(STAFF),
     ("medarbetarenkat", STAFF, None, None, "unreadable")),
]


def _land(raw: Path, source: str):
    """Land the organisation trees, then `source`, of 2022: (connection, rows, issues)."""
    from pipelines.ingest import ensure_schema, ingest

    con = duckdb.connect()
    ensure_schema(con)
    ingest(con, raw, "organisation", 2022)
    n, issues = ingest(con, raw, source, 2022)
    return con, n, issues


def test_ingest_corpus_names_are_unique():
    names = [c[0] for c in INGEST_CORPUS + CORPUS]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("name,mutate,expected", INGEST_CORPUS, ids=[c[0] for c in INGEST_CORPUS])
def test_bad_input_is_refused_by_the_ingest_with_one_issue(name, mutate, expected, raw_copy):
    raw = raw_copy("e2e_raw")
    mutate(raw)
    con, n, issues = _land(raw, expected[0])
    errors = [(i.source, i.file, i.row, i.column, i.rule) for i in issues if i.severity == "error"]
    assert errors == [expected], [(e, i.message) for e, i in zip(errors, issues)]
    assert all(i.message and len(i.message) <= 1000 for i in issues)
    stored = con.execute("select count(*) from audit.issue where rule = ?", [expected[4]]).fetchall()[0][0]
    assert stored == 1  # stored as it is named (escaped where the name is not UTF-8)


def test_links_inside_the_raw_directory_are_followed(raw_copy):
    raw = raw_copy("e2e_raw")
    (raw / "arkiv").mkdir()
    shutil.move(str(raw / STAFF), raw / "arkiv" / "0483.csv")
    (raw / STAFF).symlink_to(Path("..", "..", "arkiv", "0483.csv"))
    shutil.move(str(raw / "styrmodell" / "2022"), raw / "arkiv" / "styrmodell-2022")
    (raw / "styrmodell" / "2022").symlink_to(raw / "arkiv" / "styrmodell-2022")  # absolute, still inside
    _, n, issues = _land(raw, "medarbetarenkat")
    assert [i for i in issues if i.severity == "error"] == [] and n == 16
    _, n, issues = _land(raw, "styrmodell")
    assert [i for i in issues if i.severity == "error"] == [] and n == 1


def test_year_discovery_and_fingerprint_survive_hostile_names(raw_copy):
    from pipelines.years import discover_years, raw_fingerprint

    raw = raw_copy("e2e_raw")
    link_loop(STAFF)(raw)
    link_loop("kolada/loop.json")(raw)
    non_utf8_name("kolada", b"\xff.json")(raw)
    non_utf8_name("medarbetarenkat/2022", b"0483\xff.csv", content_of=MU)(raw)
    (raw / "medarbetarenkat" / "2019").symlink_to("2019")  # a year folder that is a loop
    secret = raw.parent / "secret.json"
    secret.write_text('{"values": [{"kpi": "U00200", "municipality": "0483", "period": 1999, "values": []}]}', encoding="utf-8")
    (raw / "kolada" / "secret.json").symlink_to(secret)

    assert discover_years(raw) == [2022]  # 1999 is only in a file outside the raw directory
    fingerprint = raw_fingerprint(raw, 2022)
    assert "medarbetarenkat/0483\\xff.csv:" in fingerprint and "kolada/\\xff.json:" in fingerprint
    fingerprint.encode("utf-8")  # storable as the sensor's cursor


def test_alias_bomb_is_refused_without_expanding():
    import tracemalloc

    from pipelines.ingest.styrmodell import Refused, read_goal_model

    bomb = alias_bomb(levels=30, width=30)  # 30**30 strings if it were expanded
    tracemalloc.start()
    t0 = time.monotonic()
    with pytest.raises(Refused) as refused:
        read_goal_model(bomb)
    seconds = time.monotonic() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert (refused.value.row, refused.value.rule) == (1, "yaml_anchor")
    assert seconds < 1 and peak < 10 * 2**20


def test_catalogue_of_another_year_that_cannot_be_read_is_a_warning(raw_copy):
    """known_measures reads every year's catalogue: one it cannot read no longer vanishes."""
    raw = raw_copy("e2e_raw")
    write("medarbetarenkat/2021/fragor.csv", "kolumn;matt;text;skala\nh1;X;Text;1-5\n".encode("utf-16"))(raw)
    _, n, issues = _land(raw, "styrmodell")
    assert [i for i in issues if i.severity == "error"] == [] and n == 1
    assert [(i.file, i.rule, i.severity) for i in issues] == [("medarbetarenkat/2021/fragor.csv", "catalogue_unreadable", "warning")]
    assert "encoding" in issues[0].message


def test_unknown_measure_says_a_catalogue_could_not_be_read(raw_copy):
    raw = raw_copy("e2e_raw")
    outside(STAFF_Q)(raw)
    _, _, issues = _land(raw, "styrmodell")
    assert [(i.file, i.row, i.column, i.rule, i.severity) for i in issues] == [
        (STAFF_Q, None, None, "catalogue_unreadable", "warning"),
        (GOALS, 10, "matt", "unknown_measure", "error")]
    assert "link_outside_raw" in issues[0].message and "catalogue_unreadable" in issues[1].message


# ------------------------------------------------------------------------ nothing not finite is published
MARTS = REPO / "dbt_project" / "models" / "marts"


def test_every_double_column_of_the_marts_is_tested_finite():
    checked = 0
    for path in sorted(MARTS.glob("*.yml")):
        for model in yaml.safe_load(path.read_text(encoding="utf-8"))["models"]:
            per_year = any(c["name"] == "year" for c in model["columns"])
            for column in model["columns"]:
                if column.get("data_type") != "double":
                    continue
                tests = [t for t in column.get("data_tests", []) if isinstance(t, dict) and "finite" in t]
                assert len(tests) == 1, (model["name"], column["name"])
                config = (tests[0]["finite"] or {}).get("config", {})
                assert config == ({"where": "partition_year"} if per_year else {}), (model["name"], column["name"])
                checked += 1
    assert checked >= 11


def test_the_finite_test_fails_a_year_with_an_infinite_value(good_warehouse, tmp_path):
    """Past the ingest (a value landed by hand), dbt's `finite` test still stops an infinite value."""
    import subprocess
    import sys

    good, _ = good_warehouse
    build = tmp_path / "build.duckdb"
    shutil.copy(good / ".build" / "build.duckdb", build)
    con = duckdb.connect(str(build))
    con.execute("delete from raw.kolada_value where year = 2022 and kommunkod = '0486'").fetchall()
    con.execute("insert into raw.kolada_value values (2022, 'U00200', '0486', 'T', 'inf'::double, 'kolada/kolada.json', 6)").fetchall()
    con.close()
    dbt = Path(sys.executable).parent / "dbt"
    env = {**os.environ, "FOLLOWUP_BUILD_DB": str(build), "FOLLOWUP_YEAR": "2022"}
    project = REPO / "dbt_project"
    result = subprocess.run([str(dbt), "build", "--select", "stg_kolada__values+", "--project-dir", str(project),
                             "--profiles-dir", str(project), "--target-path", str(tmp_path / "target"),
                             "--log-path", str(tmp_path / "logs")], env=env, capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode != 0
    results = json.loads((tmp_path / "target" / "run_results.json").read_text())["results"]
    failed = sorted(r["unique_id"].split(".")[2] for r in results if r["status"] in ("fail", "error"))
    assert any(f.startswith("finite_fct_measure_value_value") for f in failed), failed
