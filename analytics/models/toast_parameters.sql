-- toast_parameters: the models' assumptions, one row. Edit a value here and apply the models again.
-- overtime_multiplier: overtime hours cost this many times the hourly wage (Toast's time entries
-- carry no multiplier; 1.5 is the US federal rule, set your own).
SELECT CAST(1.5 AS DOUBLE) AS overtime_multiplier
