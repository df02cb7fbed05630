-- The floor: every row of marts.fct_measure_value (contract section 3) computed in ONE DuckDB
-- script straight from the raw files, with DuckDB's own readers. The least work this job can
-- take on a machine: one pass over the answers into sums, everything else from the sums.
--
-- Variables (SET VARIABLE before `.read`; bench/floor.py sets them):
--   raw           the raw directory. Every file must be UTF-8 (with or without BOM) and valid
--                 under the contract: the floor checks nothing. bench/floor.py hands it a
--                 shadow directory of symlinks in which the few Windows-1252 CSV files and
--                 .xlsx answer files have been transcoded to UTF-8 CSV first.
--   kolada_years  a list of Kolada periods to keep (e.g. [2022]), or NULL for all of them.
-- Result: table fct_measure_value (the published columns), in the connection's database.
--
-- Assumptions beyond "valid and UTF-8" (all true for the repo's generator and the demo):
--   * question column names survive DuckDB's normalize_names the way norm_col() below
--     predicts (lower case, accents stripped, non-alphanumerics to '_');
--   * minsta_antal_svar is a top-level `minsta_antal_svar: <int>` line of the goal model
--     (YAML is read as text: DuckDB has no YAML reader);
--   * every survey source has at least one answer file and one catalogue, and styrmodell/
--     holds at least one .yml (floor.py adds an empty one when there is none).

-- DuckDB's normalize_names applied to a catalogue's `kolumn`, so it matches the answer header.
create or replace temp macro norm_col(s) as
    regexp_replace(regexp_replace(strip_accents(lower(trim(s))), '[^a-z0-9_]', '_', 'g'), '^([0-9])', '_\1');

-- ------------------------------------------------------------------ question catalogues
create or replace temp table question as
with c as (
    select *, regexp_extract(filename, '([^/]+)/([0-9]{4})/fragor\.csv$', ['source', 'year']) as p
    from read_csv(getvariable('raw') || '/*/[0-9][0-9][0-9][0-9]/fragor.csv',
                  filename = true, union_by_name = true, all_varchar = true, normalize_names = true)
)
select p.source as source, p.year::integer as year, norm_col(kolumn) as kolumn, trim(matt) as matt,
       lower(replace(skala, ' ', '')) = 'verbal4' as verbal,
       case when lower(replace(skala, ' ', '')) = 'verbal4' then 4
            else split_part(replace(skala, ' ', ''), '-', 2)::integer end as k,
       nullif(replace(grupp, ' ', ''), '') as grupp
from c;

-- ------------------------------------------------------------------ organisation trees
create or replace temp table unit as
select p.year::integer as year, p.kod as kommunkod, trim(enhet) as enhet,
       nullif(trim(overordnad), '') as overordnad
from (select *, regexp_extract(filename, '/([0-9]{4})/([0-9]{4})\.csv$', ['year', 'kod']) as p
      from read_csv(getvariable('raw') || '/organisation/[0-9][0-9][0-9][0-9]/[0-9][0-9][0-9][0-9].csv',
                    filename = true, union_by_name = true, all_varchar = true, normalize_names = true));

-- each unit with each of its ancestors below the root (the root's cell is the municipality's)
create or replace temp table closure as
with recursive walk(year, kommunkod, enhet, ancestor) as (
    select year, kommunkod, enhet, enhet from unit
    union all
    select w.year, w.kommunkod, w.enhet, u.overordnad
    from walk w join unit u on u.year = w.year and u.kommunkod = w.kommunkod and u.enhet = w.ancestor
    where u.overordnad is not null
)
select w.year, w.kommunkod, w.enhet, w.ancestor, u.overordnad as ancestor_parent
from walk w join unit u on u.year = w.year and u.kommunkod = w.kommunkod and u.enhet = w.ancestor
where u.overordnad is not null;

-- ------------------------------------------------------------------ suppression limits
create or replace temp table limits as
select p.year::integer as year, p.kod as kommunkod,
       coalesce(nullif(regexp_extract(content, '(?m)^minsta_antal_svar:[ \t]*([0-9]+)', 1), '')::integer, 5) as limit_n
from (select content, regexp_extract(filename, '/([0-9]{4})/([0-9]{4})\.yml$', ['year', 'kod']) as p
      from read_text(getvariable('raw') || '/styrmodell/*/*.yml'))
where p.kod <> '';

-- ------------------------------------------------------------------ answers -> sums
-- One pass over every answer file: unpivot to (respondent, question, answer), keep the valid
-- answers, and sum n, sum(w), sum(w x), sum(w x^2), sum(w^2) per question, unit and background
-- combination. For verbal4 questions x is 1 for answers 1-2 (the share's numerator), else 0.
create or replace temp table stats as
with answers as (
    select 'medarbetarenkat' as source, p.year::integer as year, p.kod as kommunkod,
           nullif(trim(enhet), '') as enhet, coalesce(nullif(trim(kon), ''), 'Okänt') as kon,
           null::varchar as aldersgrupp, null::varchar as enkat, null::varchar as respondentgrupp,
           1.0::double as w, kolumn, x
    from (unpivot (
        select regexp_extract(filename, '/([0-9]{4})/([0-9]{4})\.csv$', ['year', 'kod']) as p, enhet, kon,
               columns(lambda c: c not in ('filename', 'svarsid', 'enhet', 'kon', 'kommentar'))::integer
        from read_csv(getvariable('raw') || '/medarbetarenkat/[0-9][0-9][0-9][0-9]/[0-9][0-9][0-9][0-9].csv',
                      filename = true, union_by_name = true, normalize_names = true,
                      types = {'enhet': 'VARCHAR', 'kon': 'VARCHAR'})
    ) on columns(lambda c: c not in ('p', 'enhet', 'kon')) into name kolumn value x)
    union all by name
    select 'medborgarundersokning' as source, p.year::integer as year, p.kod as kommunkod,
           null::varchar as enhet, coalesce(nullif(trim(kon), ''), 'Okänt') as kon,
           coalesce(nullif(trim(aldersgrupp), ''), 'Okänt') as aldersgrupp,
           null::varchar as enkat, null::varchar as respondentgrupp,
           coalesce(replace(vikt, ',', '.')::double, 1.0) as w, kolumn, x
    from (unpivot (
        select regexp_extract(filename, '/([0-9]{4})/([0-9]{4})\.csv$', ['year', 'kod']) as p, kon, aldersgrupp, vikt,
               columns(lambda c: c not in ('filename', 'lopnr', 'kon', 'aldersgrupp', 'vikt'))::integer
        from read_csv(getvariable('raw') || '/medborgarundersokning/[0-9][0-9][0-9][0-9]/[0-9][0-9][0-9][0-9].csv',
                      filename = true, union_by_name = true, normalize_names = true,
                      types = {'kon': 'VARCHAR', 'aldersgrupp': 'VARCHAR', 'vikt': 'VARCHAR'})
    ) on columns(lambda c: c not in ('p', 'kon', 'aldersgrupp', 'vikt')) into name kolumn value x)
    union all by name
    select 'intern_enkat' as source, p.year::integer as year, p.kod as kommunkod,
           nullif(trim(enhet), '') as enhet, null::varchar as kon, null::varchar as aldersgrupp,
           coalesce(nullif(trim(enkat), ''), 'Okänt') as enkat,
           coalesce(nullif(trim(respondentgrupp), ''), 'Okänt') as respondentgrupp,
           1.0::double as w, kolumn, x
    from (unpivot (
        select regexp_extract(filename, '/([0-9]{4})/([0-9]{4})\.csv$', ['year', 'kod']) as p, enhet, enkat, respondentgrupp,
               columns(lambda c: c not in ('filename', 'svarsid', 'enkat', 'respondentgrupp', 'enhet', 'kommentar'))::integer
        from read_csv(getvariable('raw') || '/intern_enkat/[0-9][0-9][0-9][0-9]/[0-9][0-9][0-9][0-9].csv',
                      filename = true, union_by_name = true, normalize_names = true,
                      types = {'enhet': 'VARCHAR', 'enkat': 'VARCHAR', 'respondentgrupp': 'VARCHAR'})
    ) on columns(lambda c: c not in ('p', 'enhet', 'enkat', 'respondentgrupp')) into name kolumn value x)
),
valid as (
    select a.source, a.year, a.kommunkod, q.matt, q.verbal, q.k, a.enhet, a.kon, a.aldersgrupp,
           a.enkat, a.respondentgrupp, a.w,
           case when q.verbal then (a.x <= 2)::integer else a.x end::double as y
    from answers a
    join question q on q.source = a.source and q.year = a.year and q.kolumn = a.kolumn
    where a.x between 1 and q.k
)
select source, year, kommunkod, matt, verbal, k, enhet, kon, aldersgrupp, enkat, respondentgrupp,
       count(*) as n, sum(w) as sw, sum(w * y) as swx, sum(w * y * y) as swx2, sum(w * w) as sw2
from valid
group by all;

-- ------------------------------------------------------------------ question cells
create or replace temp table question_cell as
with cells as (
    -- the whole municipality (enhet null): every respondent
    select source, year, kommunkod, matt, verbal, k, null::varchar as enhet,
           'total' as group_type, 'Totalt' as group_value, null::varchar as split,
           sum(n) as n, sum(sw) as sw, sum(swx) as swx, sum(swx2) as swx2, sum(sw2) as sw2
    from stats group by all
    union all
    -- every other unit, over its whole subtree: the unit sums rolled up the tree
    select s.source, s.year, s.kommunkod, s.matt, s.verbal, s.k, c.ancestor,
           'total', 'Totalt', 'unit:' || c.ancestor_parent,
           sum(s.n), sum(s.sw), sum(s.swx), sum(s.swx2), sum(s.sw2)
    from (select source, year, kommunkod, matt, verbal, k, enhet,
                 sum(n) as n, sum(sw) as sw, sum(swx) as swx, sum(swx2) as swx2, sum(sw2) as sw2
          from stats where enhet is not null group by all) s
    join closure c on c.year = s.year and c.kommunkod = s.kommunkod and c.enhet = s.enhet
    group by all
    union all
    -- background groups of the whole municipality
    select source, year, kommunkod, matt, verbal, k, null, 'kon', kon, 'bg:kon',
           sum(n), sum(sw), sum(swx), sum(swx2), sum(sw2)
    from stats where kon is not null group by all
    union all
    select source, year, kommunkod, matt, verbal, k, null, 'aldersgrupp', aldersgrupp, 'bg:aldersgrupp',
           sum(n), sum(sw), sum(swx), sum(swx2), sum(sw2)
    from stats where aldersgrupp is not null group by all
    union all
    select source, year, kommunkod, matt, verbal, k, null, 'enkat', enkat, 'bg:enkat',
           sum(n), sum(sw), sum(swx), sum(swx2), sum(sw2)
    from stats where enkat is not null group by all
    union all
    select source, year, kommunkod, matt, verbal, k, null, 'respondentgrupp', respondentgrupp, 'bg:respondentgrupp',
           sum(n), sum(sw), sum(swx), sum(swx2), sum(sw2)
    from stats where respondentgrupp is not null group by all
),
stat as (
    select *, swx / sw as m, sw * sw / sw2 as n_eff from cells
),
bounds as (
    select *,
           case when verbal then 100.0 * m else (m - 1) * 100.0 / (k - 1) end as value,
           case when n_eff <= 1 + 1e-12 then null
                when verbal then 1.96 * sqrt(greatest(m * (1 - m), 0) / n_eff)
                else 1.96 * sqrt(greatest(swx2 / sw - m * m, 0) * n_eff / (n_eff - 1) / n_eff) end as half
    from stat
),
flagged as (
    select b.*, coalesce(l.limit_n, 5) as limit_n,
           case when half is null then null
                when verbal then least(100.0, greatest(0.0, 100.0 * (m - half)))
                else least(100.0, greatest(0.0, (m - half - 1) * 100.0 / (k - 1))) end as ci_low,
           case when half is null then null
                when verbal then least(100.0, greatest(0.0, 100.0 * (m + half)))
                else least(100.0, greatest(0.0, (m + half - 1) * 100.0 / (k - 1))) end as ci_high,
           b.n < coalesce(l.limit_n, 5) as primary_suppressed,
           -- the unit whose cell this is (the root's for the municipality cell); null for a group
           case when b.group_type = 'total' then coalesce(b.enhet, r.enhet) end as unit_code
    from bounds b
    left join limits l on l.year = b.year and l.kommunkod = b.kommunkod
    left join unit r on r.year = b.year and r.kommunkod = b.kommunkod and r.overordnad is null
),
-- the own group of each unit: respondents on the unit itself, in no child's cell
-- = the unit's n minus the n of its children (the cells of split 'unit:' || its code)
own as (
    select f.source, f.year, f.kommunkod, f.matt, f.unit_code, f.limit_n,
           f.n - coalesce(sum(ch.n), 0) as own_n
    from flagged f
    left join flagged ch on ch.source = f.source and ch.year = f.year and ch.kommunkod = f.kommunkod
                        and ch.matt = f.matt and ch.split = 'unit:' || f.unit_code
    where f.unit_code is not null
    group by f.source, f.year, f.kommunkod, f.matt, f.unit_code, f.limit_n, f.n
),
-- the members of every split: its cells, plus the unit's own group in a split of its children
-- (no member when its n is 0; hidden by (a) when 0 < n < limit)
member as (
    select source, year, kommunkod, matt, split, n, coalesce(enhet, group_value) as label,
           primary_suppressed as hidden
    from flagged where split is not null
    union all
    select source, year, kommunkod, matt, 'unit:' || unit_code, own_n, unit_code, own_n < limit_n
    from own where own_n > 0
),
-- (b): in a split with exactly one member hidden by (a), the other member with the smallest n
-- (ties: lowest label in text order) is hidden too; when that is an own group nothing more is
split_rule as (
    select source, year, kommunkod, matt, split,
           count(*) filter (where hidden) as n_hidden,
           arg_min(label, (n, label)) filter (where not hidden) as complement
    from member group by all
)
-- suppression, first pass
select f.source, f.year, f.kommunkod, f.matt, f.enhet, f.group_type, f.group_value, f.split, f.n,
       f.value, f.ci_low, f.ci_high, f.limit_n, f.unit_code, o.own_n,
       f.primary_suppressed
       or coalesce(s.n_hidden = 1 and s.complement = coalesce(f.enhet, f.group_value), false) as suppressed
from flagged f
left join own o on o.source = f.source and o.year = f.year and o.kommunkod = f.kommunkod
               and o.matt = f.matt and o.unit_code = f.unit_code
left join split_rule s on s.source = f.source and s.year = f.year and s.kommunkod = f.kommunkod
                      and s.matt = f.matt and s.split = f.split;

-- ------------------------------------------------------------------ aggregate cells
create or replace temp table aggregate_cell as
with members as (
    select source, year, matt, code,
           count(*) over (partition by source, year, code) as n_questions
    from (select source, year, matt, unnest(string_split(grupp, ',')) as code from question where grupp is not null)
    where code <> ''
),
cells as (
    -- n and the own group's n: the smallest over the group's questions
    select c.source, c.year, c.kommunkod, m.code, c.enhet, c.group_type, c.group_value, c.split,
           c.unit_code, min(c.n) as n, min(c.own_n) as own_n, avg(c.value) as value,
           bool_or(c.suppressed) as forced, min(c.limit_n) as limit_n
    from question_cell c join members m on m.source = c.source and m.year = c.year and m.matt = c.matt
    group by all
    having count(*) = min(m.n_questions)
),
flagged as (select *, n < limit_n or forced as primary_suppressed from cells),
member as (
    select source, year, kommunkod, code, split, n, coalesce(enhet, group_value) as label,
           primary_suppressed as hidden
    from flagged where split is not null
    union all
    select source, year, kommunkod, code, 'unit:' || unit_code, own_n, unit_code, own_n < limit_n
    from flagged where unit_code is not null and own_n > 0
),
split_rule as (
    select source, year, kommunkod, code, split,
           count(*) filter (where hidden) as n_hidden,
           arg_min(label, (n, label)) filter (where not hidden) as complement
    from member group by all
)
-- suppression, second pass: the same rules over the aggregate cells
select f.source, f.year, f.kommunkod, f.code, f.enhet, f.group_type, f.group_value, f.n, f.value,
       f.primary_suppressed
       or coalesce(s.n_hidden = 1 and s.complement = coalesce(f.enhet, f.group_value), false) as suppressed
from flagged f
left join split_rule s on s.source = f.source and s.year = f.year and s.kommunkod = f.kommunkod
                      and s.code = f.code and s.split = f.split;

-- ------------------------------------------------------------------ Kolada
create or replace temp table kolada as
select 'kolada.' || e.kpi as measure_id, e.municipality as kommunkod, e.period as year,
       v.gender as gender, v."value" as value
from (select e, unnest(e."values") as v
      from (select unnest("values") as e
            from read_json(getvariable('raw') || '/kolada/*.json', filename = true,
                           columns = {'values': 'STRUCT(kpi VARCHAR, municipality VARCHAR, period INTEGER, "values" STRUCT(gender VARCHAR, "value" DOUBLE)[])[]'})
            where not filename like '%/kpi.json'))
where e.kpi is not null
  and (getvariable('kolada_years') is null or list_contains(getvariable('kolada_years'), e.period));

-- ------------------------------------------------------------------ fct_measure_value
create or replace table fct_measure_value as
select source || '.' || matt as measure_id, kommunkod, year, enhet, group_type, group_value,
       case when suppressed then null else value end as value, n::bigint as n_answers,
       case when suppressed then null else ci_low end as ci_low,
       case when suppressed then null else ci_high end as ci_high, suppressed
from question_cell
union all
select source || '.' || code, kommunkod, year, enhet, group_type, group_value,
       case when suppressed then null else value end, n::bigint, null::double, null::double, suppressed
from aggregate_cell
union all
select measure_id, kommunkod, year, null, case when gender = 'T' then 'total' else 'kon' end,
       case when gender = 'T' then 'Totalt' else gender end, value, null, null, null, false
from kolada
where gender in ('T', 'K', 'M');
