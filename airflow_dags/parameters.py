"""Typed, validated parameters on Airflow 3: `Param`s with a JSON schema each.

Twin of prefect_flows/parameters.py: same names, defaults and constraints. Airflow validates a
run's conf against these schemas when the run is created (REST answers 400 naming the param),
and the trigger form in the UI is built from them (a number field, two drop-downs).
"""

from datetime import timedelta

from airflow.sdk import Param, dag, task

from shared_logic.order_report import load_report, summarise_orders
from shared_logic.orders import extract_orders


@task
def extract(n_rows: int) -> list[dict]:
    return extract_orders(n_rows=n_rows)


@task
def summarise(rows: list[dict], granularity: str, country: str) -> list[dict]:
    """Revenue per period for one country (or ALL)."""
    return summarise_orders(rows, granularity, country)


@task
def load(report: list[dict]) -> int:
    return load_report(report, orchestrator="airflow")


@dag(
    schedule=None,
    catchup=False,
    tags=["lab", "parameters"],
    default_args={"retries": 2, "retry_delay": timedelta(seconds=5)},
    params={
        "n_rows": Param(500, type="integer", minimum=1, maximum=100_000),
        "granularity": Param("month", type="string", enum=["day", "week", "month"]),
        "country": Param("ALL", type="string", enum=["ALL", "DE", "ES", "FR", "GB", "IT", "NL", "SE", "US"]),
    },
)
def parameters(n_rows: int = 500, granularity: str = "month", country: str = "ALL"):
    """extract -> summarise -> load; a bad conf never becomes a run."""
    load(summarise(extract(n_rows), granularity, country))


parameters()
