"""The pandas peer (bench/pandas_peer.py) against the hand-worked cases in measure_cases.py."""
from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for p in (HERE, ROOT / "bench"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

import measure_cases as mc  # noqa: E402
from pandas_peer import compute_cells, main  # noqa: E402

KEY = ("measure_id", "kommunkod", "year", "enhet", "group_type", "group_value")
VALUES = ("value", "n_answers", "ci_low", "ci_high", "suppressed")


def _plain(v):
    """NaN / pd.NA / None -> None; numpy scalars -> Python."""
    if v is None:
        return None
    try:
        if v != v:  # NaN
            return None
    except TypeError:  # pd.NA
        return None
    if hasattr(v, "item"):
        return v.item()
    return v


def rows_by_key(out) -> dict:
    rows = {}
    for rec in out.to_dict("records"):
        rec = {k: _plain(v) for k, v in rec.items()}
        key = tuple(rec[k] for k in KEY)
        assert key not in rows, f"duplicate cell {key}"
        rows[key] = rec
    return rows


def assert_cell(got: dict, exp: dict) -> None:
    key = tuple(exp[k] for k in KEY)
    for col in VALUES:
        if col not in exp:
            continue
        e, g = exp[col], got[col]
        if e is None:
            assert g is None, f"{key} {col}: expected null, got {g}"
        elif col == "suppressed":
            assert bool(g) is e, f"{key} {col}: expected {e}, got {g}"
        else:
            assert g is not None, f"{key} {col}: expected {e}, got null"
            assert g == pytest.approx(e, abs=1e-9), f"{key} {col}"


def check_case(case: dict, out) -> None:
    rows = rows_by_key(out)
    for exp in case["expected"]:
        key = tuple(exp[k] for k in KEY)
        assert key in rows, f"missing cell {key}"
        assert_cell(rows[key], exp)
    complete = case["complete"]
    expected_keys = {tuple(e[k] for k in KEY) for e in case["expected"]}
    scope = rows if complete is True else {k: r for k, r in rows.items() if k[0] in complete}
    unexpected = sorted(set(scope) - expected_keys, key=str)
    assert not unexpected, f"unexpected cells: {unexpected}"


# ---------------------------------------------------------------------------------------------
# the cases themselves are well formed
# ---------------------------------------------------------------------------------------------
def test_cases_are_well_formed():
    names = [c["name"] for c in mc.CASES]
    assert len(names) == len(set(names))
    for case in mc.CASES:
        assert case["files"] and case["expected"]
        keys = [tuple(e[k] for k in KEY) for e in case["expected"]]
        assert len(keys) == len(set(keys)), f"{case['name']}: an expected cell twice"
        assert case["complete"] is True or isinstance(case["complete"], list)
        for e in case["expected"]:
            if e["suppressed"]:
                assert e["value"] is None and e["ci_low"] is None and e["ci_high"] is None
            if e["value"] is not None and e["measure_id"].split(".")[0] != "kolada":
                assert 0 <= e["value"] <= 100


# ---------------------------------------------------------------------------------------------
# every hand-worked case
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("case", mc.CASES, ids=[c["name"] for c in mc.CASES])
def test_case(case, tmp_path):
    mc.write_case(case, tmp_path)
    check_case(case, compute_cells(tmp_path))


def test_output_columns_and_types(tmp_path):
    case = next(c for c in mc.CASES if c["name"] == "unit_suppression_complement_and_tie")
    mc.write_case(case, tmp_path)
    out = compute_cells(tmp_path)
    assert list(out.columns) == list(KEY) + ["value", "n_answers", "ci_low", "ci_high", "suppressed"]
    assert out["suppressed"].dtype == bool
    assert out.loc[out["suppressed"], "value"].isna().all()


def test_years_filter(tmp_path):
    case = next(c for c in mc.CASES if c["name"] == "question_renamed_between_years")
    mc.write_case(case, tmp_path)
    out = compute_cells(tmp_path, years=[2024])
    assert set(out["year"]) == {2024}
    assert len(out) == len([e for e in case["expected"] if e["year"] == 2024])


def test_cli_writes_csv(tmp_path):
    case = next(c for c in mc.CASES if c["name"] == "minsta_antal_svar_from_goal_model")
    raw = tmp_path / "raw"
    mc.write_case(case, raw)
    out_csv = tmp_path / "out" / "cells.csv"
    assert main([str(raw), str(out_csv)]) == 0
    import pandas as pd

    back = pd.read_csv(out_csv, dtype={"kommunkod": str})
    assert len(back) == len(case["expected"])
    assert main([str(tmp_path / "nope"), str(out_csv)]) == 2


# ---------------------------------------------------------------------------------------------
# file mechanics: the same tables delivered every way the contract allows -> the same numbers
# ---------------------------------------------------------------------------------------------
MU_HEADER = ["lopnr", "kon", "aldersgrupp", "vikt", "q7"]
MU_FRAGOR = [["kolumn", "matt", "text", "skala", "grupp"],
             ["q7", "REK_BO", "Hur troligt är det att du skulle rekommendera en vän att flytta hit?",
              "1-10", None]]
IE_HEADER = ["svarsid", "enkat", "respondentgrupp", "enhet", "f1_kompetens", "kommentar"]
IE_FRAGOR = [["kolumn", "matt", "text", "skala", "grupp"],
             ["f1_kompetens", "STOD_1", "Ger ett kompetent, professionellt stöd", "1-4", None]]
IE_ORG = [["enhet", "namn", "overordnad", "typ"],
          ["KOMMUN", "Växjö kommun", None, "kommun"],
          ["KS", "Kommunstyrelsen", "KOMMUN", "styrelse"],
          ["KLF", "Kommunledningsförvaltningen", "KS", "forvaltning"]]

# variant -> (encoding, delimiter, decimal comma, header transform, answers as xlsx)
VARIANTS = {
    "utf8_semicolon": ("utf-8", ";", False, str, False),
    "utf8_bom_semicolon_decimal_comma": ("utf-8-sig", ";", True, str, False),
    "cp1252_comma_decimal_comma": ("cp1252", ",", True, str, False),
    "cp1252_semicolon_crlf": ("cp1252", ";", True, str, False),
    "padded_odd_case_headers": ("utf-8", ";", False, lambda h: f"  {h.upper()} ", False),
    "xlsx_answers": ("utf-8", ";", False, lambda h: h.title(), True),
}


def render_csv(table, encoding, sep, decimal_comma, header, crlf=False) -> bytes:
    def text(v):
        if v is None:
            return ""
        s = str(v)
        if isinstance(v, float) and decimal_comma:
            s = s.replace(".", ",")
        if sep in s or '"' in s:
            s = '"' + s.replace('"', '""') + '"'
        return s
    lines = [sep.join(text(header(h)) for h in table[0])]
    lines += [sep.join(text(v) for v in row) for row in table[1:]]
    eol = "\r\n" if crlf else "\n"
    return (eol.join(lines) + eol).encode(encoding)


def write_variant(raw: Path, variant: str) -> None:
    encoding, sep, dec, header, as_xlsx = VARIANTS[variant]
    crlf = variant.endswith("crlf")
    mu = [MU_HEADER] + [[float(v) if i == 3 else v for i, v in enumerate(r)]
                        for r in mc.MU_WEIGHTS_ROWS]
    ie = [IE_HEADER] + mc.INTERN_2024_ROWS
    files = {
        "medborgarundersokning/2020/fragor.csv": render_csv(MU_FRAGOR, encoding, sep, dec, header, crlf),
        "intern_enkat/2024/fragor.csv": render_csv(IE_FRAGOR, encoding, sep, dec, header, crlf),
        "organisation/2024/0780.csv": render_csv(IE_ORG, encoding, sep, dec, header, crlf),
    }
    if as_xlsx:
        files["medborgarundersokning/2020/0884.xlsx"] = mc.xlsx([[header(h) for h in mu[0]]] + mu[1:])
        files["intern_enkat/2024/0780.xlsx"] = mc.xlsx([[header(h) for h in ie[0]]] + ie[1:])
    else:
        files["medborgarundersokning/2020/0884.csv"] = render_csv(mu, encoding, sep, dec, header, crlf)
        files["intern_enkat/2024/0780.csv"] = render_csv(ie, encoding, sep, dec, header, crlf)
    mc.write_case({"files": files}, raw)


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    raw = tmp_path_factory.mktemp("baseline")
    write_variant(raw, "utf8_semicolon")
    return compute_cells(raw)


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_file_mechanics_give_the_same_numbers(variant, tmp_path, baseline):
    write_variant(tmp_path, variant)
    out = compute_cells(tmp_path)
    # the hand-worked numbers of cases B and H (2024) ...
    check_case({"expected": mc.MU_WEIGHTS_EXPECTED + mc.INTERN_2024_EXPECTED, "complete": True}, out)
    # ... and exactly the same table as the plain UTF-8 `;` delivery
    assert rows_by_key(out) == rows_by_key(baseline)
    assert "Socialförvaltningen" in set(out["group_value"])


def test_decimal_comma_changes_nothing_but_the_notation(tmp_path):
    """`0,5` read as 0.5, not as 5 nor as missing (which would give weight 1)."""
    write_variant(tmp_path, "cp1252_comma_decimal_comma")
    raw_text = (tmp_path / "medborgarundersokning/2020/0884.csv").read_bytes().decode("cp1252")
    assert '"0,5"' in raw_text
    out = rows_by_key(compute_cells(tmp_path))
    cell = out[("medborgarundersokning.REK_BO", "0884", 2020, None, "total", "Totalt")]
    assert cell["value"] == pytest.approx((64.5 / 8 - 1) * 100 / 9, abs=1e-9)
    assert not math.isnan(cell["ci_low"])


def test_empty_inputs_give_no_rows(tmp_path):
    """A header-only answer file, a question nobody answered (an all-empty xlsx column) and an
    empty raw dir give no cells and no error."""
    files = {
        "medarbetarenkat/2024/fragor.csv": mc.csv("kolumn;matt;text;skala;grupp",
                                                  "f1;F1;t;1-5;HME", "f2;F2;t;1-5;HME"),
        "medarbetarenkat/2024/0483.csv": mc.csv("svarsid;enhet;kon;f1;f2"),
        "medarbetarenkat/2024/0884.xlsx": mc.xlsx([["svarsid", "enhet", "kon", "f1", "f2"],
                                                   [1, "KOMMUN", "K", 4, None],
                                                   [2, "KOMMUN", None, 6, None]]),
        "organisation/2024/0884.csv": mc.csv("enhet;namn;overordnad;typ", "KOMMUN;Vimmerby kommun;;kommun"),
    }
    mc.write_case({"files": files}, tmp_path / "raw")
    out = rows_by_key(compute_cells(tmp_path / "raw"))
    # only F1 of 0884: one valid answer (4; 6 = vet ej) -> n 1 < 5 hidden; kon K hidden likewise
    #   (Okänt has only vet ej -> no cell); no F2 and so no HME cell anywhere.
    assert set(out) == {("medarbetarenkat.F1", "0884", 2024, None, "total", "Totalt"),
                        ("medarbetarenkat.F1", "0884", 2024, None, "kon", "K")}
    assert all(r["suppressed"] and r["n_answers"] == 1 for r in out.values())
    assert compute_cells(tmp_path / "nothing_here").empty
