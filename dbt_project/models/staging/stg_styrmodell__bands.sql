select year, kommunkod, skala, ordinal, fran, etikett
from {{ source('raw', 'band') }}
where {{ year_filter() }}
