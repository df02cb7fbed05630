"""The printable follow-up report (issue 8) on tests/fixtures/goals_raw, through the real pipeline.

The fixture's figures are worked by hand in tests/test_goal_outcomes.py. What matters here: staff
question Q1 (1-5) in 2022 has U2 = 2,2,2 (n 3, index (2-1)*25 = 25.0, suppressed) and U3 = 3 x 6
(n 6, index 50.0, suppressed by complement); indicator I5 points at U2. Neither 25,0 nor 50,0 may
appear anywhere in the report.

The pipeline runs once for the module (the slow part); the report is then made from a copy of the
published file and the run report alone, in a folder without raw files or a build database, so
the test also shows that the report needs nothing else.
"""
from __future__ import annotations

import html as htmlmod
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest

from .conftest import FIXTURES

KOMMUN, YEAR, REFUSED = "0483", 2022, 2023
SUPPRESSED_VALUES = (25.0, 50.0)  # U2 and U3, Q1 2022 (see the docstring)
SYMBOL = {"uppfyllt": "\u2714", "delvis uppfyllt": "\u25d0", "ej uppfyllt": "\u2716", "kan ej bedömas": "\u25cb"}


def sv(x: float) -> str:
    """The report's number format, written independently: decimal comma, one decimal, real minus."""
    s = f"{abs(x):,.1f}".replace(",", "\u00a0").replace(".", ",")
    return ("\u2212" + s) if x < 0 and s.strip("0,\u00a0") else s


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    """Run the pipeline once; return a folder holding only followup.duckdb and reports/latest.json."""
    from .conftest import run_once

    wh = tmp_path_factory.mktemp("report_build") / "warehouse"
    assert run_once(FIXTURES / "goals_raw", wh, "run", "--no-reports") == 0
    only = tmp_path_factory.mktemp("report_only") / "warehouse"
    (only / "reports").mkdir(parents=True)
    shutil.copy(wh / "followup.duckdb", only / "followup.duckdb")
    # the run report, plus a year the gate refused (a failed run of 2023 that never passed)
    doc = json.loads((wh / "reports" / "latest.json").read_text(encoding="utf-8"))
    doc["passed"] = False
    doc["years"].append({"year": REFUSED, "passed": False, "run_id": "test", "published": "absent: no version of this year ever passed",
                         "issues": [
                             {"year": REFUSED, "source": "styrmodell", "file": f"styrmodell/{REFUSED}/{KOMMUN}.yml", "row": 12,
                              "column": "forelder", "rule": "unknown_parent", "message": "goal D names parent X, which does not exist",
                              "severity": "error"},
                             {"year": REFUSED, "source": "organisation", "file": f"organisation/{REFUSED}/0884.csv", "row": 3,
                              "column": "enhet", "rule": "unique_id", "message": "unit Q appears twice in Vimmerby's file",
                              "severity": "error"}]})
    (only / "reports" / "latest.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return only


@pytest.fixture(scope="module")
def report(published) -> dict:
    from pipelines.report_doc import render_report

    html_path, pdf_path = render_report(published / "followup.duckdb", KOMMUN, YEAR, published / "reports")
    assert html_path == published / "reports" / KOMMUN / f"{YEAR}.html" and pdf_path.with_suffix(".html") == html_path
    raw = html_path.read_text(encoding="utf-8")
    return {"html": raw, "text": visible_text(raw), "pdf": pdf_path, "pdf_text": pdf_text(pdf_path)}


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("style", "script")

    def handle_endtag(self, tag):
        self._skip -= tag in ("style", "script")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    p = _Text()
    p.feed(html)
    return re.sub(r"\s+", " ", "".join(p.parts))


def pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return re.sub(r"\s+", " ", " ".join(page.extract_text() or "" for page in PdfReader(str(path)).pages))


def query(published: Path, sql: str, params=()) -> list[dict]:
    con = duckdb.connect(str(published / "followup.duckdb"), read_only=True)
    try:
        cur = con.execute(sql, list(params))
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r)) for r in cur.fetchall()]
    finally:
        con.close()


def section(html: str, goal_id: str) -> str:
    m = re.search(rf'<section class="goal [^"]*" id="mal-{re.escape(goal_id)}">(.*?)</section>', html, re.S)
    assert m, f"goal {goal_id} is not in the report"
    return m.group(1)


