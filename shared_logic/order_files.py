"""The `parallel_files` pair's logic (the lesson's practice problem 2): a folder of daily order
files, each summarised on its own, in parallel, and the summaries combined into totals per country.

The input is generated, not downloaded: `list_order_files` writes the lab's demo files into the
folder when they are missing or changed (the same bytes every time, from `extract_orders`), so
every run and both orchestrators read identical input. Other CSV files in the folder are processed
too.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterable
from pathlib import Path

from shared_logic.orders import extract_orders, transform_orders
from shared_logic.warehouse import Column, Fingerprint, check_orchestrator, fingerprint_rows, load_rows, warehouse_dsn
from shared_logic.work_clock import measured

__all__ = [
    "COUNTRY_TOTALS_COLUMNS",
    "DEMO_DAYS",
    "combine_summaries",
    "demo_files",
    "expected_parallel_files",
    "list_order_files",
    "load_country_totals",
    "summarise_order_file",
]

DEMO_DAYS = 8  # files the demo folder holds: one per day
_ROWS_PER_FILE = 60
_RAW_FIELDS = ("order_id", "order_date", "customer_email", "country", "quantity", "unit_price")
_INTEGER = re.compile(r"[+-]?\d+")
TOTALS_TABLE = "parallel_files"
COUNTRY_TOTALS_COLUMNS: tuple[Column, ...] = (
    ("country", "CHAR(2) PRIMARY KEY"),
    ("files", "INTEGER NOT NULL"),
    ("orders", "INTEGER NOT NULL"),
    ("total_cents", "BIGINT NOT NULL"),
)


def demo_files() -> dict[str, str]:
    """File name -> CSV text of the demo input: dirty raw orders, one file per day."""
    files = {}
    for day in range(1, DEMO_DAYS + 1):
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=_RAW_FIELDS, lineterminator="\n")
        writer.writeheader()
        for row in extract_orders(_ROWS_PER_FILE, seed=1000 + day):
            writer.writerow(row | {"order_id": f"D{day:02d}-{row['order_id']}"})  # unique across files
        files[f"orders-day{day:02d}.csv"] = out.getvalue()
    return files


def _write_if_different(path: Path, text: str) -> None:
    """Write atomically, and only when needed: concurrent runs may share the folder."""
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


@measured
def list_order_files(folder: str) -> list[str]:
    """Paths of the folder's CSV files, sorted, after writing the demo files that are missing."""
    if not folder:
        raise ValueError("folder is empty: give a folder path, e.g. /tmp/lab-parallel-files")
    root = Path(folder)
    try:
        root.mkdir(parents=True, exist_ok=True)
        for name, text in demo_files().items():
            _write_if_different(root / name, text)
    except OSError as exc:
        raise OSError(f"cannot write the demo order files into {root}: {exc}. "
                      "Pass a folder you can write to as the `folder` parameter.") from exc
    return [str(path) for path in sorted(root.glob("*.csv"))]


def _parse(row: dict) -> dict:
    """CSV gives text: quantities back to ints where they are integers, empty emails to None."""
    quantity = (row.get("quantity") or "").strip()
    return row | {
        "quantity": int(quantity) if _INTEGER.fullmatch(quantity) else None,
        "customer_email": row.get("customer_email") or None,
    }


def _summarise(lines: Iterable[str]) -> list[dict]:
    orders = transform_orders([_parse(row) for row in csv.DictReader(lines)])
    totals: dict[str, dict] = {}
    for order in orders:
        total = totals.setdefault(order["country"], {"country": order["country"], "files": 1, "orders": 0,
                                                     "total_cents": 0})
        total["orders"] += 1
        total["total_cents"] += order["total_cents"]
    return sorted(totals.values(), key=lambda row: row["country"])


@measured
def summarise_order_file(path: str) -> list[dict]:
    """Clean one file's orders and total them per country: one partial row per country."""
    with open(path, newline="", encoding="utf-8") as handle:
        return _summarise(handle)


@measured
def combine_summaries(summaries: Iterable[list[dict]]) -> list[dict]:
    """Add the per-file partials up per country (`files`: how many files had orders from it)."""
    combined: dict[str, dict] = {}
    for summary in summaries:
        for part in summary:
            total = combined.setdefault(part["country"], {"country": part["country"], "files": 0, "orders": 0,
                                                          "total_cents": 0})
            for key in ("files", "orders", "total_cents"):
                total[key] += part[key]
    return sorted(combined.values(), key=lambda row: row["country"])


@measured
def load_country_totals(rows: list[dict], *, orchestrator: str) -> int:
    """Replace `<orchestrator>.parallel_files` with the combined totals; returns the row count."""
    return load_rows(warehouse_dsn(), check_orchestrator(orchestrator), TOTALS_TABLE, COUNTRY_TOTALS_COLUMNS, rows)


def expected_parallel_files(folder: str = "/tmp/lab-parallel-files") -> Fingerprint:
    """The totals a correct run leaves: from the folder's CSV files if it has any, else the demo files.

    Reads, never writes: the runs created the demo files, and where the folder is not visible
    (another machine, a container) the demo files are exactly what the runs found or wrote.
    """
    paths = sorted(Path(folder).glob("*.csv")) if folder else []
    if paths:
        summaries = [summarise_order_file(str(path)) for path in paths]
    else:
        summaries = [_summarise(io.StringIO(text, newline="")) for text in demo_files().values()]
    return fingerprint_rows(COUNTRY_TOTALS_COLUMNS, combine_summaries(summaries))

