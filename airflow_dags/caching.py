"""An expensive lookup reused for an hour, on Airflow 3: skip it when the warehouse has a fresh answer.

Twin of prefect_flows/caching.py. Airflow has no task cache, so the idiom is data-aware: the
lookup task asks the warehouse whether rates for this base currency were loaded less than an hour
ago and, if so, raises AirflowSkipException. It and `load` then show as skipped, and the table
keeps the rates already there. A second run within the hour shows the skip.
"""

from datetime import timedelta

from airflow.sdk import Param, dag, task
from airflow.sdk.exceptions import AirflowSkipException

from shared_logic.exchange_rates import CURRENCIES, RATES_TTL, fresh_rates_loaded, load_rates, lookup_rates


@task
def expensive_lookup(base_currency: str) -> list[dict]:
    """Rates against `base_currency` (3 s), unless loaded less than RATES_TTL ago."""
    if fresh_rates_loaded(base_currency, orchestrator="airflow", max_age=RATES_TTL):
        raise AirflowSkipException(f"rates for {base_currency} were loaded less than {RATES_TTL} ago")
    return lookup_rates(base_currency)


@task
def load(rows: list[dict]) -> int:
    """Replace airflow.caching and log the load time the lookup's check reads."""
    return load_rates(rows, orchestrator="airflow")


@dag(
    schedule=None,
    catchup=False,
    tags=["lab", "caching"],
    default_args={"retries": 2, "retry_delay": timedelta(seconds=5)},
    params={"base_currency": Param("EUR", type="string", enum=list(CURRENCIES))},
)
def caching(base_currency: str = "EUR"):
    """expensive_lookup (skipped while fresh) -> load."""
    load(expensive_lookup(base_currency))


caching()
