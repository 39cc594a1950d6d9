"""What the election code raises when a value from outside is wrong."""

from .group import InvalidValue


class RecordInvalid(ValueError):
    """A value of a ballot, a trustee's message or a record fails a check.

    ``path`` names the value the way the record's JSON does, for example
    ``ballots[17].ballot.answers[0].selections[1].proof``; ``reason`` says what is wrong in
    plain words. Ballots refused at casting raise it too (the path is then inside the ballot).
    """

    def __init__(self, path: str, reason: str):
        super().__init__(f"{path}: {reason}" if path else reason)
        self.path = path
        self.reason = reason


__all__ = ["InvalidValue", "RecordInvalid"]
