-- The national ranking of a Kolada key figure (Metabase native query): every municipality with a
-- value, 1 = the highest, with Riket's value.
-- Variables: kpi (Text, e.g. kolada.U00200); year (Number, optional: without it, the key
-- figure's latest year).
select v.national_rank, v.kommun, v.lan, v.value, v.national_count, v.riket_value, v.year, v.measure_label
from marts.v_kolada_ranking v
where v.measure_id = {{kpi}}
  and v.year = coalesce([[{{year}},]] (select max(r.year) from marts.v_kolada_ranking r where r.measure_id = v.measure_id))
order by v.national_rank, v.kommun
