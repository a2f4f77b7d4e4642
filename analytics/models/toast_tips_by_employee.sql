-- toast_tips_by_employee: per restaurant, business date and employee: the tips on live payments
-- of the orders the employee served (the order's server), the gratuity service charges on those
-- orders' live checks, and the cash tips the employee declared on their time entries.
WITH parts AS (
    SELECT p.restaurant_id, p.business_date, o.server_id AS employee_id,
        p.tip_amount AS tips, 0 AS gratuity, 0 AS declared_cash_tips
    FROM toast_payments AS p
    JOIN orders AS o ON o.id = p.order_id
    WHERE NOT p.voided
    UNION ALL
    SELECT k.restaurant_id, k.business_date, k.server_id, 0, sc.charge_amount, 0
    FROM toast_checks AS k
    JOIN orders_check_applied_service_charge AS sc ON sc.orders_check_id = k.check_id
    WHERE NOT sc._fivetran_deleted AND sc.gratuity
        AND sc.order_modified_date = k.order_modified_date
    UNION ALL
    SELECT restaurant_id, business_date, employee_reference_id, 0, 0,
        coalesce(declared_cash_tips, 0)
    FROM time_entry
    WHERE NOT _fivetran_deleted
)
SELECT
    t.restaurant_id,
    t.business_date,
    t.employee_id,
    coalesce(e.chosen_name, e.first_name) || ' ' || e.last_name AS employee_name,
    round(sum(t.tips), 2) AS tips,
    round(sum(t.gratuity), 2) AS gratuity,
    round(sum(t.declared_cash_tips), 2) AS declared_cash_tips
FROM parts AS t
LEFT JOIN employee AS e ON e.id = t.employee_id AND e.restaurant_id = t.restaurant_id
GROUP BY t.restaurant_id, t.business_date, t.employee_id, e.chosen_name, e.first_name, e.last_name
