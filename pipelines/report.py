"""The report of every run (contract section 4): `<warehouse>/reports/latest.json` and its
human-readable twin `latest.md`, naming each bad file, row, column and rule, and what was
published and what was kept."""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
import duckdb

from . import config

ISSUE_KEYS = ("year", "source", "file", "row", "column", "rule", "message", "severity")


@dataclass
class RunReport:
    raw_dir: Path
    warehouse: Path
    started_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc))
    runs: dict[int, dict] = field(default_factory=dict)

    def add_year_run(self, year: int, result: dg.ExecuteInProcessResult) -> None:
        extra = []
        if not result.success:
            # a failure that no check recorded as a finding (a dbt test, a crash): name the step
            for event in result.get_step_failure_events():
                if event.step_key.startswith("ingest_") or event.step_key == "year_gate":
                    continue
                err = event.step_failure_data.error
                message = (err.message if err else "step failed").strip()
                extra.append(dict(year=year, source="dbt" if "dbt" in event.step_key else "pipeline", file=None, row=None,
                                  column=None, rule=f"step_failed:{event.step_key}", message=message[:2000], severity="error"))
        self.runs[year] = {"run_id": result.run_id, "success": result.success, "extra": extra}

    def _collect(self) -> list[dict]:
        years = sorted(self.runs)
        path = config.build_db_path()
        issues: dict[int, list[dict]] = {y: [] for y in years}
        gate: dict[int, bool] = {}
        if path.exists() and years:
            con = duckdb.connect(str(path), read_only=True)
            try:
                ys = ",".join(map(str, years))
                for row in con.execute(f"""select year, source, file, "row", "column", rule, message, severity
                        from audit.issue where year in ({ys})
                        order by year, severity, source, file, "row" nulls first, "column" """).fetchall():
                    issues[row[0]].append(dict(zip(ISSUE_KEYS, row)))
                gate = dict(con.execute(f"select year, passed from audit.year_gate where year in ({ys})").fetchall())
            finally:
                con.close()
        out = []
        for y in years:
            passed = bool(gate.get(y)) and self.runs[y]["success"]
            out.append({"year": y, "passed": passed, "run_id": self.runs[y]["run_id"],
                        "issues": self.runs[y]["extra"] + issues[y]})
        return out

    def failed_years(self) -> list[int]:
        return [y["year"] for y in self._collect() if not y["passed"]]

    def write(self, publish) -> tuple[Path, Path]:
        years = self._collect()
        published = publish.as_dict() if publish else None
        for y in years:
            if y["passed"]:
                y["published"] = "published"
            elif published and y["year"] in published["years"]:
                y["published"] = "kept: the last version that passed"
            else:
                y["published"] = "absent: no version of this year ever passed"
        doc = {
            "generated_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "started_at": self.started_at.isoformat(timespec="seconds"),
            "raw_dir": str(self.raw_dir),
            "warehouse": str(self.warehouse),
            "passed": all(y["passed"] for y in years),
            "years": years,
            "published": published,
        }
        out = self.warehouse / "reports"
        out.mkdir(parents=True, exist_ok=True)
        json_path, md_path = out / "latest.json", out / "latest.md"
        _atomic_write(json_path, json.dumps(doc, ensure_ascii=False, indent=2, default=str))
        _atomic_write(md_path, render_markdown(doc))
        return json_path, md_path


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def render_markdown(doc: dict) -> str:
    lines = [f"# followup run report, {doc['generated_at']}", "",
             f"Raw files: `{doc['raw_dir']}`  ", f"Warehouse: `{doc['warehouse']}`", "",
             "**Every year passed.**" if doc["passed"] else "**At least one year failed its checks and was not published.**", "",
             "| year | checks | published file holds | errors | warnings |", "|---|---|---|---|---|"]
    for y in doc["years"]:
        e = sum(1 for i in y["issues"] if i["severity"] == "error")
        w = len(y["issues"]) - e
        lines.append(f"| {y['year']} | {'passed' if y['passed'] else 'FAILED'} | {y['published']} | {e} | {w} |")
    for y in doc["years"]:
        if not y["issues"]:
            continue
        lines += ["", f"## {y['year']}: {'passed' if y['passed'] else 'FAILED'}", "",
                  "| severity | source | file | row | column | rule | message |", "|---|---|---|---|---|---|---|"]
        for i in y["issues"]:
            msg = str(i["message"]).replace("|", "\\|").replace("\n", " ")
            lines.append(f"| {i['severity']} | {i['source']} | {i['file'] or ''} | {i['row'] if i['row'] is not None else ''} | "
                         f"{i['column'] or ''} | {i['rule']} | {msg} |")
    p = doc.get("published")
    if p:
        lines += ["", "## Published", "", f"`{p['path']}`: years {', '.join(map(str, p['years'])) or 'none'}"
                  + (f"; kept from before: {', '.join(map(str, p['kept_years']))}" if p["kept_years"] else ""), "",
                  "| table | rows |", "|---|---|"]
        lines += [f"| marts.{t} | {n} |" for t, n in sorted(p["table_rows"].items())]
    return "\n".join(lines) + "\n"
