-- toast_order_lines: one row per live, non-voided item selection of a live check, with its menu
-- names joined per restaurant. item_name is the name it was sold under (displayName);
-- menu_item_name, the menu item's name now. Amounts exclude tax; modifiers are inside their item's amounts.
-- gross_amount: preDiscountPrice; net_amount: price (after item and check discounts);
-- in_net_sales: false for gift card sales (deferred), house-account payments and excess food.
SELECT
    k.restaurant_id,
    k.business_date,
    k.order_id,
    k.check_id,
    s.id AS selection_id,
    s.item_id,
    coalesce(s.display_name, i.name) AS item_name,
    g.name AS menu_group_name,
    sc.name AS sales_category_name,
    d.behavior AS dining_option_behavior,
    rc.name AS revenue_center_name,
    s.quantity,
    s.pre_discount_price AS gross_amount,
    round(s.pre_discount_price - s.price, 2) AS discount_amount,
    s.price AS net_amount,
    s.tax AS tax_amount,
    coalesce(s.deferred, FALSE) AS deferred,
    NOT (
        coalesce(s.deferred, FALSE)
        OR coalesce(s.selection_type, '') = 'HOUSE_ACCOUNT_PAY_BALANCE'
        OR k.excess_food
    ) AS in_net_sales,
    k.excess_food,
    s.selection_type,
    i.name AS menu_item_name
FROM toast_checks AS k
JOIN orders_check_selection AS s ON s.orders_check_id = k.check_id
LEFT JOIN menu_item AS i ON i.id = s.item_id AND i.restaurant_id = k.restaurant_id
LEFT JOIN menu_group AS g ON g.id = s.item_group_id AND g.restaurant_id = k.restaurant_id
LEFT JOIN sale_category AS sc
    ON sc.id = s.sales_category_id AND sc.restaurant_id = k.restaurant_id
LEFT JOIN dining_option AS d
    ON d.id = coalesce(s.dining_option_id, k.dining_option_id) AND d.restaurant_id = k.restaurant_id
LEFT JOIN revenue_center AS rc
    ON rc.id = k.revenue_center_id AND rc.restaurant_id = k.restaurant_id
WHERE NOT s._fivetran_deleted
  AND s.order_modified_date = k.order_modified_date
  AND NOT coalesce(s.voided, FALSE)
