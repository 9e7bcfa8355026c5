"""The `secrets_and_config` pair's logic: a partner feed of one country's orders, each row signed.

The country is configuration and the signing key a secret, both from the lab's `.env`
(`LAB_EXPORT_COUNTRY`, `LAB_PIPELINE_SECRET`); each orchestrator hands them to the pipeline from
its own store (Airflow: a Variable and a Connection; Prefect: a Variable and a Secret block). The
signature is an HMAC-SHA256 of the row with the secret, so the output proves both sides used the
same secret without the secret ever being written anywhere: no function here returns or logs it.
"""

from __future__ import annotations

import hashlib
import hmac

from shared_logic.orders import extract_orders, transform_orders
from shared_logic.warehouse import Column, Fingerprint, check_orchestrator, fingerprint_rows, load_rows, warehouse_dsn
from shared_logic.work_clock import measured

__all__ = ["FEED_COLUMNS", "expected_secrets_and_config", "load_feed", "select_country", "sign_rows"]

FEED_COLUMNS: tuple[Column, ...] = (
    ("order_id", "TEXT PRIMARY KEY"),
    ("country", "CHAR(2) NOT NULL"),
    ("total_cents", "BIGINT NOT NULL"),
    ("signature", "TEXT NOT NULL"),  # hex HMAC-SHA256 of 'order_id|country|total_cents'
)
TABLE = "secrets_and_config"
_MIN_SECRET_LENGTH = 16


@measured
def select_country(rows: list[dict], country: str | None) -> list[dict]:
    """The cleaned orders of `country` (a two-letter code, any case), reduced to the feed's fields."""
    code = (country or "").strip().upper()
    if len(code) != 2 or not code.isalpha():
        raise ValueError(
            f"the export country must be a two-letter code such as DE, got {country!r}: "
            f"set LAB_EXPORT_COUNTRY in .env and restart the lab (`./lab down && ./lab up`)")
    return [{"order_id": r["order_id"], "country": r["country"], "total_cents": r["total_cents"]}
            for r in transform_orders(rows) if r["country"] == code]


@measured
def sign_rows(rows: list[dict], secret: str | None) -> list[dict]:
    """Each row with its HMAC signature; refuses a missing or short key (never showing it)."""
    if not secret or len(secret) < _MIN_SECRET_LENGTH:
        raise ValueError(
            f"the signing secret is missing or shorter than {_MIN_SECRET_LENGTH} characters: "
            f"set LAB_PIPELINE_SECRET in .env (or leave it blank for the lab to generate one) and restart the lab")
    key = secret.encode()
    return [
        row | {"signature": hmac.new(
            key, f"{row['order_id']}|{row['country']}|{row['total_cents']}".encode(), hashlib.sha256).hexdigest()}
        for row in rows
    ]


@measured
def load_feed(rows: list[dict], *, orchestrator: str) -> int:
    """Replace `<orchestrator>.secrets_and_config` with the signed rows; returns the row count."""
    schema = check_orchestrator(orchestrator)
    return load_rows(warehouse_dsn(), schema, TABLE, FEED_COLUMNS, rows)


def expected_secrets_and_config(n_rows: int = 300, seed: int = 42, *, secret: str, country: str) -> Fingerprint:
    """The signed feed for the `.env` values the lab handed both orchestrators."""
    rows = select_country(extract_orders(n_rows=n_rows, seed=seed), country)
    return fingerprint_rows(FEED_COLUMNS, sign_rows(rows, secret))
