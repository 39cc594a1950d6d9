"""Run every benchmark in bench/ and print one table of figures.

Benchmarks measure; they never fail a build on time. Each module `bench_*.py` defines
`run() -> list[tuple[str, float, str]]` (name, value, unit).
"""

import importlib
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    import django

    django.setup()
    rows: list[tuple[str, float, str]] = []
    for path in sorted((ROOT / "bench").glob("bench_*.py")):
        module = importlib.import_module(f"bench.{path.stem}")
        rows.extend(module.run())
    print(f"{'benchmark':<48} {'value':>12}  unit")
    print("-" * 72)
    for name, value, unit in rows:
        print(f"{name:<48} {value:>12,.1f}  {unit}")
    if not rows:
        print("(no benchmarks yet)")


if __name__ == "__main__":
    main()
