select year, kommunkod, malkompass, jamforelsekommuner, minsta_antal_svar
from {{ source('raw', 'goal_setting') }}
where {{ year_filter() }}
