"""HTML (Jinja2, one self-contained file) and PDF (Typst, or WeasyPrint printing the HTML) of one report."""
from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path

import jinja2

from . import charts, fmt
from .data import Report

TEMPLATES = Path(__file__).resolve().parent / "templates"


def _env() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)),
                             autoescape=jinja2.select_autoescape(["html", "j2"]),
                             trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    env.filters["num"] = fmt.num
    env.globals["STATUS"] = fmt.STATUS
    return env


def add_charts(r: Report) -> None:
    """Draw the charts into the report's blocks (SVG strings)."""
    for blocks in ([*r.vision], *[a["goals"] for a in r.areas]):
        for g in blocks:
            g["charts"] = []
            g["legend"] = {"peers": False, "national": False}
            for i in g["indicators"]:  # one chart per indicator: two on one measure may have other targets
                title = f"{i['id']} {i['label']}" + ("" if i["org"] == "Hela kommunen" else f" – {i['org']}")
                svg = charts.indicator_chart(i["history"], title, f"{r.kommunkod}-{r.year}-{g['id']}-{i['id']}")
                if svg:
                    g["charts"].append(svg)
                    h = i["history"]
                    g["legend"]["peers"] |= bool(h["peers"])
                    g["legend"]["national"] |= bool(h["national"])
    if r.hme:
        r.hme["charts"] = charts.unit_bars(r.hme, f"{r.kommunkod}-{r.year}-hme")
    if r.citizen:
        r.citizen["chart"] = charts.survey_panels(r.citizen["panels"], f"{r.kommunkod}-{r.year}-mu")


_ENV: jinja2.Environment | None = None
_CSS: str | None = None


def made_now() -> str:
    """When the report was made, as printed in it (the HTML and the PDF say the same)."""
    return fmt.timestamp(dt.datetime.now().astimezone())


def render_html(r: Report, made: str | None = None) -> str:
    global _ENV, _CSS
    if _ENV is None:  # one environment (compiled templates) and stylesheet per process
        _ENV, _CSS = _env(), (TEMPLATES / "report.css").read_text(encoding="utf-8")
    return _ENV.get_template("report.html.j2").render(r=r, css=_CSS, made=made or made_now(),
                                                       status_order=[fmt.STATUS[s] for s in fmt.STATUS_ORDER])


def write_pdf(html: str, path: Path) -> None:
    import logging

    from weasyprint import HTML

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)

    def no_fetch(url, *a, **k):  # the report is self-contained: refuse any fetch
        raise ValueError(f"the report fetches nothing ({url})")

    doc = HTML(string=html, url_fetcher=no_fetch, base_url=str(path.parent)).render()
    _atomic(path, lambda tmp: doc.write_pdf(tmp))


def write_text(text: str, path: Path) -> None:
    _atomic(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))


def _atomic(path: Path, write) -> None:
    """Readers see the old file or the new one, never half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# --------------------------------------------------------------------------------------------
# the PDF through Typst (report.typ): the same pages from the same content, ~20x less CPU


def typst_data(r: Report, made: str | None = None) -> dict:
    """The report as the JSON report.typ reads (sys.inputs.data): the Report's fields with the
    charts drawn (add_charts) and the few strings the HTML template composes itself."""
    import dataclasses

    from .tablewidths import MM, indicator_columns, summary_columns, width

    d = dataclasses.asdict(r)
    for blocks in ([*d["vision"]], *[a["goals"] for a in d["areas"]]):
        for g in blocks:
            for i in g["indicators"]:
                i.pop("history", None)
            # the column widths CSS's automatic table layout gives the HTML (see tablewidths)
            g["ind_cols"] = indicator_columns(g["indicators"], g["depth"]) if g["indicators"] else []
            # "Jämförelse&shy;kommuner" breaks at its soft hyphen only where the column is narrower
            g["peer_head_breaks"] = bool(g["ind_cols"]) and (
                g["ind_cols"][6] - 2.4 * MM < width("Jämförelsekommuner", 6.8, True) - 0.01)
    d["summary_cols"] = summary_columns(d["summary"], [fmt.STATUS[s]["text"] for s in fmt.STATUS_ORDER])
    d["made"] = made or made_now()
    d["status_order"] = [fmt.STATUS[s] for s in fmt.STATUS_ORDER]
    d["status"] = {"uppfyllt": fmt.STATUS["uppfyllt"], "delvis": fmt.STATUS["delvis uppfyllt"],
                   "ej": fmt.STATUS["ej uppfyllt"], "none": fmt.STATUS["kan ej bedömas"]}
    return d


_COMPILER = None


def _compiler():
    """One Typst compiler per process: the template is parsed and the fonts are found once."""
    global _COMPILER
    if _COMPILER is None:
        import typst

        _COMPILER = typst.Compiler(str(TEMPLATES / "report.typ"), root=str(TEMPLATES))
    return _COMPILER


def typst_pdf(r: Report, made: str | None = None) -> bytes:
    import json

    return _compiler().compile(format="pdf", sys_inputs={"data": json.dumps(typst_data(r, made), ensure_ascii=False)})


def write_pdf_typst(r: Report, path: Path, made: str | None = None) -> None:
    pdf = typst_pdf(r, made)
    _atomic(path, lambda tmp: Path(tmp).write_bytes(pdf))
