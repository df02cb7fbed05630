"""What a run does for each year (issue 12: incremental loads).

A year is *loaded* (ingest, dbt, gate) when its raw files or the code that reads them changed
since its last load, when that load failed, when it was never loaded, or with `force`; it is
*rebuilt* (dbt and gate, no ingest) when only the dbt project changed, or when the year before it
was loaded or rebuilt (trend and prev_value read last year's values); otherwise it is *unchanged*
and the run does nothing for it.

Fingerprints are cheap: names, sizes and modification times of the raw files that feed the year
(every Kolada file feeds every year), and a hash of the code files. They are kept per year in the
build database (`audit.load_state`), written when the year's gate is decided.
"""
from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from . import config
from .years import discover_years, raw_fingerprint

LOAD, REBUILD, UNCHANGED = "load", "rebuild", "unchanged"

# The code that decides what lands (file rules, raw checks, the seeds they validate against) and
# the code that models it (the dbt project). A change to the first reloads, to the second rebuilds.
# (the seeds' data only: a change to a seed's YAML description is the dbt project's, not the rules')
_INGEST_CODE = (config.PACKAGE_DIR / "ingest", config.PACKAGE_DIR / "checks",
                *sorted((config.DBT_PROJECT_DIR / "seeds").glob("*.csv")))
_DBT_CODE = tuple(config.DBT_PROJECT_DIR / p for p in ("models", "macros", "seeds", "tests", "dbt_project.yml", "profiles.yml")) \
    + (config.PACKAGE_DIR / "ingest" / "warnings.py",)


def _hash_files(paths: tuple[Path, ...]) -> str:
    h = hashlib.sha256()
    for path in paths:
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for f in files:
            if f.suffix in (".pyc",) or "__pycache__" in f.parts or not f.exists():
                continue
            h.update(f"{path.name}/{f.relative_to(path) if path.is_dir() else ''}".encode())
            h.update(f.read_bytes())
    return h.hexdigest()[:16]


@functools.cache
def code_fingerprints() -> tuple[str, str]:
    """(ingest code, dbt code): hashes of the files each stage runs."""
    return _hash_files(_INGEST_CODE), _hash_files(_DBT_CODE)


@dataclass
class YearPlan:
    year: int
    action: str  # load | rebuild | unchanged
    reason: str
    raw_fingerprint: str = ""


@dataclass
class Plan:
    years: list[YearPlan] = field(default_factory=list)

    def of(self, action: str) -> list[int]:
        return [y.year for y in self.years if y.action == action]

    @property
    def load(self) -> list[int]:
        return self.of(LOAD)

    @property
    def rebuild(self) -> list[int]:
        return self.of(REBUILD)

    @property
    def unchanged(self) -> list[int]:
        return self.of(UNCHANGED)

    def describe(self) -> str:
        parts = []
        for action, label in ((LOAD, "load"), (REBUILD, "rebuild (dbt only)"), (UNCHANGED, "unchanged")):
            ys = [y for y in self.years if y.action == action]
            if ys:
                reasons = sorted({y.reason for y in ys})
                parts.append(f"{label} {_years_text([y.year for y in ys])} ({'; '.join(reasons)})")
        return " · ".join(parts) or "no year"


def _years_text(years: list[int]) -> str:
    return ", ".join(map(str, years))


