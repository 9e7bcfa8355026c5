"""A secret and a setting from the lab's `.env`, on Prefect 3: a Secret block and a Variable.

Twin of airflow_dags/secrets_and_config.py. The lab's deploy job saves both on the server (Secret
block `lab-partner`, Variable `lab_export_country`); tasks load them at run time. The UI and API
show a Secret's value as `********`; keeping it out of logs is the flow's job. The secret never
leaves the `sign` task (a task's inputs are recorded on the server); only the HMAC signatures it
makes travel on and reach prefect.secrets_and_config.
"""

from prefect import flow, task
from prefect.blocks.system import Secret
from prefect.variables import Variable

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
    """Sign each row with the value of Secret block `lab-partner`."""
    return sign_rows(rows, Secret.load("lab-partner").get())


@task
def load(rows: list[dict]) -> int:
    """Replace prefect.secrets_and_config with the signed rows."""
    return load_feed(rows, orchestrator="prefect")


@flow(name="secrets_and_config", log_prints=True)
def secrets_and_config(n_rows: int = 300, seed: int = 42) -> int:
    """extract -> select (config) -> sign (secret) -> load."""
    return load(sign(select(extract(n_rows, seed))))


if __name__ == "__main__":
    secrets_and_config()
