-- The floor: every row of marts.fct_measure_value (contract section 3) computed in ONE DuckDB
-- process straight from the raw files. The least work this job can take on a machine: one pass
-- over the wide answer rows into sums, everything else from the sums.
--
-- bench/floor.py runs it in steps, cut at the `-- @@ ... @@` lines; this file holds every
-- formula, the runner only reads:
--
--   1. the runner reads the small files into tables (typed read_csv, one call per group of files
--      of one header, delimiter and encoding; no sniffing):
--        catalogue(source, year, kolumn, matt, skala, grupp)   every <source>/<year>/fragor.csv
--        org(year, kommunkod, enhet, overordnad)               every organisation/<year>/<kod>.csv
--        goal_model(year, kommunkod, content)                  every styrmodell/<year>/<kod>.yml, as text
--        kolada_doc("values")                                  every kolada/*.json but kpi.json
--      sets the variable kolada_years (a list of periods to keep, or NULL for all), and runs the
--      set-up part of this file (up to the first @@ line);
--   2. for each year with answer files, one at a time (memory stays that of one year):
--      a. `each year: answer sums`: an empty table stats; then for each survey source it reads
--         that year's answer files with a typed read_csv and sums, per answer file and background
--         value (the leaf unit, kon, aldersgrupp, enkat, respondentgrupp), straight from the wide
--         rows, for every question column c:
--           y = answer_value(c, verbal, k)        (the macro below: null unless a valid answer)
--           n = count(y), sw = sum(w) and sw2 = sum(w^2) over rows with y, swx = sum(w y),
--           swx2 = sum(w y^2)                      (w = the row's weight, 1 without one)
--         and unpivots only those sums into stats (one row per question with n > 0);
--      b. `each year: cells`: every cell of the year from the sums, added to fct_measure_value;
--   3. `once: Kolada and the result`: Kolada's values, added to fct_measure_value.
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
    case when x between 1 and k then case when verbal then (x <= 2)::double else x::double end end;

-- a background value as the cells name it: a unit code trimmed (blank: no unit); any other
-- background value trimmed, a blank one its own group, 'Okänt'
create or replace temp macro unit_code(x) as nullif(trim(x), '');
create or replace temp macro group_value(x) as coalesce(nullif(trim(x), ''), 'Okänt');

-- ------------------------------------------------------------------ question catalogues
create or replace temp table question as
select row_number() over (order by source, year, kolumn)::integer as q,
       source, year, trim(kolumn) as kolumn, trim(matt) as matt,
       lower(replace(skala, ' ', '')) = 'verbal4' as verbal,
       case when lower(replace(skala, ' ', '')) = 'verbal4' then 4
            else split_part(replace(skala, ' ', ''), '-', 2)::integer end as k,
       nullif(replace(grupp, ' ', ''), '') as grupp
from catalogue;

-- the aggregate measures (a grupp code of a source and year) and their questions
create or replace temp table aggregate as
select row_number() over (order by source, year, code)::integer as a, source, year, code, count(*) as n_questions
from (select source, year, q, unnest(string_split(grupp, ',')) as code from question where grupp is not null)
where code <> ''
group by source, year, code;

create or replace temp table aggregate_question as
select g.a, x.q, g.n_questions
from (select source, year, q, unnest(string_split(grupp, ',')) as code from question where grupp is not null) x
join aggregate g on g.source = x.source and g.year = x.year and g.code = x.code;

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

-- the result: every year's survey cells (step 2b adds them), then Kolada's (step 3)
create or replace table fct_measure_value (
    measure_id varchar, kommunkod varchar, year integer, enhet varchar, group_type varchar,
    group_value varchar, value double, n_answers bigint, ci_low double, ci_high double, suppressed boolean);

-- @@ each year: answer sums @@
-- ------------------------------------------------------------------ answers -> sums
-- made by the runner (step 2), one insert per source of the year: the sums of one answer file and
-- background value (values as the macros above name them; two rows may share a key: every use
-- of stats below sums them)
create or replace temp table stats (
    q integer, kommunkod varchar, enhet varchar, kon varchar, aldersgrupp varchar, enkat varchar,
    respondentgrupp varchar, n bigint, sw double, swx double, swx2 double, sw2 double);

-- @@ each year: cells @@

-- ------------------------------------------------------------------ question cells
create or replace temp table question_cell as
with tree as (select * from closure where year = getvariable('year')),
unit_sums as (
    select q, kommunkod, enhet, sum(n) as n, sum(sw) as sw, sum(swx) as swx, sum(swx2) as swx2, sum(sw2) as sw2
    from stats where enhet is not null group by all
),
-- a cell's split (rule (b)) is (q, kommunkod, group_type, split): for a unit the children of its
-- parent (split = the parent's code), for a background group its variable (split = its name)
cells as (
    -- the whole municipality (enhet null): every respondent; in no split
    select q, kommunkod, null::varchar as enhet, 'total' as group_type, 'Totalt' as group_value, null::varchar as split,
           sum(n) as n, sum(sw) as sw, sum(swx) as swx, sum(swx2) as swx2, sum(sw2) as sw2
    from stats group by q, kommunkod
    union all
    -- every other unit, over its whole subtree: the unit sums rolled up the tree
    select s.q, s.kommunkod, c.ancestor, 'total', 'Totalt', c.ancestor_parent,
           sum(s.n), sum(s.sw), sum(s.swx), sum(s.swx2), sum(s.sw2)
    from unit_sums s join tree c on c.kommunkod = s.kommunkod and c.enhet = s.enhet
    group by s.q, s.kommunkod, c.ancestor, c.ancestor_parent
    union all
    -- background groups of the whole municipality
    select q, kommunkod, null, 'kon', kon, 'kon', sum(n), sum(sw), sum(swx), sum(swx2), sum(sw2)
    from stats where kon is not null group by q, kommunkod, kon
    union all
    select q, kommunkod, null, 'aldersgrupp', aldersgrupp, 'aldersgrupp', sum(n), sum(sw), sum(swx), sum(swx2), sum(sw2)
    from stats where aldersgrupp is not null group by q, kommunkod, aldersgrupp
    union all
    select q, kommunkod, null, 'enkat', enkat, 'enkat', sum(n), sum(sw), sum(swx), sum(swx2), sum(sw2)
    from stats where enkat is not null group by q, kommunkod, enkat
    union all
    select q, kommunkod, null, 'respondentgrupp', respondentgrupp, 'respondentgrupp', sum(n), sum(sw), sum(swx), sum(swx2), sum(sw2)
    from stats where respondentgrupp is not null group by q, kommunkod, respondentgrupp
),
stat as (
    select c.*, qq.verbal, qq.k, c.swx / c.sw as m, c.sw * c.sw / c.sw2 as n_eff
    from cells c join question qq on qq.q = c.q
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
    left join (select kommunkod, limit_n from limits where year = getvariable('year')) l on l.kommunkod = b.kommunkod
    left join (select kommunkod, enhet from unit where year = getvariable('year') and overordnad is null) r
           on r.kommunkod = b.kommunkod
),
-- the own group of each unit: respondents on the unit itself, in no child's cell
-- = the unit's n minus the n of its children (the cells whose split is its code)
children as (
    select q, kommunkod, split as unit_code, sum(n) as n
    from flagged where group_type = 'total' and split is not null group by all
),
own as (
    select f.q, f.kommunkod, f.unit_code, f.limit_n, f.n - coalesce(ch.n, 0) as own_n, ch.n is not null as has_children
    from flagged f
    left join children ch on ch.q = f.q and ch.kommunkod = f.kommunkod and ch.unit_code = f.unit_code
    where f.unit_code is not null
),
-- the members of every split: its cells, plus the unit's own group in a split of its children
-- (no member when its n is 0; hidden by (a) when 0 < n < limit). A unit without children has
-- no such split (its own group would be the split's only member, where rule (b) does nothing)
member as (
    select q, kommunkod, group_type, split, n, coalesce(enhet, group_value) as label, primary_suppressed as hidden
    from flagged where split is not null
    union all
    select q, kommunkod, 'total', unit_code, own_n, unit_code, own_n < limit_n
    from own where own_n > 0 and has_children
),
-- (b): in a split with exactly one member hidden by (a), the other member with the smallest n
-- (ties: lowest label in text order) is hidden too; when that is an own group nothing more is
split_rule as (
    select q, kommunkod, group_type, split,
           count(*) filter (where hidden) as n_hidden,
           arg_min(label, (n, label)) filter (where not hidden) as complement
    from member group by all
)
-- suppression, first pass
select f.q, f.kommunkod, f.enhet, f.group_type, f.group_value, f.split, f.n,
       f.value, f.ci_low, f.ci_high, f.limit_n, f.unit_code, o.own_n, o.has_children,
       f.primary_suppressed
       or coalesce(s.n_hidden = 1 and s.complement = coalesce(f.enhet, f.group_value), false) as suppressed
from flagged f
left join own o on o.q = f.q and o.kommunkod = f.kommunkod and o.unit_code = f.unit_code
left join split_rule s on s.q = f.q and s.kommunkod = f.kommunkod and s.group_type = f.group_type
                      and s.split = f.split;

-- ------------------------------------------------------------------ aggregate cells
create or replace temp table aggregate_cell as
with cells as (
    -- present only where every question of the group has a cell; n and the own group's n: the
    -- smallest over the group's questions
    select m.a, c.kommunkod, c.enhet, c.group_type, c.group_value, c.split, c.unit_code,
           min(c.n) as n, min(c.own_n) as own_n, bool_or(c.has_children) as has_children, avg(c.value) as value,
           bool_or(c.suppressed) as forced, min(c.limit_n) as limit_n
    from question_cell c join aggregate_question m on m.q = c.q
    group by all
    having count(*) = min(m.n_questions)
),
flagged as (select *, n < limit_n or forced as primary_suppressed from cells),
member as (
    select a, kommunkod, group_type, split, n, coalesce(enhet, group_value) as label, primary_suppressed as hidden
    from flagged where split is not null
    union all
    select a, kommunkod, 'total', unit_code, own_n, unit_code, own_n < limit_n
    from flagged where unit_code is not null and own_n > 0 and has_children
),
split_rule as (
    select a, kommunkod, group_type, split,
           count(*) filter (where hidden) as n_hidden,
           arg_min(label, (n, label)) filter (where not hidden) as complement
    from member group by all
)
-- suppression, second pass: the same rules over the aggregate cells
select f.a, f.kommunkod, f.enhet, f.group_type, f.group_value, f.n, f.value,
       f.primary_suppressed
       or coalesce(s.n_hidden = 1 and s.complement = coalesce(f.enhet, f.group_value), false) as suppressed
from flagged f
left join split_rule s on s.a = f.a and s.kommunkod = f.kommunkod and s.group_type = f.group_type
                      and s.split = f.split;

insert into fct_measure_value
select qq.source || '.' || qq.matt as measure_id, c.kommunkod, qq.year, c.enhet, c.group_type, c.group_value,
       case when c.suppressed then null else c.value end as value, c.n::bigint as n_answers,
       case when c.suppressed then null else c.ci_low end as ci_low,
       case when c.suppressed then null else c.ci_high end as ci_high, c.suppressed
from question_cell c join question qq on qq.q = c.q
union all
select g.source || '.' || g.code, c.kommunkod, g.year, c.enhet, c.group_type, c.group_value,
       case when c.suppressed then null else c.value end, c.n::bigint, null::double, null::double, c.suppressed
from aggregate_cell c join aggregate g on g.a = c.a;

-- @@ once: Kolada and the result @@

-- ------------------------------------------------------------------ Kolada
create or replace temp table kolada as
select 'kolada.' || e.kpi as measure_id, e.municipality as kommunkod, e.period as year,
       v.gender as gender, v."value" as value
from (select e, unnest(e."values") as v from (select unnest("values") as e from kolada_doc))
where e.kpi is not null
  and (getvariable('kolada_years') is null or list_contains(getvariable('kolada_years'), e.period));

-- ------------------------------------------------------------------ fct_measure_value
insert into fct_measure_value
select measure_id, kommunkod, year, null, case when gender = 'T' then 'total' else 'kon' end,
       case when gender = 'T' then 'Totalt' else gender end, value, null, null, null, false
from kolada
where gender in ('T', 'K', 'M');
