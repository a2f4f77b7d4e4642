-- toast_checks: one row per live check (neither the check nor its order deleted or voided), with
-- the order's fields the other models need. Every model that reads orders starts here.
SELECT
    o.restaurant_id,
    o.business_date,
    o.id AS order_id,
    c.id AS check_id,
    o.modified_date AS order_modified_date,
    coalesce(o.excess_food, FALSE) AS excess_food,
    o.number_of_guests,
    o.server_id,
    o.dining_option_id,
    o.revenue_center_id,
    c.amount,
    c.tax_amount,
    c.total_amount
FROM orders AS o
JOIN orders_check AS c ON c.orders_id = o.id
WHERE NOT o._fivetran_deleted
  AND NOT coalesce(o.voided, FALSE)
  AND NOT c._fivetran_deleted
  AND NOT coalesce(c.voided, FALSE)
  -- the check as the order's latest version wrote it (older versions' rows are stale)
  AND c.order_modified_date = o.modified_date
