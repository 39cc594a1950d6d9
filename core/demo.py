"""What a load of demo data did: the one piece every app's `demo.py` shares."""

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class DemoSummary:
    """What a run created and what it found already there, by kind of row."""

    created: Counter[str] = field(default_factory=Counter)
    existing: Counter[str] = field(default_factory=Counter)

    def count(self, kind: str, created: bool) -> None:
        (self.created if created else self.existing)[kind] += 1
