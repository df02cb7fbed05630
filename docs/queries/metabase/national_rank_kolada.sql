-- The national ranking of a Kolada key figure (Metabase native query): every municipality with a
-- value, 1 = the highest, with Riket's value.
-- Variables: kpi (Text, e.g. kolada.U00200); year (Number, optional: without it, the key
-- figure's latest year).
select national_rank, kommun, lan, value, national_count, riket_value, year, measure_label
from marts.v_kolada_ranking
where measure_id = {{kpi}}
  and year = coalesce([[{{year}},]] (select max(year) from marts.v_kolada_ranking where measure_id = {{kpi}}))
order by national_rank, kommun
