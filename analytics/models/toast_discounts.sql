-- toast_discounts: every applied discount once, item-level (selection_id set) and check-level
-- (selection_id null), on live checks and live, non-voided selections; loyalty rewards being
-- removed (processing_state VOID, PENDING_VOID) are left out. Triggers and combo items are not
-- joined: they would repeat a discount once per trigger. amount: the discount without the tax it
-- removed on tax-inclusive items (nonTaxDiscountAmount), as it reduces net sales.
SELECT
    k.restaurant_id,
    k.business_date,
    k.order_id,
    k.check_id,
    s.id AS selection_id,
    d.discount_id,
    coalesce(d.name, cfg.name) AS discount_name,
    coalesce(d.non_tax_discount_amount, d.discount_amount) AS amount,
    d.discount_amount,
    d.id AS applied_discount_id
FROM toast_checks AS k
JOIN orders_check_selection AS s ON s.orders_check_id = k.check_id
JOIN orders_check_selection_applied_discount AS d ON d.orders_check_selection_id = s.id
LEFT JOIN discounts AS cfg ON cfg.id = d.discount_id AND cfg.restaurant_id = k.restaurant_id
WHERE NOT s._fivetran_deleted
  AND s.order_modified_date = k.order_modified_date
  AND d.order_modified_date = k.order_modified_date
  AND NOT coalesce(s.voided, FALSE)
  AND NOT d._fivetran_deleted
  AND coalesce(d.processing_state, '') NOT IN ('VOID', 'PENDING_VOID')
UNION ALL
SELECT
    k.restaurant_id,
    k.business_date,
    k.order_id,
    k.check_id,
    NULL AS selection_id,
    d.discount_id,
    coalesce(d.name, cfg.name) AS discount_name,
    coalesce(d.non_tax_discount_amount, d.discount_amount) AS amount,
    d.discount_amount,
    d.id AS applied_discount_id
FROM toast_checks AS k
JOIN orders_check_applied_discount AS d ON d.orders_check_id = k.check_id
LEFT JOIN discounts AS cfg ON cfg.id = d.discount_id AND cfg.restaurant_id = k.restaurant_id
WHERE NOT d._fivetran_deleted
  AND d.order_modified_date = k.order_modified_date
  AND coalesce(d.processing_state, '') NOT IN ('VOID', 'PENDING_VOID')
