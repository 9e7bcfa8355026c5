"""An expensive lookup reused for an hour, on Airflow 3: skip it while the warehouse has a fresh answer.

Twin of prefect_flows/caching.py. Airflow has no task cache, so the idiom is data-aware: the
lookup lands its answer in the warehouse (`airflow.caching_landing`, stamped with the time) and,
on the next run, raises AirflowSkipException while that answer is younger than an hour. `load`
(trigger rule none_failed, so a skipped lookup does not skip it) builds the output from the
landing table either way. A second run within the hour shows the lookup skipped.
"""

from datetime import timedelta

from airflow.sdk import Param, dag, task
from airflow.sdk.exceptions import AirflowSkipException

from shared_logic.exchange_rates import (
    CURRENCIES,
    RATES_TTL,
    fresh_rates_landed,
    land_rates,
    landed_rates,
    load_rates,
    lookup_rates,
)


@task
def expensive_lookup(base_currency: str) -> int:
    """Rates against `base_currency` (3 s) into the landing table, unless they landed < RATES_TTL ago."""
    if fresh_rates_landed(base_currency, orchestrator="airflow", max_age=RATES_TTL):
        raise AirflowSkipException(f"rates for {base_currency} landed less than {RATES_TTL} ago")
    return land_rates(lookup_rates(base_currency), orchestrator="airflow")


@task(trigger_rule="none_failed")
def load(base_currency: str) -> int:
    """Replace airflow.caching with the landed rates: the data comes through the warehouse, not XCom."""
    return load_rates(landed_rates(base_currency, orchestrator="airflow"), orchestrator="airflow")


@dag(
    schedule=None,
    catchup=False,
    tags=["lab", "caching"],
    default_args={"retries": 2, "retry_delay": timedelta(seconds=5)},
    params={"base_currency": Param("EUR", type="string", enum=list(CURRENCIES))},
)
def caching(base_currency: str = "EUR"):
    """expensive_lookup (skipped while fresh) -> load."""
    expensive_lookup(base_currency) >> load(base_currency)


caching()
