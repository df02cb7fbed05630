-- Survey answers, counted per group of respondents with the same background (grp, see
-- stg_survey__respondent_groups), question column and answer code, with the sums of the
-- respondents' weights w and w^2 (landed by the ingest: w is vikt, 1 where the file has none,
-- as an exact decimal).
select source, year, grp, kolumn, answer, n, sw, sw2
from (
    {{ survey_rows('answer_count') }}
) a
where {{ year_filter() }}
