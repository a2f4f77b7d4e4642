-- toast_daily_sales: one row per restaurant and business date with live checks.
-- net_sales follows Toast's "Calculating net sales": the live checks' amount (selections after
-- item and check discounts, plus non-gratuity service charges), less gift card sales, house-account
-- payments, fundraising charges and excess-food orders. gross_sales and discounts add up the
-- counted lines (toast_order_lines); tips, the order's live payments; voided_*, voided lines.
WITH checks AS (
    SELECT
        restaurant_id,
        business_date,
        count(DISTINCT order_id) AS orders,
        count(*) AS checks,
        sum(CASE WHEN excess_food THEN 0 ELSE amount END) AS amount,
        sum(tax_amount) AS tax
    FROM toast_checks
    GROUP BY restaurant_id, business_date
),
guests AS (
    SELECT restaurant_id, business_date, sum(number_of_guests) AS guests
    FROM (SELECT DISTINCT restaurant_id, business_date, order_id, number_of_guests FROM toast_checks) AS o
    GROUP BY restaurant_id, business_date
),
lines AS (
    SELECT
        restaurant_id,
        business_date,
        sum(CASE WHEN in_net_sales THEN gross_amount ELSE 0 END) AS gross_sales,
        sum(CASE WHEN in_net_sales THEN discount_amount ELSE 0 END) AS discounts,
        sum(CASE WHEN NOT in_net_sales AND NOT excess_food THEN net_amount ELSE 0 END) AS excluded
    FROM toast_order_lines
    GROUP BY restaurant_id, business_date
),
charges AS (
    SELECT
        k.restaurant_id,
        k.business_date,
        sum(CASE WHEN NOT coalesce(sc.gratuity, FALSE) AND NOT k.excess_food
            AND coalesce(sc.service_charge_category, '') <> 'FUNDRAISING_CAMPAIGN'
            THEN sc.charge_amount ELSE 0 END) AS service_charges,
        sum(CASE WHEN NOT coalesce(sc.gratuity, FALSE) AND NOT k.excess_food
            AND sc.service_charge_category = 'FUNDRAISING_CAMPAIGN'
            THEN sc.charge_amount ELSE 0 END) AS fundraising,
        sum(CASE WHEN sc.gratuity THEN sc.charge_amount ELSE 0 END) AS gratuity
    FROM toast_checks AS k
    JOIN orders_check_applied_service_charge AS sc ON sc.orders_check_id = k.check_id
    WHERE NOT sc._fivetran_deleted
      AND sc.order_modified_date = k.order_modified_date
    GROUP BY k.restaurant_id, k.business_date
),
tips AS (
    SELECT restaurant_id, business_date, sum(tip_amount) AS tips
    FROM toast_payments
    WHERE NOT voided
    GROUP BY restaurant_id, business_date
),
voids AS (
    SELECT
        o.restaurant_id,
        o.business_date,
        sum(s.quantity) AS voided_items,
        sum(s.price) AS voided_amount
    FROM orders AS o
    JOIN orders_check AS c ON c.orders_id = o.id
    JOIN orders_check_selection AS s ON s.orders_check_id = c.id
    WHERE NOT o._fivetran_deleted
      AND NOT c._fivetran_deleted
      AND NOT s._fivetran_deleted
      AND c.order_modified_date = o.modified_date
      AND s.order_modified_date = o.modified_date
      AND (coalesce(o.voided, FALSE) OR coalesce(c.voided, FALSE) OR coalesce(s.voided, FALSE))
    GROUP BY o.restaurant_id, o.business_date
)
SELECT
    c.restaurant_id,
    c.business_date,
    c.orders,
    c.checks,
    coalesce(g.guests, 0) AS guests,
    round(coalesce(l.gross_sales, 0), 2) AS gross_sales,
    round(coalesce(l.discounts, 0), 2) AS discounts,
    round(
        c.amount - coalesce(l.excluded, 0) - coalesce(ch.fundraising, 0), 2
    ) AS net_sales,
    round(coalesce(ch.service_charges, 0), 2) AS service_charges,
    round(coalesce(ch.gratuity, 0), 2) AS gratuity,
    round(c.tax, 2) AS tax,
    round(coalesce(t.tips, 0), 2) AS tips,
    coalesce(v.voided_items, 0) AS voided_items,
    round(coalesce(v.voided_amount, 0), 2) AS voided_amount
FROM checks AS c
LEFT JOIN guests AS g ON g.restaurant_id = c.restaurant_id AND g.business_date = c.business_date
LEFT JOIN lines AS l ON l.restaurant_id = c.restaurant_id AND l.business_date = c.business_date
LEFT JOIN charges AS ch
    ON ch.restaurant_id = c.restaurant_id AND ch.business_date = c.business_date
LEFT JOIN tips AS t ON t.restaurant_id = c.restaurant_id AND t.business_date = c.business_date
LEFT JOIN voids AS v ON v.restaurant_id = c.restaurant_id AND v.business_date = c.business_date
