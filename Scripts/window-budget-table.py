#!/usr/bin/env python3
"""Reads recurrent JSON Lines (dni train|compare --task copy --json) and prints, for every run,
its state after WINDOW windows: the report line at that window (max_length_solved, the error
at the current length). Training does not depend on --steps, so a run's report at window W is
the same as the end of a run with --steps W (tested: probes and reports do not change training).

Usage: Scripts/window-budget-table.py WINDOW FILE.jsonl...
"""
import json
import re
import sys


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    window = int(sys.argv[1])
    rows = []
    for path in sys.argv[2:]:
        with open(path) as lines:
            for line in lines:
                record = json.loads(line)
                if record.get("event") != "report" or record.get("window") != window:
                    continue
                name = record["method"] + ("+aux" if record.get("auxiliary") else "")
                # `dni train` does not tag its lines with the seed; Scripts/copy-table.sh names the
                # file after it (…-s3.jsonl).
                seed = record.get("seed")
                if seed is None:
                    match = re.search(r"-s(\d+)\.jsonl$", path)
                    seed = int(match.group(1)) if match else "-"
                rows.append((name, record.get("truncation"), seed, record["max_length_solved"],
                             record["progress"], record["seconds"]))
    if not rows:
        sys.exit(f"no report line at window {window}")
    print(f"after {window} windows")
    print(f"{'method':10s} {'T':>2s} {'seed':>4s} {'max_length_solved':>17s}  progress")
    for name, truncation, seed, solved, progress, _ in sorted(rows, key=lambda row: (row[0], row[1], str(row[2]))):
        print(f"{name:10s} {truncation:>2} {seed:>4} {solved:>17}  {progress}")
    methods = sorted({(row[0], row[1]) for row in rows})
    for name, truncation in methods:
        values = [row[3] for row in rows if (row[0], row[1]) == (name, truncation)]
        print(f"{name} T={truncation}: mean max_length_solved {sum(values) / len(values):.2f} over {len(values)} seeds")


if __name__ == "__main__":
    main()
