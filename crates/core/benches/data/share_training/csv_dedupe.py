#!/usr/bin/env python3
"""Remove duplicate rows from a CSV file.

Uses only the standard library. Rows are compared on all columns by default,
or on a subset of columns with --key. Comparison can optionally ignore case
and surrounding whitespace.

Examples:
    python csv_dedupe.py contacts.csv -o contacts_clean.csv
    python csv_dedupe.py contacts.csv --key email --ignore-case
    python csv_dedupe.py orders.csv --key customer_id,date --keep last
    cat data.csv | python csv_dedupe.py - > clean.csv
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from collections import OrderedDict
from pathlib import Path
from typing import Iterable, TextIO


def normalize(value: str, ignore_case: bool, strip: bool) -> str:
    if strip:
        value = value.strip()
    if ignore_case:
        value = value.casefold()
    return value


def sniff_dialect(sample: str) -> type[csv.Dialect] | csv.Dialect:
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        return csv.excel


def open_input(path: str, encoding: str) -> TextIO:
    if path == "-":
        return io.TextIOWrapper(sys.stdin.buffer, encoding=encoding, newline="")
    return open(path, "r", encoding=encoding, newline="")


def resolve_key_columns(header: list[str], key: str | None) -> list[int]:
    if not key:
        return list(range(len(header)))
    wanted = [k.strip() for k in key.split(",") if k.strip()]
    lookup = {name.strip().casefold(): i for i, name in enumerate(header)}
    indices = []
    for name in wanted:
        if name.isdigit() and int(name) < len(header):
            indices.append(int(name))
            continue
        idx = lookup.get(name.casefold())
        if idx is None:
            raise SystemExit(
                f"error: column {name!r} not found. Available columns: {', '.join(header)}"
            )
        indices.append(idx)
    return indices


def dedupe(
    rows: Iterable[list[str]],
    key_cols: list[int],
    keep: str,
    ignore_case: bool,
    strip: bool,
) -> tuple[list[list[str]], int, dict[tuple, int]]:
    """Return (unique_rows, total_seen, duplicate_counts_by_key)."""
    seen: "OrderedDict[tuple, list[str]]" = OrderedDict()
    counts: dict[tuple, int] = {}
    total = 0

    for row in rows:
        if not any(cell.strip() for cell in row):
            continue  # skip blank lines
        total += 1
        padded = row + [""] * (max(key_cols, default=-1) + 1 - len(row))
        key = tuple(normalize(padded[i], ignore_case, strip) for i in key_cols)
        counts[key] = counts.get(key, 0) + 1
        if key not in seen:
            seen[key] = row
        elif keep == "last":
            seen[key] = row
            seen.move_to_end(key)

    dupes = {k: c for k, c in counts.items() if c > 1}
    return list(seen.values()), total, dupes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Remove duplicate rows from a CSV file.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("Examples:")[1] if __doc__ else None,
    )
    parser.add_argument("input", help="input CSV path, or - for stdin")
    parser.add_argument("-o", "--output", help="output path (default: stdout)")
    parser.add_argument("-k", "--key", help="comma-separated column names or indexes to compare on")
    parser.add_argument("--keep", choices=["first", "last"], default="first",
                        help="which occurrence of a duplicate to keep (default: first)")
    parser.add_argument("-i", "--ignore-case", action="store_true", help="case-insensitive comparison")
    parser.add_argument("--no-strip", action="store_true", help="do not trim whitespace before comparing")
    parser.add_argument("--no-header", action="store_true", help="treat the first row as data")
    parser.add_argument("--encoding", default="utf-8-sig", help="input encoding (default: utf-8-sig)")
    parser.add_argument("--report", action="store_true", help="print the most duplicated keys to stderr")
    parser.add_argument("-n", "--dry-run", action="store_true", help="only print statistics, write nothing")
    args = parser.parse_args(argv)

    if args.input != "-" and not Path(args.input).is_file():
        parser.error(f"input file not found: {args.input}")

    with open_input(args.input, args.encoding) as fh:
        text = fh.read()

    if not text.strip():
        print("input is empty", file=sys.stderr)
        return 1

    dialect = sniff_dialect(text[:8192])
    reader = csv.reader(io.StringIO(text), dialect)

    if args.no_header:
        header: list[str] = []
        rows = list(reader)
        width = max((len(r) for r in rows), default=0)
        key_cols = resolve_key_columns([str(i) for i in range(width)], args.key)
    else:
        header = next(reader)
        rows = list(reader)
        key_cols = resolve_key_columns(header, args.key)

    unique, total, dupes = dedupe(
        rows,
        key_cols,
        keep=args.keep,
        ignore_case=args.ignore_case,
        strip=not args.no_strip,
    )

    removed = total - len(unique)
    print(
        f"{total} rows read, {len(unique)} unique, {removed} duplicate"
        f"{'' if removed == 1 else 's'} removed",
        file=sys.stderr,
    )

    if args.report and dupes:
        print("\nMost duplicated keys:", file=sys.stderr)
        for key, count in sorted(dupes.items(), key=lambda kv: -kv[1])[:10]:
            print(f"  {count:>5} × {' | '.join(key)}", file=sys.stderr)

    if args.dry_run:
        return 0

    out: TextIO
    if args.output:
        if Path(args.output).resolve() == Path(args.input).resolve():
            parser.error("output path must differ from input path")
        out = open(args.output, "w", encoding="utf-8", newline="")
    else:
        out = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="")

    try:
        writer = csv.writer(out, dialect)
        if header:
            writer.writerow(header)
        writer.writerows(unique)
    finally:
        out.flush()
        if args.output:
            out.close()
        else:
            out.detach()

    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