def make_plan(con, raw: Path, years: list[int] | None, force: bool, rebuild: bool = False) -> Plan:
    """Decide each year's action from the raw directory and `audit.load_state`. `rebuild`
    (`followup publish`): every year loaded before is rebuilt from its landed raw data (dbt and
    gate), whatever changed; no raw file is read again, and a year never loaded is left out."""
    found = discover_years(raw)
    scope = sorted(found if not years else [y for y in years if y in found])
    ingest_fp, dbt_fp = code_fingerprints()
    state = {r[0]: r[1:] for r in con.execute(
        "select year, raw_fingerprint, ingest_code, dbt_code, passed from audit.load_state").fetchall()}
    plan: dict[int, YearPlan] = {}
    for y in scope:
        fp = raw_fingerprint(raw, y)
        last = state.get(y)
        if rebuild:
            if last is None:
                plan[y] = YearPlan(y, UNCHANGED, "not loaded yet: followup run loads it", fp)
            elif last[1] != ingest_fp:  # its landed rows are of another ingest: not to be trusted
                plan[y] = YearPlan(y, UNCHANGED, "file rules changed since its load: followup run loads it", last[0])
            else:
                plan[y] = YearPlan(y, REBUILD, "followup publish: the models again from the loaded raw data", last[0])
        elif force:
            plan[y] = YearPlan(y, LOAD, "forced", fp)
        elif last is None:
            plan[y] = YearPlan(y, LOAD, "not loaded before", fp)
        elif last[0] != fp:
            plan[y] = YearPlan(y, LOAD, "raw files changed", fp)
        elif last[1] != ingest_fp:
            plan[y] = YearPlan(y, LOAD, "file rules changed", fp)
        elif not last[3]:
            plan[y] = YearPlan(y, LOAD, "its last load failed", fp)
        elif last[2] != dbt_fp:
            plan[y] = YearPlan(y, REBUILD, "dbt project changed", fp)
        else:
            plan[y] = YearPlan(y, UNCHANGED, "unchanged since its last passed load", fp)
    # a loaded or rebuilt year changes the next year's trend and prev_value: rebuild that one
    # too, whether or not it is in this run's scope, so no later year is left stale (loaded
    # again if its landed rows are of another ingest and its files are there)
    for y in sorted(plan):
        nxt = y + 1
        if plan[y].action in (LOAD, REBUILD) and nxt in state and state[nxt][3]:
            if nxt not in plan or (plan[nxt].action == UNCHANGED and not rebuild):
                if state[nxt][1] != ingest_fp and nxt in found and not rebuild:
                    plan[nxt] = YearPlan(nxt, LOAD, f"{y} changed (trend); file rules changed", raw_fingerprint(raw, nxt))
                elif state[nxt][1] == ingest_fp:
                    plan[nxt] = YearPlan(nxt, REBUILD, f"{y} changed (trend)", state[nxt][0])
    return Plan([plan[y] for y in sorted(plan)])


def publish_pending(con, target: Path) -> list[int]:
    """The years the published file does not hold as the build has them: a passed year whose
    newest checked version is not the published one (loaded or rebuilt since, or a publish that
    an earlier run did not finish), or a year the file calls passed whose newest load failed
    (its rows stay; marts.publish_year must say "kept")."""
    from .publish import published_state

    passed = dict(con.execute("select year, checked_at from audit.year_gate where passed").fetchall())
    failed = {r[0] for r in con.execute("select year from audit.year_gate where not passed").fetchall()}
    held = published_state(target)
    stale = sorted(y for y, at in passed.items() if held.get(y, (None,))[0] != at)
    return stale + sorted(y for y in failed & set(held) if held[y][1])


def nothing_to_do(con, raw: Path, target: Path, years: list[int] | None) -> Plan | None:
    """The plan when a run would do nothing: every year unchanged since its last passed load and
    the published file holding each one's newest version; None when there is work."""
    plan = make_plan(con, raw, years, force=False)
    if plan.load or plan.rebuild or not target.exists() or publish_pending(con, target):
        return None
    return plan


def save_plan(con, run_id: str, plan: Plan) -> None:
    con.execute("delete from audit.run_plan where run_id = ?", [run_id]).fetchall()
    if plan.years:
        con.executemany("insert into audit.run_plan values (?, ?, ?, ?, ?)",
                        [(run_id, y.year, y.action, y.reason, y.raw_fingerprint) for y in plan.years])


def read_plan(con, run_id: str) -> Plan | None:
    """The plan a run's first step made (None when the run did not make one, e.g. a UI run of
    one asset: then the step works on every year the build database knows)."""
    rows = con.execute("select year, action, reason, raw_fingerprint from audit.run_plan where run_id = ? order by year",
                       [run_id]).fetchall()
    return Plan([YearPlan(*r) for r in rows]) if rows else None


def record_state(con, year: int, plan: YearPlan, passed: bool) -> None:
    """After the gate: what this year's newest load was made from, and whether it passed."""
    ingest_fp, dbt_fp = code_fingerprints()
    old = con.execute("select raw_fingerprint, ingest_code from audit.load_state where year = ?", [year]).fetchall()
    raw_fp, ing = (plan.raw_fingerprint, ingest_fp) if plan.action == LOAD or not old else old[0]
    con.execute("insert or replace into audit.load_state values (?, ?, ?, ?, ?, now())",
                [year, raw_fp, ing, dbt_fp, passed]).fetchall()
