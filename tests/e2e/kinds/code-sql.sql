-- Monthly revenue per region, with each month's share of the region's year.
WITH monthly AS (
    SELECT region,
           date_trunc('month', ordered_at) AS month,
           SUM(quantity * unit_price)      AS revenue
    FROM orders
    WHERE ordered_at >= DATE '2026-01-01'
    GROUP BY region, month
)
SELECT region,
       month,
       revenue,
       ROUND(100.0 * revenue / SUM(revenue) OVER (PARTITION BY region), 1) AS pct_of_year
FROM monthly
ORDER BY region, month;
