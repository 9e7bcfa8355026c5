"""Typed, validated parameters on Prefect 3: type hints that pydantic turns into a JSON schema.

Twin of airflow_dags/parameters.py: same names, defaults and constraints. `Literal` gives an
enum, `Annotated[int, Field(ge=..., le=...)]` a bounded integer; the server checks a run's
parameters against that schema when it is created (409 naming the field), the flow once more
when it starts, and the UI's run form is built from it.
"""

from typing import Annotated, Literal

from prefect import flow, task
from pydantic import Field

from shared_logic.order_report import load_report, summarise_orders
from shared_logic.orders import extract_orders


@task(retries=2, retry_delay_seconds=5)
def extract(n_rows: int) -> list[dict]:
    return extract_orders(n_rows=n_rows)


@task(retries=2, retry_delay_seconds=5)
def summarise(rows: list[dict], granularity: str, country: str) -> list[dict]:
    """Revenue per period for one country (or ALL)."""
    return summarise_orders(rows, granularity, country)


@task(retries=2, retry_delay_seconds=5)
def load(report: list[dict]) -> int:
    return load_report(report, orchestrator="prefect")


@flow(name="parameters", log_prints=True)
def parameters(
    n_rows: Annotated[int, Field(ge=1, le=100_000)] = 500,
    granularity: Literal["day", "week", "month"] = "month",
    country: Literal["ALL", "DE", "ES", "FR", "GB", "IT", "NL", "SE", "US"] = "ALL",
) -> int:
    """extract -> summarise -> load; bad parameters never become a running flow."""
    return load(summarise(extract(n_rows), granularity, country))


if __name__ == "__main__":
    parameters()
