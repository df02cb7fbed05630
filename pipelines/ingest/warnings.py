"""The gate's warnings (contract section 4): findings that do not block a year.

- an indicator's measure has no value this year (Kolada publishes late): status kan ej bedömas;
- the number of answers changed by more than half since last year;
- a value moved more than 15 points since last year.

They are computed after dbt has built the year, from the build database: each rule is one query
for all the years a run gates (one per year was ~1 s a year on a national build).
"""
from __future__ import annotations

from .issues import WARNING, Issue

RULES = ("indicator_without_value", "answers_changed", "value_moved")
MOVE_LIMIT = 15.0
CHANGE_SHARE = 0.5

_SQL = {
    "indicator_without_value": """
        select o.year, 'styrmodell', 'styrmodell/' || o.year || '/' || o.kommunkod || '.yml', i._row, 'matt',
               'indicator ' || o.indicator_id || ' (' || o.measure_id || coalesce(', enhet ' || o.enhet, '') ||
               ') has no value for ' || o.year || ': its status is kan ej bedömas'
        from marts.fct_goal_outcome o
        join raw.indicator i on i.year = o.year and i.kommunkod = o.kommunkod and i.indicator_id = o.indicator_id
        where list_contains($years, o.year) and o.value is null
          and not exists (select 1 from marts.fct_measure_value f
                          where f.measure_id = o.measure_id and f.kommunkod = o.kommunkod and f.year = o.year
                            and f.enhet is not distinct from nullif(o.enhet, (select enhet from raw.organisation r
                                 where r.year = o.year and r.kommunkod = o.kommunkod and r.overordnad is null))
                            and f.group_type = 'total' and f.suppressed)
        order by o.year, o.kommunkod, i._row""",
    "answers_changed": """
        with n as (
            select source, kommunkod, year, sum(respondents) as n
            from raw.respondent_group where list_contains($years, year) or list_contains($years, year + 1) group by all)
        select c.year, c.source, c.source || '/' || c.year || '/' || c.kommunkod, null, null,
               c.kommunkod || ': ' || c.n || ' respondents in ' || c.year || ' against ' || p.n ||
               ' in ' || p.year || ' (a change of more than half)'
        from n c join n p on p.source = c.source and p.kommunkod = c.kommunkod and p.year = c.year - 1
        where list_contains($years, c.year) and abs(c.n - p.n) > $share * p.n
        order by 1, 2, 3""",
    "value_moved": """
        with followed as (select distinct year, kommunkod from raw.respondent_group where list_contains($years, year))
        select c.year, split_part(c.measure_id, '.', 1), null, null, null,
               c.measure_id || ' for ' || c.kommunkod || ' moved ' || round(c.value - p.value, 1) ||
               ' points since ' || p.year || ' (' || round(p.value, 1) || ' -> ' || round(c.value, 1) || ')'
        from marts.fct_measure_value c
        join marts.fct_measure_value p
          on p.measure_id = c.measure_id and p.kommunkod = c.kommunkod and p.year = c.year - 1
         and p.enhet is null and p.group_type = 'total'
        join marts.dim_measure d on d.measure_id = c.measure_id and d.unit in ('index', 'procent')
        where list_contains($years, c.year) and c.enhet is null and c.group_type = 'total'
          and (c.year, c.kommunkod) in (select (year, kommunkod) from followed)
          and abs(c.value - p.value) > $limit
        order by 1, 2, c.measure_id, c.kommunkod""",
}


def gate_warnings(con, years: list[int]) -> dict[int, list[Issue]]:
    """The warnings of each of `years` (every year a key, in each rule's order)."""
    out: dict[int, list[Issue]] = {y: [] for y in years}
    params = {"years": list(years), "share": CHANGE_SHARE, "limit": MOVE_LIMIT}
    for rule, sql in _SQL.items():
        used = {k: v for k, v in params.items() if f"${k}" in sql}
        for year, source, file, row, column, message in con.execute(sql, used).fetchall():
            out[year].append(Issue(year, source, file, row, column, rule, message, WARNING))
    return out


def record_warnings(con, year: int, warnings: list[Issue]) -> None:
    from . import insert_issues

    con.execute(f"delete from audit.issue where year = ? and rule in {RULES}", [year]).fetchall()
    insert_issues(con, warnings)
