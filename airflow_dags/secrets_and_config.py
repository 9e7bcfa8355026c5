"""A secret and a setting from the lab's `.env`, on Airflow 3: a Connection and a Variable.

Twin of prefect_flows/secrets_and_config.py. The lab gives Airflow both as environment
variables (`AIRFLOW_CONN_LAB_PARTNER`, `AIRFLOW_VAR_LAB_EXPORT_COUNTRY`): nothing in the
database, nothing in the UI. Tasks read them at run time, never at parse time; Airflow masks a
connection's password in task logs. The secret never leaves the `sign` task: only
the HMAC signatures it makes travel on (XCom) and reach airflow.secrets_and_config.
"""

from airflow.sdk import Connection, Param, Variable, dag, task

from shared_logic.orders import extract_orders
from shared_logic.partner_feed import load_feed, select_country, sign_rows


@task
def extract(n_rows: int, seed: int) -> list[dict]:
    """Raw orders, as etl_basic's."""
    return extract_orders(n_rows=n_rows, seed=seed)


@task
def select(rows: list[dict]) -> list[dict]:
    """The cleaned orders of the country configured in Variable `lab_export_country`."""
    return select_country(rows, Variable.get("lab_export_country"))


@task
def sign(rows: list[dict]) -> list[dict]:
    """Sign each row with the password of Connection `lab_partner`."""
    return sign_rows(rows, Connection.get("lab_partner").password)


@task
def load(rows: list[dict]) -> int:
    """Replace airflow.secrets_and_config with the signed rows."""
    return load_feed(rows, orchestrator="airflow")


@dag(
    schedule=None,
    catchup=False,
    tags=["lab", "secrets_and_config"],
    params={"n_rows": Param(300, type="integer", minimum=0), "seed": Param(42, type="integer")},
)
def secrets_and_config(n_rows: int = 300, seed: int = 42):
    """extract -> select (config) -> sign (secret) -> load."""
    load(sign(select(extract(n_rows, seed))))


secrets_and_config()
