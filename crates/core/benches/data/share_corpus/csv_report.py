"""Summarise a CSV of bank transactions into a monthly spending report.

Usage:
    python csv_report.py transactions.csv --month 2024-05 [--budget budget.json] [--top 10]

The CSV needs the columns date (YYYY-MM-DD), description, amount (negative for spending) and,
optionally, category. Rows without a category are classified with simple keyword rules.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

RULES: list[tuple[str, re.Pattern[str]]] = [
    ("Groceries", re.compile(r"\b(lidl|aldi|tesco|rewe|carrefour|grocer|market)\b", re.I)),
    ("Transport", re.compile(r"\b(uber|bolt|metro|rail|train|bus|fuel|shell|bp)\b", re.I)),
    ("Eating out", re.compile(r"\b(cafe|coffee|restaurant|pizza|sushi|deliveroo|wolt)\b", re.I)),
    ("Housing", re.compile(r"\b(rent|mortgage|electric|water|gas bill|internet)\b", re.I)),
    ("Subscriptions", re.compile(r"\b(netflix|spotify|icloud|dropbox|github|patreon)\b", re.I)),
    ("Health", re.compile(r"\b(pharmacy|apotheke|dentist|gym|clinic)\b", re.I)),
]


@dataclass(frozen=True)
class Transaction:
    day: date
    description: str
    amount: Decimal
    category: str


def classify(description: str) -> str:
    for name, pattern in RULES:
        if pattern.search(description):
            return name
    return "Other"


def parse_amount(text: str) -> Decimal:
    cleaned = text.strip().replace("\u2212", "-").replace(" ", "")
    # Accept both 1,234.56 and 1.234,56.
    if re.fullmatch(r"-?\d{1,3}(\.\d{3})*,\d{2}", cleaned):
        cleaned = cleaned.replace(".", "").replace(",", ".")
    else:
        cleaned = cleaned.replace(",", "")
    try:
        return Decimal(cleaned)
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {text!r}") from exc


def read_transactions(path: Path) -> list[Transaction]:
    out: list[Transaction] = []
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = {"date", "description", "amount"} - set(reader.fieldnames or [])
        if missing:
            raise SystemExit(f"{path}: missing column(s): {', '.join(sorted(missing))}")
        for line, row in enumerate(reader, start=2):
            try:
                day = datetime.strptime(row["date"].strip(), "%Y-%m-%d").date()
                amount = parse_amount(row["amount"])
            except ValueError as exc:
                print(f"{path}:{line}: skipped ({exc})", file=sys.stderr)
                continue
            category = (row.get("category") or "").strip() or classify(row["description"])
            out.append(Transaction(day, row["description"].strip(), amount, category))
    return out


def bar(fraction: float, width: int = 30) -> str:
    filled = round(max(0.0, min(1.0, fraction)) * width)
    return "█" * filled + "·" * (width - filled)


def report(transactions: list[Transaction], month: str, budget: dict[str, float], top: int) -> str:
    selected = [t for t in transactions if t.day.strftime("%Y-%m") == month]
    if not selected:
        return f"No transactions in {month}.\n"
    spending = [t for t in selected if t.amount < 0]
    income = sum((t.amount for t in selected if t.amount > 0), Decimal(0))
    by_category: dict[str, Decimal] = defaultdict(Decimal)
    for t in spending:
        by_category[t.category] += -t.amount
    total = sum(by_category.values(), Decimal(0))

    lines = [f"Spending report for {month}", "=" * 40, ""]
    lines.append(f"Income:   {income:>12,.2f}")
    lines.append(f"Spending: {total:>12,.2f}")
    lines.append(f"Balance:  {income - total:>12,.2f}")
    lines.append("")
    lines.append(f"{'Category':<15}{'Spent':>11}  {'Budget':>9}  Share")
    for name, spent in sorted(by_category.items(), key=lambda kv: kv[1], reverse=True):
        limit = budget.get(name)
        share = float(spent / total) if total else 0.0
        flag = " (over!)" if limit is not None and spent > Decimal(str(limit)) else ""
        limit_text = f"{limit:>9,.0f}" if limit is not None else " " * 9
        lines.append(f"{name:<15}{spent:>11,.2f}  {limit_text}  {bar(share)} {share:5.1%}{flag}")
    lines.append("")
    lines.append(f"Largest {top} expenses:")
    for t in sorted(spending, key=lambda t: t.amount)[:top]:
        lines.append(f"  {t.day:%d %b}  {-t.amount:>10,.2f}  {t.description[:40]}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", type=Path)
    parser.add_argument("--month", default=date.today().strftime("%Y-%m"))
    parser.add_argument("--budget", type=Path, help="JSON object of category -> monthly limit")
    parser.add_argument("--top", type=int, default=10)
    args = parser.parse_args(argv)

    budget = json.loads(args.budget.read_text()) if args.budget else {}
    sys.stdout.write(report(read_transactions(args.csv), args.month, budget, args.top))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
