{{ config(materialized='table', pre_hook=[]) }}
-- The Swedish display label of every code (seed code_labels, the one place); the views join it
-- through macros/labels.sql, and a BI tool may join it to any table.
select domain::varchar as domain, code::varchar as code, label::varchar as label, sort_order::integer as sort_order
from {{ ref('code_labels') }}
