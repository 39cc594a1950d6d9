"""English as written in Canada's style guides: November 30, 2026, 2:05 p.m.

Only what people read is set here; the input formats stay Django's own for `en`.
"""

DATE_FORMAT = "F j, Y"  # November 30, 2026
TIME_FORMAT = "P"  # 2:05 p.m., 2 p.m., noon, midnight
DATETIME_FORMAT = "F j, Y, P"  # November 30, 2026, 2:05 p.m.
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "F j"
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d P"
FIRST_DAY_OF_WEEK = 0  # Sunday
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
