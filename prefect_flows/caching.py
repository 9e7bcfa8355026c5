"""An expensive lookup reused for an hour, on Prefect 3: the task's result is cached.

Twin of airflow_dags/caching.py. `cache_policy=INPUTS + TASK_SOURCE` keys the cache on the
arguments and the task's code, `cache_expiration` ends it after an hour. (The lesson's
`cache_key_fn=lambda: "static_key"` now caches nothing, silently: a key function takes
`(context, parameters)`.) A cache policy turns result persistence on:
the result is written under PREFECT_HOME/storage, so the next run, in a new process, finds it and
the task ends `Cached` without running. `load` runs every time and rewrites the same rows. Where
Airflow keeps the answer in a warehouse table of its own, Prefect keeps it in its result store.
"""

from prefect import flow, task
from prefect.cache_policies import INPUTS, TASK_SOURCE

from shared_logic.exchange_rates import RATES_TTL, load_rates, lookup_rates


@task(cache_policy=INPUTS + TASK_SOURCE, cache_expiration=RATES_TTL, retries=2, retry_delay_seconds=5)
def expensive_lookup(base_currency: str) -> list[dict]:
    """Rates against `base_currency` (3 s), unless cached less than RATES_TTL ago."""
    return lookup_rates(base_currency)


@task(retries=2, retry_delay_seconds=5)
def load(rows: list[dict]) -> int:
    """Replace prefect.caching with the rates, cached or fresh."""
    return load_rates(rows, orchestrator="prefect")


@flow(name="caching", log_prints=True)
def caching(base_currency: str = "EUR") -> int:
    """expensive_lookup (cached for an hour) -> load."""
    return load(expensive_lookup(base_currency))


if __name__ == "__main__":
    caching()
