{{ config(materialized='table', pre_hook=[]) }}
-- The 290 municipalities, the 21 regions (Kolada's 00 + county code) and 0000 Riket.
select kommunkod::varchar as kommunkod, kommun::varchar as kommun, lan::varchar as lan, 'kommun' as typ
from {{ ref('kommuner') }}
union all
select kod::varchar, region::varchar, region::varchar, 'region'
from {{ ref('regioner') }}
union all
select '0000', 'Riket', null, 'riket'
