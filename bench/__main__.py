"""`make bench`: every benchmark in turn, each printing its figures against its measured limit."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

BENCHMARKS = [
    "ingest_bench",
    "media_bench",
    "audit_bench",
    "search_bench",
    "burst_bench",
    "load_bench",
    "retention_bench",
    "redaction_bench",
    "transcription_bench",
    "cad_bench",
]


def main() -> None:
    here = Path(__file__).resolve().parent
    sys.path.insert(0, str(here))
    wanted = sys.argv[1:] or BENCHMARKS
    for name in wanted:
        if not (here / f"{name}.py").exists():
            continue
        print(f"\n=== {name} ===", flush=True)
        module = importlib.import_module(name)
        saved, sys.argv = sys.argv, [name]
        try:
            module.main()
        finally:
            sys.argv = saved


if __name__ == "__main__":
    main()
