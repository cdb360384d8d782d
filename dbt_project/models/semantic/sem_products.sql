-- One row per product: its category.
select
    product_id,
    coalesce(category, 'unknown') as category
from {{ ref('stg_sales__products') }}
