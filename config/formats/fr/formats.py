"""French as written in Québec (Office québécois de la langue française): 30 novembre 2026,
14 h 05 (never 14:05), 2026-11-30 for short dates, 1 234,50 with non-breaking spaces.

Only what people read is set here; the input formats stay Django's own for `fr`, which
FORMAT_MODULE_PATH falls back to.
"""

DATE_FORMAT = "j F Y"  # 30 novembre 2026
TIME_FORMAT = "G\u00a0\\h\u00a0i"  # 14 h 05, 9 h 05
DATETIME_FORMAT = "j F Y à G\u00a0\\h\u00a0i"  # 30 novembre 2026 à 14 h 05
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d G\u00a0\\h\u00a0i"
FIRST_DAY_OF_WEEK = 0  # dimanche, as Québec's calendars show it
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "\u00a0"
NUMBER_GROUPING = 3
