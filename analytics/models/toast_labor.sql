-- toast_labor: one row per live time entry, with its employee and job joined per restaurant.
-- Hours are Toast's (regular and overtime exclude unpaid breaks); break hours add up the breaks
-- taken (missed breaks excluded). labor_cost = hourly_wage x (regular_hours + overtime_multiplier
-- x overtime_hours), overtime_multiplier from toast_parameters; salaried jobs carry no hourly
-- wage: salaried is true and labor_cost null, never a silent zero.
WITH breaks AS (
    SELECT
        b.time_entry_id,
        sum(CASE WHEN b.paid THEN date_diff('second', b.in_date, b.out_date) ELSE 0 END)
            / 3600.0 AS paid_break_hours,
        sum(CASE WHEN b.paid THEN 0 ELSE date_diff('second', b.in_date, b.out_date) END)
            / 3600.0 AS unpaid_break_hours
    FROM break AS b
    JOIN time_entry AS te ON te.id = b.time_entry_id
    WHERE NOT b._fivetran_deleted
      AND b.time_entry_modified_date = te.modified_date  -- the entry's latest version
      AND NOT coalesce(b.missed, FALSE)
      AND b.out_date IS NOT NULL
    GROUP BY b.time_entry_id
)
SELECT
    te.restaurant_id,
    te.business_date,
    te.employee_reference_id AS employee_id,
    coalesce(e.chosen_name, e.first_name) || ' ' || e.last_name AS employee_name,
    te.job_reference_id AS job_id,
    j.title AS job_title,
    te.in_date,
    te.out_date,
    coalesce(te.regular_hours, 0) AS regular_hours,
    coalesce(te.overtime_hours, 0) AS overtime_hours,
    round(coalesce(br.paid_break_hours, 0), 4) AS paid_break_hours,
    round(coalesce(br.unpaid_break_hours, 0), 4) AS unpaid_break_hours,
    te.hourly_wage,
    round(
        te.hourly_wage * (
            coalesce(te.regular_hours, 0)
            + prm.overtime_multiplier * coalesce(te.overtime_hours, 0)
        ),
        2
    ) AS labor_cost,
    coalesce(j.wage_frequency = 'SALARY', FALSE) AS salaried,
    coalesce(j.exclude_from_reporting, FALSE) AS excluded_from_reporting,
    te.id AS time_entry_id
FROM time_entry AS te
CROSS JOIN toast_parameters AS prm
LEFT JOIN breaks AS br ON br.time_entry_id = te.id
LEFT JOIN employee AS e
    ON e.id = te.employee_reference_id AND e.restaurant_id = te.restaurant_id
LEFT JOIN job AS j ON j.id = te.job_reference_id AND j.restaurant_id = te.restaurant_id
WHERE NOT te._fivetran_deleted
