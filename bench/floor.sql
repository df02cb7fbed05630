-- The floor: every row of marts.fct_measure_value (contract section 3) computed in ONE DuckDB
-- process straight from the raw files. The least work this job can take on a machine: one pass
-- over the wide answer rows into sums, everything else from the sums.
--
-- bench/floor.py runs it in three steps; this file holds every formula, the runner only reads:
--
--   1. the runner reads the small files into tables (typed read_csv, one call per group of files
--      of one header, delimiter and encoding; no sniffing):
--        catalogue(source, year, kolumn, matt, skala, grupp)   every <source>/<year>/fragor.csv
--        org(year, kommunkod, enhet, overordnad)               every organisation/<year>/<kod>.csv
--        goal_model(year, kommunkod, content)                  every styrmodell/<year>/<kod>.yml, as text
--        kolada_doc("values")                                  every kolada/*.json but kpi.json
--      and sets the variable kolada_years (a list of periods to keep, or NULL for all);
--      then runs this file up to the "answer sums" marker line below;
--   2. for every source and year it reads that year's answer files with a typed read_csv and
--      sums, per answer file and background value (the leaf unit, kon, aldersgrupp, enkat,
--      respondentgrupp), straight from the wide rows, for every question column c:
--          y = answer_value(c, verbal, k)        (the macro below: null unless a valid answer)
--          n = count(y), sw = sum(w) and sw2 = sum(w^2) over rows with y, swx = sum(w y),
--          swx2 = sum(w y^2)                      (w = the row's weight, 1 without one)
--      and unpivots only those sums into table leaf_sums (its columns are below);
--   3. it runs the rest of this file: every cell from the sums.
--
-- The floor checks nothing: it assumes files that are valid under the contract. Reading files
-- that are not UTF-8 CSV is the runner's (Windows-1252 through read_csv's latin-1 decoder or, where
-- the file has bytes 0x80-0x9f, a transcode; .xlsx through python-calamine), timed on its own.
-- Assumption beyond the contract: minsta_antal_svar is a top-level `minsta_antal_svar: <int>`
-- line of the goal model (YAML is read as text: DuckDB has no YAML reader).

-- one answer code -> the value that enters the sums: for a 1-K question the code itself when it
-- is 1..K (K+1 = "vet ej" and blanks count nowhere); for verbal4 1 for answers 1-2 (the share's
-- numerator), 0 for 3-4; null otherwise
create or replace temp macro answer_value(x, verbal, k) as
    case when x between 1 and k then case when verbal then (x <= 2)::utinyint else x end end;

-- ------------------------------------------------------------------ question catalogues
create or replace temp table question as
select source, year, trim(kolumn) as kolumn, trim(matt) as matt,
       lower(replace(skala, ' ', '')) = 'verbal4' as verbal,
       case when lower(replace(skala, ' ', '')) = 'verbal4' then 4
            else split_part(replace(skala, ' ', ''), '-', 2)::integer end as k,
       nullif(replace(grupp, ' ', ''), '') as grupp
from catalogue;

-- ------------------------------------------------------------------ organisation trees
create or replace temp table unit as
select year, kommunkod, trim(enhet) as enhet, nullif(trim(overordnad), '') as overordnad
from org;

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
select year, kommunkod,
       coalesce(nullif(regexp_extract(content, '(?m)^minsta_antal_svar:[ \t]*([0-9]+)', 1), '')::integer, 5) as limit_n
from goal_model;

-- ------------------------------------------------------------------ answers -> sums
-- made by the runner (step 2), one insert per source and year; background values as in the file
create or replace temp table leaf_sums (
    source varchar, year integer, kommunkod varchar, matt varchar, verbal boolean, k integer,
    enhet varchar, kon varchar, aldersgrupp varchar, enkat varchar, respondentgrupp varchar,
    n bigint, sw double, swx double, swx2 double, sw2 double);

-- @@ answer sums @@

-- the background values as the cells name them: a unit code trimmed (blank: no unit), a blank
-- background value is its own group, 'Okänt'; the sums of values that differ only in spaces meet
create or replace temp table stats as
select source, year, kommunkod, matt, verbal, k,
       nullif(trim(enhet), '') as enhet,
       case when source in ('medarbetarenkat', 'medborgarundersokning') then coalesce(nullif(trim(kon), ''), 'Okänt') end as kon,
       case when source = 'medborgarundersokning' then coalesce(nullif(trim(aldersgrupp), ''), 'Okänt') end as aldersgrupp,
       case when source = 'intern_enkat' then coalesce(nullif(trim(enkat), ''), 'Okänt') end as enkat,
       case when source = 'intern_enkat' then coalesce(nullif(trim(respondentgrupp), ''), 'Okänt') end as respondentgrupp,
       sum(n) as n, sum(sw) as sw, sum(swx) as swx, sum(swx2) as swx2, sum(sw2) as sw2
from leaf_sums
where n > 0
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
from (select e, unnest(e."values") as v from (select unnest("values") as e from kolada_doc))
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
