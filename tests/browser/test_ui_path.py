"""The README's "The UIs", click for click, in Debian's Chromium; then `./lab report` on what it started.

Log into Airflow's UI, see every pair under the tag `lab`, open `etl_basic`, **Trigger** it with the
form and watch it finish in the Graph view; open Prefect's UI, **Deployments**, `etl_basic`,
**Run → Quick run**, and watch its timeline finish. The report must pair those two runs, find their
outputs equal, mark them as started from the UIs, and open in the same browser with every plot and
picture and no console error. Marked `live` as well: it needs the stack, so `-m "not live"` skips it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from comparisons import ui_tour
from comparisons.clients.airflow import AirflowClient
from comparisons.clients.prefect import PrefectClient
from comparisons.errors import AuthError
from comparisons.pairs import discover
from comparisons.report.build import build_report
from comparisons.runner import collect_ui_runs
from comparisons.settings import LabSettings
from comparisons.stack.secrets import read_env_file
from comparisons.ui_tour import TOUR_PAIR

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = [pytest.mark.live, pytest.mark.browser]


@pytest.fixture(scope="module")
def lab(stack: LabSettings, tmp_path_factory: pytest.TempPathFactory) -> LabSettings:
    """The running stack, with results and reports kept out of the user's folders."""
    scratch = tmp_path_factory.mktemp("ui")
    return dataclasses.replace(stack, results=scratch / "results", reports=scratch / "reports",
                               screenshots=scratch / "screenshots")


@pytest.fixture(scope="module")
def page(stack: LabSettings) -> Iterator[Page]:
    with ui_tour.open_browser() as browser:
        yield browser.new_page()


def test_a_wrong_password_is_refused_with_where_the_login_comes_from(page: Page) -> None:
    with pytest.raises(AuthError, match=r"refused the login of 'admin'.*\.env.*\./lab credentials"):
        ui_tour.airflow_login(page, "admin", "not-the-password")


def test_a_person_triggers_etl_basic_from_each_ui_and_the_report_pairs_the_runs(
        lab: LabSettings, stack: LabSettings, page: Page) -> None:
    secrets = read_env_file(lab.env_file)
    pairs = [pair.name for pair in discover(lab)]
    shots = lab.screenshots
    airflow = AirflowClient(ui_tour.AIRFLOW_UI, secrets["LAB_ADMIN_USERNAME"], secrets["LAB_ADMIN_PASSWORD"])
    prefect = PrefectClient(ui_tour.PREFECT_UI + "/api")

    # On failure, what the browser showed is kept as failure.png in the user's reports folder.
    with ui_tour.failure_screenshot(page, stack.reports):
        # Airflow: sign in with .env's user, Dags → tag `lab`: every pair there, unpaused.
        ui_tour.airflow_login(page, secrets["LAB_ADMIN_USERNAME"], secrets["LAB_ADMIN_PASSWORD"])
        dags = ui_tour.airflow_lab_dags(page, shots)
        assert {pair: dags.get(pair) for pair in pairs} == dict.fromkeys(pairs, True), (
            f"every pair must be listed under the tag `lab` and unpaused (True); the UI listed {dags}")

        # Open etl_basic, Trigger: the form offers the DAG's parameters; the run finishes in the Graph view.
        airflow_run, form = ui_tour.airflow_trigger_and_watch(page, TOUR_PAIR, shots)
        assert form == airflow.parameters(TOUR_PAIR)
        record = airflow.describe(TOUR_PAIR, airflow_run.run_id)
        assert airflow_run.succeeded and record.state == "success", f"the UI showed {airflow_run}"
        assert airflow_run.tasks == {task.name: "success" for task in record.tasks}

        # Prefect: Deployments, every pair tagged `lab` and Ready; etl_basic → Run → Quick run → View run.
        deployments = ui_tour.prefect_lab_deployments(page, shots)
        assert {pair: deployments.get(pair) for pair in pairs} == dict.fromkeys(pairs, "Ready"), (
            f"every pair must be a deployment tagged `lab` and Ready; the UI listed {deployments}")
        prefect_run = ui_tour.prefect_quick_run_and_watch(page, TOUR_PAIR, shots)
        flow_run = prefect.describe(TOUR_PAIR, prefect_run.run_id)
        assert prefect_run.succeeded and flow_run.state == "success", f"the UI showed {prefect_run}"
        assert prefect_run.tasks == {task.name: "Completed" for task in flow_run.tasks}

        # `./lab report`: the two UI-started runs are paired, their outputs equal, marked as from the UIs.
        (comparison,) = [c for c in collect_ui_runs(lab) if c.pair == TOUR_PAIR]
        assert {run.run_id for run in comparison.runs.values()} == {airflow_run.run_id, prefect_run.run_id}
        assert comparison.status == "equal" and comparison.started_from == "ui", comparison.errors
        html_path, md_path = build_report(lab)

        # The report in the same browser: no console error, every plot drawn, both UIs' pictures shown.
        errors: list[str] = []
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(html_path.as_uri())
        page.wait_for_load_state("load")
        assert errors == []
        section = page.locator(f"section#{TOUR_PAIR}")
        assert "started from the UIs (latest: equal)" in section.inner_text()
        plots = {pair: page.locator(f"section#{pair} .plots svg").evaluate_all(
                     "svgs => svgs.filter(s => s.getBoundingClientRect().width > 0).length")
                 for pair in pairs if page.locator(f"section#{pair} .plots").count()}
        assert plots.get(TOUR_PAIR) == 2 and set(plots.values()) == {2}, (
            f"each pair with equal runs draws its latency plot and its breakdown; drawn svgs: {plots}")
        pictures = page.locator("section#uis img").evaluate_all(
            "imgs => imgs.map(i => [i.getAttribute('src'), i.complete && i.naturalWidth > 0])")
        expected = [f"../screenshots/{name}" for _, *files in ui_tour.SCREENSHOT_VIEWS for name in files]
        assert sorted(pictures) == sorted([src, True] for src in expected)
        assert "## What each UI shows" in md_path.read_text()

