"""What the published warehouse holds, for the end of `followup run`."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb


@dataclass
class PublishedSummary:
    path: Path
    years: list[int] = field(default_factory=list)
    kept_years: list[int] = field(default_factory=list)
    kommuner: list[tuple[str, str]] = field(default_factory=list)
    table_rows: dict[str, int] = field(default_factory=dict)
    views: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"published {self.path}",
               "  years           " + (", ".join(map(str, self.years)) or "none"),
               "  municipalities  " + self._kommuner_text() + "  (with survey or goal data)"]
        if self.kept_years:
            out.append("  kept (failed now, last passed version): " + ", ".join(map(str, self.kept_years)))
        for table, n in sorted(self.table_rows.items()):
            out.append(f"  marts.{table:<22} {n:>10,} rows".replace(",", " "))
        if self.views:
            out.append("  views           " + ", ".join(f"marts.{v}" for v in self.views))
        return out

    def _kommuner_text(self, first: int = 5) -> str:
        """All when a few; else how many and the first few (a national run has 290)."""
        if not self.kommuner:
            return "none"
        names = [f"{k} {n}" for k, n in self.kommuner]
        if len(names) <= first + 1:
            return ", ".join(names)
        return f"{len(names)}: " + ", ".join(names[:first]) + f", ... and {len(names) - first} more"

    def as_dict(self) -> dict:
        return {"path": str(self.path), "years": self.years, "kept_years": self.kept_years,
                "kommuner": [k for k, _ in self.kommuner], "table_rows": self.table_rows,
                "views": self.views}


def published_summary(path: Path) -> PublishedSummary:
    s = PublishedSummary(path)
    if not path.exists():
        return s
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = [r[0] for r in con.execute(
            "select table_name from duckdb_tables() where schema_name = 'marts' order by 1").fetchall()]
        for t in tables:
            s.table_rows[t] = con.execute(f"select count(*) from marts.{t}").fetchall()[0][0]
        s.views = [r[0] for r in con.execute(
            "select view_name from duckdb_views() where schema_name = 'marts' and not internal order by 1").fetchall()]
        if "publish_year" in tables:
            for year, this_run in con.execute("select year, passed_this_run from marts.publish_year order by year").fetchall():
                s.years.append(year)
                if not this_run:
                    s.kept_years.append(year)
        if "fct_measure_value" in tables:
            s.kommuner = con.execute("""
                select distinct f.kommunkod, k.kommun from marts.fct_measure_value f
                join marts.dim_kommun k using (kommunkod)
                where f.measure_id not like 'kolada.%' order by 1""").fetchall()
    finally:
        con.close()
    return s
