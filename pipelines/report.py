"""The report of every run (contract section 4): `<warehouse>/reports/latest.json` and its
human-readable twin `latest.md`, naming each bad file, row, column and rule, and what was
published and what was kept."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb


ISSUE_KEYS = ("year", "source", "file", "row", "column", "rule", "message", "severity")
ACTION_TEXT = {"load": "loaded", "rebuild": "rebuilt (dbt only)", "unchanged": "unchanged"}


def build_run_report(build_db: Path, warehouse: Path, raw_dir: Path, run_id: str, failure: dict | None = None) -> dict:
    """The run report of `run_id` from the build database (the plan, each year's gate and
    findings) and what the published file holds. `failure`: a step that failed ({"step",
    "message"}), e.g. a publish that could not be written."""
    from .publish import PUBLISHED, published_state
    from .summary import published_summary

    years: list[dict] = []
    if build_db.exists():
        con = duckdb.connect(str(build_db), read_only=True)
        try:
            has_plan = con.execute("select count(*) from duckdb_tables() where schema_name = 'audit' and table_name = 'run_plan'").fetchall()[0][0]
            plan = con.execute("select year, action, reason from audit.run_plan where run_id = ? order by year",
                               [run_id]).fetchall() if has_plan else []
            if not plan:  # a run without the plan step: the years it gated
                plan = [(r[0], "rebuild", "gated in this run") for r in con.execute(
                    "select year from audit.year_gate where run_id = ? order by year", [run_id]).fetchall()]
            gate = {r[0]: r[1:] for r in con.execute("select year, passed, checked_at, run_id from audit.year_gate").fetchall()}
            for year, action, reason in plan:
                issues = [dict(zip(ISSUE_KEYS, r)) for r in con.execute(
                    """select year, source, file, "row", "column", rule, message, severity from audit.issue where year = ?
                       order by severity, source, file, "row" nulls first, "column", rule""", [year]).fetchall()]
                passed, checked_at, gate_run = gate.get(year, (False, None, None))
                if action != "unchanged" and gate_run != run_id:  # the run stopped before this year's gate
                    passed = False
                    if not any(i["severity"] == "error" for i in issues):
                        cause = failure["message"] if failure else "the run stopped before the year's gate"
                        issues.insert(0, dict(year=year, source="pipeline", file=None, row=None, column=None,
                                              rule=f"step_failed:{failure['step']}" if failure else "not_gated",
                                              message=cause, severity="error"))
                years.append({"year": year, "passed": bool(passed), "action": ACTION_TEXT.get(action, action),
                              "reason": reason, "run_id": gate_run, "checked_at": checked_at, "issues": issues})
        finally:
            con.close()
    published_at = {y: at for y, (at, _) in published_state(warehouse / PUBLISHED).items()}
    for y in years:
        if y["year"] in published_at:
            same = y["passed"] and published_at[y["year"]] == y["checked_at"]
            y["published"] = "published" if same else "kept: the last version that passed"
        else:
            y["published"] = "absent: no version of this year is published"
        y["checked_at"] = str(y["checked_at"]) if y["checked_at"] else None
    summary = published_summary(warehouse / PUBLISHED)
    return {
        "generated_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "run_id": run_id,
        "dagster_run": True,  # False: nothing had changed, `followup run` started no Dagster run
        "raw_dir": str(raw_dir),
        "warehouse": str(warehouse),
        "passed": all(y["passed"] for y in years) and failure is None,
        "failure": failure,
        "years": years,
        "published": summary.as_dict() if (warehouse / PUBLISHED).exists() else None,
    }


def write_run_report(doc: dict, warehouse: Path) -> tuple[Path, Path]:
    out = warehouse / "reports"
    out.mkdir(parents=True, exist_ok=True)
    json_path, md_path = out / "latest.json", out / "latest.md"
    _atomic_write(json_path, json.dumps(doc, ensure_ascii=False, indent=2, default=str))
    _atomic_write(md_path, render_markdown(doc))
    return json_path, md_path


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def render_markdown(doc: dict) -> str:
    lines = [f"# followup run report, {doc['generated_at']}", "",
             f"Raw files: `{doc['raw_dir']}`  ", f"Warehouse: `{doc['warehouse']}`", "",
             *(["Nothing had changed since the last run: no year was loaded and no Dagster run was started.", ""]
               if doc.get("dagster_run") is False else []),
             "**Every year passed.**" if doc["passed"] else "**At least one year failed its checks and was not published.**"
             if not doc.get("failure") else f"**The run failed at `{doc['failure']['step']}`: {doc['failure']['message']}**", "",
             "| year | this run | checks | published file holds | errors | warnings |", "|---|---|---|---|---|---|"]
    for y in doc["years"]:
        e = sum(1 for i in y["issues"] if i["severity"] == "error")
        w = len(y["issues"]) - e
        lines.append(f"| {y['year']} | {y.get('action', '')} | {'passed' if y['passed'] else 'FAILED'} | {y['published']} | {e} | {w} |")
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
