-- Survey answers, summed per group of respondents with the same background (grp, see
-- stg_survey__respondent_groups) and question column: the valid answers' count and the sums of
-- w, w a, w a^2, w over the answers 1-2 and w^2 (landed by the ingest: a is the answer code,
-- w is vikt, 1 where the file has none, as an exact decimal).
select source, year, grp, kolumn, n, sw, sw_answer, sw_answer2, sw_top2, sw2
from (
    {{ survey_rows('answer_sum') }}
) a
where {{ year_filter() }}
