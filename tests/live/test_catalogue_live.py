"""Every pair of the catalogue through the harness on the real servers, as `./lab run PAIR` does.

Outputs equal on both sides and equal to the plain-Python answer — or, for the pairs that exist to
show a failure, the same expected terminal state on both. A pair whose run starts another when its
data lands (`event_driven`) is followed to that run on each side, and a landing that starts nothing
ends the wait with an error naming the side. A pair whose failed run alerts someone (`failure_alert`)
is judged by the alert the lab's receiver got from each side, which names and links that run.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest

from comparisons.clients.prefect import PrefectClient
from comparisons.errors import DownstreamMissingError
from comparisons.pairs import discover, resolve
from comparisons.runner import clients, run_pairs
from comparisons.settings import LabSettings
from shared_logic import expectation

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def lab(stack: LabSettings, tmp_path_factory: pytest.TempPathFactory) -> LabSettings:
    scratch = tmp_path_factory.mktemp("catalogue")
    return dataclasses.replace(stack, results=scratch / "results", reports=scratch / "reports")


@pytest.mark.parametrize("pair", [p.name for p in discover(LabSettings.from_environment())])
def test_pair_runs_equal_on_both_orchestrators(lab: LabSettings, pair: str) -> None:
    (comparison,) = run_pairs(lab, resolve(lab, [pair]), {})
    assert comparison.status == "equal", f"{comparison.status}: {comparison.errors} {comparison.outputs}"
    for run in comparison.runs.values():
        assert run.state == expectation(pair).state, run
    if downstream := expectation(pair).downstream:  # the judged runs are the ones the landing started
        for side, run in comparison.runs.items():
            handover = comparison.labels["handover"][side]
            assert handover["downstream"] == downstream and handover["upstream"]["state"] == "success", handover
            assert handover["upstream"]["run_id"] != run.run_id
            assert [t.name for t in run.tasks] == ["read_landed", "transform", "load"], run.tasks
            assert 0 <= handover["event_to_start_s"] <= handover["event_to_done_s"] < 120, handover
    if expectation(pair).alerts:  # each side's alert arrived after its run ended, about that run
        for side, run in comparison.runs.items():
            alert = comparison.labels["alert"][side]
            assert alert["payload"]["pipeline"] == pair and alert["payload"]["run_id"] == run.run_id, alert
            assert alert["link_opens_run"] and 0 <= alert["failure_to_alert_s"] < 60, alert
        assert comparison.labels["alert"]["airflow"]["payload"]["task"] == "validate"


@pytest.fixture
def prefect_consumer_trigger_off(lab: LabSettings) -> Iterator[PrefectClient]:
    """event_driven_consumer's automation disabled for one test, then enabled again."""
    (client,) = [c for c in clients(lab) if isinstance(c, PrefectClient)]
    deployment = client.deployment("event_driven_consumer")["id"]
    (automation,) = client._json("GET", f"/automations/related-to/prefect.deployment.{deployment}")
    client._call("PATCH", f"/automations/{automation['id']}", json={"enabled": False}).raise_for_status()
    try:
        yield client
    finally:
        client._call("PATCH", f"/automations/{automation['id']}", json={"enabled": True}).raise_for_status()


def test_event_driven_landing_that_starts_nothing_names_the_side_and_what_to_do(
        lab: LabSettings, prefect_consumer_trigger_off: PrefectClient) -> None:
    with pytest.raises(DownstreamMissingError, match=r"^Prefect: .*no enabled automation.*\./lab deploy"):
        run_pairs(lab, resolve(lab, ["event_driven"]), {})
    # The same wait, reached: the producer's event is emitted and no automation acts on it.
    client = prefect_consumer_trigger_off
    run = client.wait("event_driven", client.trigger("event_driven", {}), timeout=300)
    with pytest.raises(DownstreamMissingError, match=r"^Prefect: .*none of them started it.*prefect-server\.log"):
        client.follow("event_driven", run, "event_driven_consumer", timeout=15)
    # Airflow: a run whose tasks have no outlet records no asset event, so nothing can follow from it.
    (airflow,) = [c for c in clients(lab) if c.name == "airflow"]
    etl = airflow.wait("etl_basic", airflow.trigger("etl_basic", {"n_rows": 5}), timeout=300)
    with pytest.raises(DownstreamMissingError, match=r"^Airflow: .*no asset event at all.*airflow-scheduler\.log"):
        airflow.follow("etl_basic", etl, "event_driven_consumer", timeout=5)
