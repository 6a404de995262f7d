"""TEU of a simulated JSON-lines file, counted from its events: every ACTUAL ContainerEvent (discharged or
loaded) from a given time on, 1 TEU for a 20 ft box and 2 for a 40 or 45 ft one (bench/calibration_report.py's
rule, by the ISO size-type's length code).

    .venv/bin/python bench/year_teu.py FILE.jsonl 2024-05-01

A byte-level scan (no parsing: a simulated year is ~10 GB): it relies on the simulator's key order and
compact JSON, so use it on `baystream simulate --out` files only.
"""

from __future__ import annotations

import re
import sys

TEU_OF_LENGTH = {ord("2"): 1, ord("4"): 2, ord("L"): 2}
ISO_TYPE = re.compile(rb'"iso_type":"(.)')
EVENT_TIME = re.compile(rb'"event_time":"([^"]+)"')


def main() -> None:
    path, start = sys.argv[1], sys.argv[2].encode()
    teu = boxes = 0
    with open(path, "rb") as lines:
        for line in lines:
            if b'"type":"ContainerEvent"' not in line or b'"classifier":"ACTUAL"' not in line:
                continue
            when, iso = EVENT_TIME.search(line), ISO_TYPE.search(line)
            if when is None or iso is None or when.group(1) < start:
                continue
            teu += TEU_OF_LENGTH[iso.group(1)[0]]
            boxes += 1
    print(f"boxes {boxes:,} TEU {teu:,}")


if __name__ == "__main__":
    main()
