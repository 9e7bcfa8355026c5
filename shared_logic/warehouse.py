"""The warehouse side of every pipeline: idempotent loads and order-independent fingerprints.

psycopg2 is imported inside the functions so that importing `shared_logic`
(which the Airflow DAG processor does on every parse) stays cheap.

A fingerprint is ``{"rows": n, "sha256": hex}``: the SHA-256 of the sorted
canonical lines of the table, one line per row, each line the JSON list of the
row's values as text in column order (NULL -> null). Postgres casts every
column to text, Python calls `str` on ints and keeps strings, so the same data
gives the same hash whether read back from the database or computed from the
rows in memory, in whatever order the rows were loaded.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TypedDict

__all__ = [
    "DSN_ENV_VAR",
    "ORCHESTRATORS",
    "Column",
    "Fingerprint",
    "TableMissingError",
    "WarehouseError",
    "WarehouseNotConfiguredError",
    "check_orchestrator",
    "fingerprint",
    "fingerprint_rows",
    "load_rows",
    "warehouse_dsn",
]

DSN_ENV_VAR = "LAB_WAREHOUSE_DSN"
# Each orchestrator loads into the schema of its own name.
ORCHESTRATORS = ("airflow", "prefect")

Column = tuple[str, str]  # (column name, SQL type and constraints)


class Fingerprint(TypedDict):
    rows: int
    sha256: str


class WarehouseError(RuntimeError):
    """Base class of the warehouse failures a user can fix; the message says how."""


class WarehouseNotConfiguredError(WarehouseError):
    """LAB_WAREHOUSE_DSN is missing."""


class TableMissingError(WarehouseError):
    """The table to fingerprint has never been loaded."""


def warehouse_dsn() -> str:
    """Return the warehouse DSN the lab gives every Airflow and Prefect process.

    Pipeline files never read the environment themselves; their tasks go
    through here, so the one place that knows the variable is this one. In docker compose the
    variable names a file instead (`LAB_WAREHOUSE_DSN_FILE`, as the postgres image reads its own).
    """
    dsn = os.environ.get(DSN_ENV_VAR, "").strip()
    if not dsn and (path := os.environ.get(f"{DSN_ENV_VAR}_FILE")):
        try:
            dsn = Path(path).read_text().strip()
        except OSError as exc:
            raise WarehouseNotConfiguredError(
                f"{DSN_ENV_VAR}_FILE={path} cannot be read ({exc.strerror}): the lab-secrets job writes it; "
                "check its log with `docker compose logs lab-secrets`") from exc
    if not dsn:
        raise WarehouseNotConfiguredError(
            f"{DSN_ENV_VAR} is not set. The lab sets it for every Airflow and Prefect process; "
            f"when running by hand, export {DSN_ENV_VAR}=postgresql://USER:PASSWORD@HOST:5432/DB"
        )
    return dsn


#: The benchmark's plain-Python baseline calls the same load functions, into a schema of its own.
BASELINE = "baseline"


def check_orchestrator(orchestrator: str) -> str:
    """Return `orchestrator` if it names a known output schema, else raise ValueError."""
    if orchestrator not in (*ORCHESTRATORS, BASELINE):
        raise ValueError(f"orchestrator must be one of {ORCHESTRATORS}, got {orchestrator!r}")
    return orchestrator


def load_rows(dsn: str, schema: str, table: str, columns: Sequence[Column], rows: Iterable[dict], *,
              partition: tuple[str, str] | None = None, batches: int = 1, pause_s: float = 0.0) -> int:
    """Replace the content of `schema.table` with `rows` in one transaction; returns the count.

    Creating the table if missing and DELETE + INSERT in a single transaction
    makes a load idempotent (a retry or a rerun never duplicates rows) and
    atomic (a crash mid-load leaves the previous content, never a partial one).
    With `partition=(column, value)` only the rows whose `column` equals `value` are
    replaced: several loads (e.g. one per source) then share one table. `batches` and `pause_s`
    spread the inserts over time, still in the one transaction, as a large load is: the lab's
    fault scenarios kill processes in that window.
    """
    import psycopg2
    from psycopg2 import sql
    from psycopg2.extras import execute_values

    names = [name for name, _ in columns]
    values = [tuple(row[name] for name in names) for row in rows]
    if partition is not None and any(value[names.index(partition[0])] != partition[1] for value in values):
        raise ValueError(f"every row loaded into partition {partition[0]}={partition[1]!r} must have that value")
    target = sql.Identifier(schema, table)
    conn = psycopg2.connect(dsn, connect_timeout=10)
    try:
        with conn, conn.cursor() as cur:  # `with conn`: commit on success, roll back on error
            # Serialise concurrent loads of the same table (CREATE ... IF NOT EXISTS can race).
            cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"{schema}.{table}",))
            cur.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
            cur.execute(
                sql.SQL("CREATE TABLE IF NOT EXISTS {} ({})").format(
                    target,
                    sql.SQL(", ").join(
                        sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(sql_type)) for name, sql_type in columns
                    ),
                )
            )
            if partition is None:
                cur.execute(sql.SQL("DELETE FROM {}").format(target))
            else:
                delete = sql.SQL("DELETE FROM {} WHERE {} = %s").format(target, sql.Identifier(partition[0]))
                cur.execute(delete, (partition[1],))
            insert = sql.SQL("INSERT INTO {} ({}) VALUES %s").format(
                target, sql.SQL(", ").join(map(sql.Identifier, names))
            )
            size = max(1, -(-len(values) // max(1, batches)))
            for start in range(0, len(values), size):
                if start and pause_s:
                    time.sleep(pause_s)
                execute_values(cur, insert, values[start:start + size], page_size=1000)
    finally:
        conn.close()
    return len(values)


def _canonical_value(value: object) -> str | None:
    """Text form of one value, identical to what Postgres' `::text` gives for it."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    # Floats, Decimals, dates, bools have several text forms: refuse rather than mis-hash.
    raise TypeError(f"cannot fingerprint {type(value).__name__} {value!r}: use int or str")