def row(html: str, indicator_id: str) -> list[str]:
    m = re.search(rf'<tr class="ind-row" data-indicator="{re.escape(indicator_id)}">(.*?)</tr>', html, re.S)
    assert m, f"indicator {indicator_id} is not in the report"
    return [visible_text(c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", m.group(1), re.S)]


def test_every_goal_status_and_indicator_value_matches_the_published_tables(published, report):
    html = report["html"]
    goals = query(published, """select g.goal_id, g.name, g.level, g.area, s.status from marts.dim_goal g
                                join marts.fct_goal_status s using (kommunkod, year, goal_id)
                                where kommunkod = ? and year = ? order by g.sort_order""", (KOMMUN, YEAR))
    assert {g["goal_id"] for g in goals} == {"V", "KF", "N", "D", "E", "F"}
    for g in goals:
        if g["level"] == "vision":  # the vision is on the summary page, with its status
            assert htmlmod.escape(g["name"]) in html and g["status"] in report["text"]
            continue
        sec = section(html, g["goal_id"])
        assert htmlmod.escape(g["name"]) in sec
        assert f"Status: {g['status']}" in visible_text(sec)
    # the goal chain in order: each area in the goal model's order, parents before their children
    order = re.findall(r'<section class="goal [^"]*" id="mal-([^"]+)">', html)
    assert order == ["KF", "N", "D", "E", "F"]

    outcomes = query(published, """select o.*, m.unit, v.suppressed as cell_suppressed from marts.fct_goal_outcome o
                                    left join marts.dim_measure m using (measure_id)
                                    left join marts.fct_measure_value v on v.measure_id = o.measure_id and v.kommunkod = o.kommunkod
                                     and v.year = o.year and v.group_type = 'total' and v.enhet is not distinct from o.enhet
                                    where o.kommunkod = ? and o.year = ?""", (KOMMUN, YEAR))
    assert len(outcomes) == 7
    for o in outcomes:
        cells = row(section(html, o["goal_id"]), o["indicator_id"])
        indikator, utfall, mal, status, niva, forandring, peers, riket = cells
        if o["value"] is None:
            assert utfall == ("för få svar" if o["cell_suppressed"] else "värde saknas"), o["indicator_id"]
        else:
            assert utfall == sv(o["value"]) + ("\u00a0%" if o["unit"] == "procent" else ""), o["indicator_id"]
        assert mal.startswith(("≥ " if o["direction"] == "hogre" else "≤ ") + sv(o["target_value"]))
        assert status == f"{SYMBOL[o['status']]} {o['status']}"
        assert niva == (o["band_label"] or "–")
        if o["change"] is not None:
            assert forandring.startswith(("↑" if o["change"] > 0 else "↓") if o["trend"] != "oförändrad" else "→")
            assert ("+" if o["change"] > 0 else "") + sv(o["change"]) in forandring and o["trend"] in forandring
        else:
            assert forandring == "–"
        if o["peer_rank"] is not None:
            assert f"plats {o['peer_rank']} av {o['peer_count']}" in peers and f"median {sv(o['peer_median'])}" in peers
        if o["national_rank"] is not None:
            assert f"plats {o['national_rank']} av {o['national_count']}" in riket
        if o["national_value"] is not None:
            assert f"riket {sv(o['national_value'])}" in riket
    # hand-checked: I1 80,0 met, band bra, +1,1 better, rank 2 of 3 among peers, 2 of 4 nationally
    assert row(html, "I1")[1:4] == ["80,0", "≥ 80,0 delvis ≥ 78,0", "\u2714 uppfyllt"]
    assert "plats 2 av 3" in row(html, "I1")[6] and "plats 2 av 4" in row(html, "I1")[7]

    acts = query(published, "select * from marts.fct_activity where kommunkod = ? and year = ?", (KOMMUN, YEAR))
    d = visible_text(section(html, "D"))
    for a in acts:
        assert a["name"] in d
    assert "pågående Arbetsplatsträffar varje månad låst" in d and "planerad Egen friskvårdsdag" in d
    assert "Egen friskvårdsdag låst" not in d


def test_a_suppressed_value_appears_nowhere(published, report):
    cells = query(published, """select enhet, value, suppressed, n_answers from marts.fct_measure_value
                                where measure_id = 'medarbetarenkat.Q1' and kommunkod = ? and year = ? and group_type = 'total'""",
                  (KOMMUN, YEAR))
    hidden = {c["enhet"] for c in cells if c["suppressed"]}
    assert hidden == {"U2", "U3"} and all(c["value"] is None for c in cells if c["suppressed"])
    assert row(report["html"], "I5")[1] == "för få svar"
    assert "för få svar" in report["pdf_text"]
    for v in SUPPRESSED_VALUES:
        for text in (report["html"], report["pdf_text"]):  # the whole HTML, charts' SVG included
            assert sv(v) not in text and f"{sv(v)}\u00a0%" not in text
        for text in (report["text"], report["pdf_text"]):  # SVG path data may hold "25.0"; visible text may not
            assert f"{v:.1f}" not in text, v


def test_a_refused_year_is_named_on_the_cover_and_in_the_appendix(report):
    cover = visible_text(re.search(r'<section class="cover">(.*?)</section>', report["html"], re.S).group(1))
    assert f"Stoppade av kontrollen {REFUSED}: året saknas i lagret" in cover
    appendix = visible_text(re.search(r'<section class="page appendix">(.*?)</section>', report["html"], re.S).group(1))
    assert f"{REFUSED}: stoppat av kontrollen" in appendix
    # file, row, column and the rule in Swedish; never the message (it may quote a value or an id)
    assert "okänd överordnad" in appendix and f"styrmodell/{REFUSED}/{KOMMUN}.yml" in appendix
    assert "goal D names parent X" not in report["html"] and "goal D names parent X" not in report["pdf_text"]
    assert "Vimmerby" not in appendix  # another municipality's file is not this report's business
    assert f"{REFUSED}" in report["pdf_text"].split("Så läser du rapporten")[0]


def test_the_pdf_opens_on_a4_with_a_page_per_section(report):
    from pypdf import PdfReader

    pdf = PdfReader(str(report["pdf"]))
    # cover, summary, the two areas (Medarbetare, Service) each from a new page, the appendix
    assert len(pdf.pages) >= 5
    for page in pdf.pages:
        w, h = float(page.mediabox.width), float(page.mediabox.height)
        assert abs(w - 595.3) < 1 and abs(h - 841.9) < 1
    texts = [re.sub(r"\s+", " ", p.extract_text() or "") for p in pdf.pages]
    assert "Katrineholms kommun" in texts[0] and "Uppföljning 2022" in texts[0].replace("UPPFÖLJNING", "Uppföljning")
    assert any(t.startswith("Medarbetare") or " Medarbetare " in t for t in texts[2:])
    assert f"sida 2 av {len(pdf.pages)}" in texts[1]


def test_the_html_is_self_contained(report):
    html = report["html"]
    assert "<link" not in html and "<script" not in html and "@import" not in html
    assert re.search(r'\b(?:src|href)\s*=\s*"(?!#)', html) is None
    assert re.search(r"url\((?!#)", html) is None
    assert html.count("<svg") >= 3 and "<style>" in html


def test_cli_exit_codes_and_render_all(published, monkeypatch, capsys):
    from pipelines.report_doc import main, render_all

    monkeypatch.setenv("FOLLOWUP_WAREHOUSE_DIR", str(published))
    assert main(["--kommun", KOMMUN, "--year", "2021"]) == 0
    assert (published / "reports" / KOMMUN / "2021.pdf").stat().st_size > 1000
    assert main(["--kommun", "0884", "--year", str(YEAR)]) == 2
    assert "0884 Vimmerby has no goal or survey data for 2022" in capsys.readouterr().err
    assert main(["--kommun", KOMMUN, "--year", "2019"]) == 2
    assert main(["--kommun", "9999", "--year", str(YEAR)]) == 2
    assert main(["--all", "--year", "2019"]) == 2
    assert main(["--year", "2022"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 4 and all(line.startswith("followup report: error: ") for line in err)
    monkeypatch.setenv("FOLLOWUP_WAREHOUSE_DIR", str(published.parent / "nowhere"))
    assert main(["--all"]) == 2
    assert "no published warehouse" in capsys.readouterr().err

    done = render_all(published / "followup.duckdb", 2021, published / "all")
    assert [(d.kommunkod, d.year) for d in done] == [(KOMMUN, 2021)]
    assert done[0].html.is_file() and done[0].pdf.is_file()


def test_swedish_number_format():
    from pipelines.report_doc import fmt

    assert fmt.num(80.61122) == "80,6" and fmt.num(1234.56) == "1\u00a0234,6" and fmt.num(-2.18) == "\u22122,2"
    assert fmt.num(1.1, sign=True) == "+1,1" and fmt.num(-0.04, sign=True) == "±0,0" and fmt.num(None) == "–"
    assert fmt.value(80.6, "procent") == "80,6\u00a0%" and fmt.value(1234, "antal") == "1\u00a0234"
    assert sv(80.61122) == fmt.num(80.61122) and sv(-2.18) == fmt.num(-2.18)


def test_every_rule_of_the_pipeline_has_swedish_words():
    """The printed report names a finding by its rule in Swedish: every rule the ingest, the
    checks and the gate can record has its words (dbt's and failed steps' by their kind)."""
    import pathlib

    from pipelines.report_doc import fmt

    root = pathlib.Path(__file__).resolve().parent.parent / "pipelines"
    code = "\n".join(p.read_text() for p in root.rglob("*.py"))
    # the rule is the argument just before the message, a string with a space or a {field} in it
    rules = set(re.findall(r'(?:log\.add|err)\([^()]*?"([a-z_]+)",\s*f?"[^"]*[ {]', code))
    rules |= set(re.findall(r'FileRuleError\([^,()]+,\s*"([a-z_]+)"', code))
    assert len(rules) > 15
    missing = sorted(r for r in rules if r not in fmt.RULES)
    assert not missing, missing
    assert fmt.rule_text("dbt_test:finite_fct_measure_value_value") == "en datakontroll i dbt underkändes"


def test_a_broken_run_report_is_an_error_not_a_report_without_a_run(tmp_path):
    from pipelines.report_doc import ReportError, load_run_report

    broken = tmp_path / "latest.json"
    broken.write_text('{"years": [')
    with pytest.raises(ReportError, match="cannot be read"):
        load_run_report(broken)
    assert load_run_report(tmp_path / "missing.json") is None


def _page_words(path: Path) -> list:
    import collections

    from pypdf import PdfReader

    return [collections.Counter(w.lower() for w in re.findall(r"\w+|[^\w\s]", p.extract_text() or ""))
            for p in PdfReader(str(path)).pages]


def _content(published: Path):
    from pipelines.report_doc import data

    con = data.connect(published / "followup.duckdb")
    try:
        return data.load_report(con, KOMMUN, YEAR, data.load_run_report(published / "reports" / "latest.json"))
    finally:
        con.close()


def test_the_typst_pdf_has_the_pages_weasyprint_prints_from_the_html(published, tmp_path):
    """The PDF is made with Typst (report.typ) for speed; the HTML is what a browser shows. From the
    same content and 'made' time, WeasyPrint's print of the HTML and the Typst PDF have the same
    number of pages and the same words on every page: the two templates say the same, and Typst
    breaks the pages where CSS does."""
    from pipelines.report_doc import render

    report = _content(published)
    render.add_charts(report)
    made = "1 januari 2030 kl. 12.00"
    render.write_pdf(render.render_html(report, made), tmp_path / "weasyprint.pdf")
    render.write_pdf_typst(report, tmp_path / "typst.pdf", made)
    w, t = _page_words(tmp_path / "weasyprint.pdf"), _page_words(tmp_path / "typst.pdf")
    assert len(w) == len(t) >= 5
    for i, (a, b) in enumerate(zip(w, t), start=1):
        assert a == b, (i, a - b, b - a)


def test_the_charts_are_drawn_where_matplotlib_draws_them(published):
    """The indicator charts, HME bars and citizen survey panels are written as SVG directly
    (charts._Plot) instead of through matplotlib figures; matplotlib's own figures (the *_mpl functions) are the oracle: the
    same text elements (ticks, titles, values, 'för få svar') at the same places."""
    from pipelines.report_doc import charts

    def texts(svg: str) -> list:
        found = re.findall(r'<text style="[^"]*"(?: x="([\d.-]+)" y="([\d.-]+)"| transform="translate\(([\d.-]+) ([\d.-]+)\)")'
                           r'[^>]*>([^<]*)</text>', svg)
        return sorted((s, round(float(x or tx), 2), round(float(y or ty), 2)) for x, y, tx, ty, s in found)

    report = _content(published)
    histories = [(i["history"], f"{i['id']} {i['label']}") for blocks in ([*report.vision], *[a["goals"] for a in report.areas])
                 for g in blocks for i in g["indicators"] if i["history"]]
    assert len(histories) >= 3 and any(v is None for h, _t in histories for _y, v, _s in h["values"])  # a hidden year too
    for hist, title in histories:
        assert texts(charts.indicator_chart(hist, title, "x")) == texts(charts.indicator_chart_mpl(hist, title, "x")), title
    # the fixture has no HME: a tree of units made up here, a hidden one and Swedish letters included
    hme = {"rows": [{"label": "Hela kommunen", "depth": 0, "value": 78.25, "suppressed": False, "total": True},
                    {"label": "Barn- och utbildningsnämnden", "depth": 0, "value": 77.4, "suppressed": False, "total": False},
                    {"label": "Förskola Åby", "depth": 1, "value": None, "suppressed": True, "total": False},
                    {"label": "Äldreomsorg", "depth": 2, "value": 81.0, "suppressed": False, "total": False},
                    {"label": "Gatuenheten", "depth": 3, "value": 0.0, "suppressed": False, "total": False}]}
    for per_chart in (30, 2):
        ours, theirs = charts.unit_bars(hme, "x", per_chart), charts.unit_bars_mpl(hme, "x", per_chart)
        assert len(ours) == len(theirs) and all(texts(a) == texts(b) for a, b in zip(ours, theirs))
    # nor citizen survey results: two panels, long labels wrapped in the legend, a hidden value
    def series(label: str, values: dict) -> dict:
        return {"label": label, "values": {y: (v, v is None) for y, v in values.items()}}

    panels = [{"unit": "index", "years": [2019, 2020], "series": [
                  series("Nöjd-Medborgar-Index (NMI), kommunens verksamheter", {2019: 61.0, 2020: 58.25}),
                  series("Nöjd-Region-Index (NRI), kommunen som en plats att bo och leva på", {2019: None, 2020: 64.5})]},
              {"unit": "procent", "years": [2021, 2022], "series": [
                  series(f"Fråga {i}: vad tycker du om din kommun som en plats att bo och leva på?", {2021: 50.0 + i, 2022: 52.0 + i})
                  for i in range(8)]}]
    assert texts(charts.survey_panels(panels, "x")) == texts(charts.survey_panels_mpl(panels, "x"))
    assert texts(charts.survey_panels(panels[1:], "x")) == texts(charts.survey_panels_mpl(panels[1:], "x"))


def test_render_all_in_processes_reads_each_year_once_and_writes_every_report(published, tmp_path):
    from pipelines.report_doc import render_all
    from pipelines.report_doc.data import connect, report_pairs

    con = connect(published / "followup.duckdb")
    try:
        pairs = report_pairs(con)
    finally:
        con.close()
    done = render_all(published / "followup.duckdb", None, tmp_path, workers=2)
    assert [(d.kommunkod, d.year) for d in done] == pairs and len(pairs) >= 2
    for d in done:
        assert d.pdf.read_bytes()[:5] == b"%PDF-" and "<svg" in d.html.read_text(encoding="utf-8")


@pytest.mark.parametrize("workers", [1, 2])
def test_render_all_reports_its_progress(published, tmp_path, workers):
    """progress(done, total) is called as reports finish, rising to total (a long national batch
    prints a line now and then from it)."""
    from pipelines.report_doc import render_all

    calls = []
    made = render_all(published / "followup.duckdb", None, tmp_path, workers=workers,
                      progress=lambda d, t: calls.append((d, t)))
    assert made and calls[-1] == (len(made), len(made))
    done = [d for d, _ in calls]
    assert done == sorted(done) and len(set(t for _, t in calls)) == 1
