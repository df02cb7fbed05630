-- The build database's landing tables (schema raw) and the gate's bookkeeping (schema audit).
-- Written by the Dagster ingest assets, one year at a time; read by dbt's sources.
-- Survey answers land aggregated per group of respondents (below); none of it is published.
create schema if not exists raw;
create schema if not exists audit;

create table if not exists raw.organisation (
    year integer, kommunkod varchar, enhet varchar, namn varchar, overordnad varchar, typ varchar,
    _file varchar, _row bigint);

create table if not exists raw.question (
    source varchar, year integer, kolumn varchar, matt varchar, text varchar, skala varchar,
    grupp varchar, _file varchar, _row bigint);

-- A survey year lands aggregated, never respondent by respondent: the file rules check every
-- row of the answer files, and then each group of respondents with the same municipality, unit
-- and background (a cell, numbered grp within the source and year) lands as one row of
-- respondent_group, and its valid answers (codes 1..K of the question's scale) as one row per
-- (grp, question) of answer_sum: n, and the sums of w, w a, w a^2, w over the answers 1-2 and
-- w^2 (a = the answer code; w = vikt, 1 where the file has none, as an exact decimal so that
-- sums do not depend on the order of addition). No respondent id and no answer of one person
-- is kept.
create table if not exists raw.respondent_group (
    source varchar, year integer, grp integer, kommunkod varchar, enhet varchar, kon varchar,
    aldersgrupp varchar, enkat varchar, respondentgrupp varchar,
    respondents bigint, vikt_min double);

create table if not exists raw.answer_sum (
    source varchar, year integer, grp integer, kolumn varchar,
    n bigint, sw decimal(38, 10), sw_answer decimal(38, 10), sw_answer2 decimal(38, 10),
    sw_top2 decimal(38, 10), sw2 decimal(38, 20));

create table if not exists raw.kolada_value (
    year integer, kpi varchar, kommunkod varchar, gender varchar, value double,
    _file varchar, _row bigint);

create table if not exists raw.kpi (kpi varchar, title varchar, description varchar);

create table if not exists raw.goal_setting (
    year integer, kommunkod varchar, malkompass varchar[], jamforelsekommuner varchar[],
    minsta_antal_svar integer, _file varchar);

create table if not exists raw.band (
    year integer, kommunkod varchar, skala varchar, ordinal integer, fran double, etikett varchar);

create table if not exists raw.goal (
    year integer, kommunkod varchar, goal_id varchar, namn varchar, niva varchar, omrade varchar,
    enhet varchar, forelder varchar, ordinal integer, _row bigint);

create table if not exists raw.indicator (
    year integer, kommunkod varchar, goal_id varchar, indicator_id varchar, matt varchar,
    enhet varchar, malvarde double, riktning varchar, delvis_fran double, skala varchar,
    trendtolerans double, ordinal integer, _row bigint);

create table if not exists raw.activity (
    year integer, kommunkod varchar, goal_id varchar, activity_id varchar, namn varchar,
    locked boolean, status varchar, ordinal integer, _row bigint);

create table if not exists audit.issue (
    year integer, source varchar, file varchar, "row" bigint, "column" varchar, rule varchar,
    message varchar, severity varchar);

create table if not exists audit.year_gate (
    year integer primary key, passed boolean, checked_at timestamp, run_id varchar);

-- What each run does per year (pipelines/plan.py), and what each year's newest load was made
-- from: a year whose raw files and code are unchanged since a passed load is not loaded again.
create table if not exists audit.run_plan (
    run_id varchar, year integer, action varchar, reason varchar, raw_fingerprint varchar);

create table if not exists audit.load_state (
    year integer primary key, raw_fingerprint varchar, ingest_code varchar, dbt_code varchar,
    passed boolean, loaded_at timestamp);

-- Rows landed per (run, year, source), for the run's summary lines.
create table if not exists audit.landed (
    run_id varchar, year integer, source varchar, n bigint, seconds double);

-- Whether each year's newest dbt build passed (its models built, its tests passed).
create table if not exists audit.dbt_year (year integer primary key, passed boolean, run_id varchar);

-- The code and SQL of the dbt views as the last passed build that created them left them
-- (pipelines/dbt_views.py): while both are the same, a build need not create the views again.
create table if not exists audit.dbt_views (fingerprint varchar, views varchar);
