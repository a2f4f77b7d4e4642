-- toast_payments: one row per live payment: not deleted, linked by a check and order that are not
-- deleted (a voided check's payments stay, with their own void flag). Failed attempts (DENIED,
-- CANCELLED, ERROR...) moved no money and are left out. business_date is the order's;
-- paid_business_date and refund_business_date say when money moved.
WITH live_link AS (
    SELECT
        link.payment_id,
        min(link.orders_id) AS order_id,
        min(link.orders_check_id) AS check_id
    FROM orders_check_payment AS link
    JOIN orders_check AS c ON c.id = link.orders_check_id
    JOIN orders AS o ON o.id = c.orders_id
    WHERE NOT link._fivetran_deleted
      AND NOT c._fivetran_deleted
      AND NOT o._fivetran_deleted
      AND link.order_modified_date = o.modified_date
      AND c.order_modified_date = o.modified_date
    GROUP BY link.payment_id
)
SELECT
    p.restaurant_id,
    p.paid_business_date,
    p.id AS payment_id,
    k.order_id,
    k.check_id,
    p.type AS tender,
    CASE WHEN p.type = 'OTHER' THEN a.name ELSE p.card_type END AS tender_name,
    p.amount,
    coalesce(p.tip_amount, 0) AS tip_amount,
    coalesce(p.refund_refund_amount, 0) AS refund_amount,
    coalesce(p.refund_tip_refund_amount, 0) AS refund_tip_amount,
    p.refund_refund_business_date AS refund_business_date,
    (
        p.void_info_void_date IS NOT NULL
        OR coalesce(p.payment_status, '') IN ('VOIDED', 'PROCESSING_VOID')
    ) AS voided,
    p.business_date,
    p.payment_status,
    p.server_id,
    p.cash_drawer_id
FROM payment AS p
JOIN live_link AS k ON k.payment_id = p.id
LEFT JOIN alternate_payment_types AS a
    ON a.id = p.other_payment_id AND a.restaurant_id = p.restaurant_id
WHERE NOT p._fivetran_deleted
  AND coalesce(p.payment_status, '') NOT IN ('DENIED', 'CANCELLED', 'ERROR', 'ERROR_NETWORK')
