"""HTML (Jinja2, one self-contained file) and PDF (WeasyPrint) of one report."""
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


def render_html(r: Report) -> str:
    env = _env()
    css = (TEMPLATES / "report.css").read_text(encoding="utf-8")
    made = dt.datetime.now().astimezone()
    return env.get_template("report.html.j2").render(r=r, css=css, made=fmt.timestamp(made),
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
