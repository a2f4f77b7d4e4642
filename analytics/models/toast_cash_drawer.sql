-- toast_cash_drawer: cash drawer activity. row_type DRAWER: one row per restaurant, business date
-- and cash drawer: its cash entries (entries: how many, NO_SALE opens included), cash moved by
-- kind (positive in, negative out; an UNDO_PAY_OUT adds back the pay-out it undoes), the live
-- cash payments taken into it (amount on the day paid, less its refund on the day refunded; a
-- cash tip is not counted: the server keeps it and declares it at clock-out, time entries'
-- declaredCashTips, and a drawer pays out only non-cash tips, TIP_OUT, per Toast's cash
-- management guide) and the drop (collected, from CASH_COLLECTED). over_short = collected less what the drawer
-- should hold (cash_in + cash_payments + pay_outs + tip_outs + other_entries): negative is
-- short; null while the drawer was not collected that day. Close-out counts (CLOSE_OUT_*) record
-- a count, not a movement: counted in entries only. row_type DEPOSIT: one row per restaurant and
-- business date with deposits or drops (cash_drawer_id null: deposits name no drawer): deposits
-- (a deposit that undoes another subtracts it) and over_short = deposits less the day's drops.
WITH entries AS (
    SELECT
        restaurant_id,
        business_date,
        cash_drawer_id,
        count(*) AS entries,
        sum(CASE WHEN type = 'CASH_IN' THEN amount ELSE 0 END) AS cash_in,
        sum(CASE WHEN type IN ('PAY_OUT', 'UNDO_PAY_OUT') THEN amount ELSE 0 END) AS pay_outs,
        sum(CASE WHEN type = 'TIP_OUT' THEN amount ELSE 0 END) AS tip_outs,
        sum(CASE WHEN type IN ('CASH_IN', 'PAY_OUT', 'UNDO_PAY_OUT', 'TIP_OUT', 'CASH_COLLECTED')
            OR type LIKE 'CLOSE_OUT%' THEN 0 ELSE amount END) AS other_entries,
        -sum(CASE WHEN type = 'CASH_COLLECTED' THEN amount ELSE 0 END) AS collected,
        count(CASE WHEN type = 'CASH_COLLECTED' THEN 1 END) AS drops
    FROM cash_entry
    WHERE NOT _fivetran_deleted
    GROUP BY restaurant_id, business_date, cash_drawer_id
),
cash_moves AS (
    SELECT restaurant_id, paid_business_date AS business_date, cash_drawer_id, amount AS cash
    FROM toast_payments
    WHERE tender = 'CASH' AND NOT voided
    UNION ALL
    SELECT restaurant_id, refund_business_date, cash_drawer_id, -refund_amount
    FROM toast_payments
    WHERE tender = 'CASH' AND NOT voided AND refund_business_date IS NOT NULL
),
cash_payments AS (
    SELECT restaurant_id, business_date, cash_drawer_id, sum(cash) AS cash_payments
    FROM cash_moves
    GROUP BY restaurant_id, business_date, cash_drawer_id
),
drawers AS (
    SELECT
        coalesce(e.restaurant_id, p.restaurant_id) AS restaurant_id,
        coalesce(e.business_date, p.business_date) AS business_date,
        coalesce(e.cash_drawer_id, p.cash_drawer_id) AS cash_drawer_id,
        coalesce(e.entries, 0) AS entries,
        coalesce(e.cash_in, 0) AS cash_in,
        coalesce(p.cash_payments, 0) AS cash_payments,
        coalesce(e.pay_outs, 0) AS pay_outs,
        coalesce(e.tip_outs, 0) AS tip_outs,
        coalesce(e.other_entries, 0) AS other_entries,
        coalesce(e.collected, 0) AS collected,
        coalesce(e.drops, 0) AS drops
    FROM entries AS e
    FULL JOIN cash_payments AS p
        ON p.restaurant_id = e.restaurant_id
        AND p.business_date = e.business_date
        AND p.cash_drawer_id IS NOT DISTINCT FROM e.cash_drawer_id
),
deposits AS (
    SELECT
        restaurant_id,
        business_date,
        count(*) AS entries,
        sum(CASE WHEN undoes IS NULL THEN amount ELSE -amount END) AS deposits
    FROM cash_deposit
    WHERE NOT _fivetran_deleted
    GROUP BY restaurant_id, business_date
),
drops AS (
    SELECT restaurant_id, business_date, sum(collected) AS collected
    FROM drawers
    GROUP BY restaurant_id, business_date
)
SELECT
    d.restaurant_id,
    d.business_date,
    'DRAWER' AS row_type,
    d.cash_drawer_id,
    cd.name AS cash_drawer_name,
    d.entries,
    round(d.cash_in, 2) AS cash_in,
    round(d.cash_payments, 2) AS cash_payments,
    round(d.pay_outs, 2) AS pay_outs,
    round(d.tip_outs, 2) AS tip_outs,
    round(d.other_entries, 2) AS other_entries,
    round(d.collected, 2) AS collected,
    CAST(NULL AS DOUBLE) AS deposits,
    CASE WHEN d.drops > 0 THEN round(
        d.collected - (d.cash_in + d.cash_payments + d.pay_outs + d.tip_outs + d.other_entries), 2
    ) END AS over_short
FROM drawers AS d
LEFT JOIN cash_drawer AS cd ON cd.id = d.cash_drawer_id AND cd.restaurant_id = d.restaurant_id
UNION ALL
SELECT
    coalesce(dp.restaurant_id, dr.restaurant_id),
    coalesce(dp.business_date, dr.business_date),
    'DEPOSIT',
    CAST(NULL AS VARCHAR),
    CAST(NULL AS VARCHAR),
    coalesce(dp.entries, 0),
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
    round(coalesce(dp.deposits, 0), 2),
    round(coalesce(dp.deposits, 0) - coalesce(dr.collected, 0), 2)
FROM deposits AS dp
FULL JOIN drops AS dr ON dr.restaurant_id = dp.restaurant_id AND dr.business_date = dp.business_date