def _digest(lines: Iterable[str]) -> Fingerprint:
    ordered = sorted(lines)  # sorting makes the hash independent of load/read order
    body = "\n".join(ordered).encode("utf-8")
    return {"rows": len(ordered), "sha256": hashlib.sha256(body).hexdigest()}


def _line(values: Iterable[str | None]) -> str:
    return json.dumps(list(values), ensure_ascii=False, separators=(",", ":"))


def fingerprint_rows(columns: Sequence[Column], rows: Iterable[dict]) -> Fingerprint:
    """Fingerprint rows held in memory, exactly as `fingerprint` would after loading them."""
    names = [name for name, _ in columns]
    return _digest(_line(_canonical_value(row[name]) for name in names) for row in rows)


def fingerprint(dsn: str, schema: str, table: str) -> Fingerprint:
    """Fingerprint `schema.table` as it is in the warehouse (columns in table order)."""
    import psycopg2
    from psycopg2 import sql

    conn = psycopg2.connect(dsn, connect_timeout=10)
    try:
        with conn, conn.cursor() as cur:
            # One fixed date format, whatever the server or role default is.
            cur.execute("SET LOCAL datestyle TO 'ISO, YMD'")
            cur.execute(
                "SELECT column_name FROM information_schema.columns"
                " WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position",
                (schema, table),
            )
            names = [name for (name,) in cur.fetchall()]
            if not names:
                raise TableMissingError(
                    f"table {schema}.{table} does not exist in the warehouse: run the "
                    f"'{table}' pipeline on {schema} first (the load task creates it)"
                )
            cur.execute(
                sql.SQL("SELECT {} FROM {}").format(
                    sql.SQL(", ").join(sql.SQL("{}::text").format(sql.Identifier(n)) for n in names),
                    sql.Identifier(schema, table),
                )
            )
            return _digest(_line(row) for row in cur)
    finally:
        conn.close()
