class ReportNotAllowedError(Exception):
    """The citizen may not file this kind of report."""

    code = "report_not_allowed"
