-- toast_labor_vs_sales: one row per restaurant and business date with sales or labor: Toast's net
-- sales and guests (toast_daily_sales) against the hours and cost of the day's live time entries
-- (toast_labor) of jobs not excluded from reporting. labor_hours: regular plus overtime, salaried
-- jobs included; labor_cost: hourly jobs only (a salary has no hourly wage), so salaried_hours
-- says how many hours it leaves out. labor_percent = 100 x labor_cost / net_sales;
-- sales_per_labor_hour = net_sales / labor_hours; both null when they would divide by zero, and
-- both from the exact cost (each entry's labor_cost is rounded to the cent; their sum is not).
WITH labor AS (
    SELECT
        l.restaurant_id,
        l.business_date,
        sum(l.regular_hours + l.overtime_hours) AS labor_hours,
        coalesce(
            sum(l.hourly_wage * (l.regular_hours + prm.overtime_multiplier * l.overtime_hours)),
            0
        ) AS labor_cost,
        sum(CASE WHEN l.salaried THEN l.regular_hours + l.overtime_hours ELSE 0 END)
            AS salaried_hours
    FROM toast_labor AS l
    CROSS JOIN toast_parameters AS prm
    WHERE NOT l.excluded_from_reporting
    GROUP BY l.restaurant_id, l.business_date
),
days AS (
    SELECT restaurant_id, business_date FROM toast_daily_sales
    UNION
    SELECT restaurant_id, business_date FROM labor
)
SELECT
    d.restaurant_id,
    d.business_date,
    coalesce(s.net_sales, 0) AS net_sales,
    round(coalesce(l.labor_hours, 0), 2) AS labor_hours,
    round(coalesce(l.labor_cost, 0), 2) AS labor_cost,
    round(100 * coalesce(l.labor_cost, 0) / nullif(s.net_sales, 0), 2) AS labor_percent,
    coalesce(s.guests, 0) AS guests,
    round(s.net_sales / nullif(l.labor_hours, 0), 2) AS sales_per_labor_hour,
    round(coalesce(l.salaried_hours, 0), 2) AS salaried_hours
FROM days AS d
LEFT JOIN toast_daily_sales AS s
    ON s.restaurant_id = d.restaurant_id AND s.business_date = d.business_date
LEFT JOIN labor AS l ON l.restaurant_id = d.restaurant_id AND l.business_date = d.business_date
