select year, kommunkod, enhet, namn, typ, overordnad
from {{ source('raw', 'organisation') }}
where {{ year_filter() }}
