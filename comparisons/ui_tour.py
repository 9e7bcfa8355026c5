"""A person's clicks through both UIs, as browser steps: the browser test and `./lab screenshots` share them.

Every step is what the README's "The UIs" tells a reader to do, in the same order. Selectors are
roles, labels and visible text where the UIs offer them (Airflow's own `data-testid`s where they do
not), so a restyle breaks them less than CSS classes would. The browser is Debian's Chromium: a
test tool's own browser download cannot work on a closed network.
"""

from __future__ import annotations

import json
import re
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from comparisons.errors import AuthError, LabError, RunFailedError, ServiceDownError, SetupError
from comparisons.stack.services import AIRFLOW_PORT, PREFECT_PORT

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page

__all__ = [
    "AIRFLOW_UI", "PREFECT_UI", "SCREENSHOT_VIEWS", "TOUR_PAIR", "Tour", "UiRun", "airflow_lab_dags", "airflow_login",
    "airflow_trigger_and_watch", "failure_screenshot", "open_browser", "prefect_lab_deployments",
    "prefect_quick_run_and_watch", "take_tour",
]

AIRFLOW_UI = f"http://127.0.0.1:{AIRFLOW_PORT}"
PREFECT_UI = f"http://127.0.0.1:{PREFECT_PORT}"
CHROMIUM = Path("/usr/bin/chromium")
# Without the networking flags Chromium floods this closed network with refused connections.
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--disable-quic")
VIEWPORT = {"width": 1400, "height": 900}
STEP_TIMEOUT_MS = 60_000  # one click or page on a busy 2-core machine
RUN_TIMEOUT_S = 300.0
STALE_AFTER_S = 45.0  # a run's state unchanged that long in a UI: reload the page

TOUR_PAIR = "etl_basic"  # the pair the README's UI path triggers
#: The pictures, as (what they show, Airflow's file, Prefect's file), in `reports/screenshots/`.
SCREENSHOT_VIEWS: tuple[tuple[str, str, str], ...] = (
    ("The lab's pipelines", "airflow-pipelines.png", "prefect-pipelines.png"),
    (f"A finished {TOUR_PAIR} run", "airflow-run.png", "prefect-run.png"),
)
FAILURE_SCREENSHOT = "failure.png"
AIRFLOW_DONE = {"Success": "success", "Failed": "failed"}
BADGE = '[data-slot="badge"]'  # Prefect's state and tag badges
PREFECT_DONE = {"Completed": "success", "Failed": "failed", "Crashed": "failed", "Cancelled": "failed"}


@dataclass(frozen=True)
class UiRun:
    """A run started and watched in a UI, as the UI showed it when it finished."""

    orchestrator: str
    pair: str
    run_id: str
    state: str  # the UI's own word: "Success", "Completed", "Failed", …
    tasks: dict[str, str] = field(default_factory=dict)  # task → state, as the UI lists them
    url: str = ""

    @property
    def succeeded(self) -> bool:
        done = AIRFLOW_DONE if self.orchestrator == "airflow" else PREFECT_DONE
        return done.get(self.state) == "success"


@contextmanager
def open_browser() -> Iterator[BrowserContext]:
    """Chromium with a fresh profile (no remembered view or login), closed and removed afterwards."""
    if not CHROMIUM.exists():
        raise SetupError(f"{CHROMIUM} is missing: install Debian's Chromium with `apt-get install chromium` "
                         f"(.ci/run does).")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="lab-chromium-") as profile, sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=str(CHROMIUM), args=list(CHROMIUM_FLAGS), headless=True, viewport=VIEWPORT)
        context.set_default_timeout(STEP_TIMEOUT_MS)
        try:
            yield context
        finally:
            context.close()


@contextmanager
def failure_screenshot(page: Page, folder: Path | None) -> Iterator[None]:
    """On any failure, keep what the browser showed as `failure.png`: a UI step's error rarely says enough."""
    if folder is not None:
        (folder / FAILURE_SCREENSHOT).unlink(missing_ok=True)  # an old failure would mislead
    try:
        yield
    except BaseException:
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
            try:
                page.screenshot(path=str(folder / FAILURE_SCREENSHOT))
            except Exception:  # the page itself may be gone; the original error matters more
                pass
        raise


def _goto(page: Page, url: str, service: str) -> None:
    from playwright.sync_api import Error

    try:
        page.goto(url)
    except Error as error:
        if "ERR_CONNECTION_REFUSED" in str(error):
            raise ServiceDownError(f"{service} at {url} is not answering: start the lab with `./lab up`.") from None
        raise


def _shoot(page: Page, folder: Path | None, name: str) -> None:
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / name))


def airflow_login(page: Page, username: str, password: str) -> None:
    """Airflow's sign-in page (SimpleAuthManager), with the user and password from `.env`."""
    _goto(page, AIRFLOW_UI + "/", "Airflow's UI")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    refused = page.get_by_text("Invalid credentials")
    deadline = time.monotonic() + STEP_TIMEOUT_MS / 1000
    while "/auth/login" in page.url and not refused.count() and time.monotonic() < deadline:
        page.wait_for_timeout(250)
    if "/auth/login" in page.url:
        raise AuthError(f"Airflow's UI refused the login of {username!r}: the lab reads it from .env "
                        f"(LAB_ADMIN_USERNAME, LAB_ADMIN_PASSWORD); `./lab credentials` prints it.")


def airflow_lab_dags(page: Page, shots: Path | None = None) -> dict[str, bool]:
    """Dags → click the tag `lab` on any DAG: each DAG listed, True when it shows the tag and is unpaused."""
    page.get_by_role("link", name="Dags", exact=True).click()
    page.get_by_role("link", name="lab", exact=True).first.click()
    page.wait_for_url("**/dags?tags=lab")
    listed = {}
    for name in _settled_list(page, "Dag", page.get_by_test_id("dag-id"), "Airflow's Dags page"):
        card = (page.locator("div").filter(has=page.get_by_test_id("dag-id").filter(has_text=_exact(name)))
                .filter(has=page.get_by_role("checkbox")).last)  # the innermost box holding name and switch
        tagged = card.get_by_role("link", name="lab", exact=True).count() > 0
        listed[name] = tagged and card.get_by_role("checkbox").first.is_checked()
    _shoot(page, shots, "airflow-pipelines.png")
    return listed


def _settled_list(page: Page, total_text: str, names: Any, what: str) -> list[str]:
    """The names a list shows once it has settled: as many as its "N <things>" count says, twice running.

    Both UIs render a list, re-render it empty while they refetch, then fill it in.
    """
    deadline = time.monotonic() + STEP_TIMEOUT_MS / 1000
    previous: list[str] = []
    while time.monotonic() < deadline:
        total = page.get_by_text(re.compile(rf"^(\d+) {total_text}s?$")).first
        current = [text.strip() for text in names.all_inner_texts() if text.strip()]
        if total.count() and current and len(current) == int(total.inner_text().split()[0]) and current == previous:
            return current
        previous = current
        time.sleep(0.5)
    raise LabError(f"{what} did not settle on a list in {STEP_TIMEOUT_MS // 1000} s (last seen: {previous}). "
                   f"Is every service healthy (`./lab status`)?")


def _exact(text: str) -> re.Pattern[str]:
    return re.compile(rf"^\s*{re.escape(text)}\s*$")


def airflow_trigger_and_watch(page: Page, pair: str, shots: Path | None = None,
                              timeout: float = RUN_TIMEOUT_S) -> tuple[UiRun, dict[str, Any]]:
    """Open the DAG, **Trigger** → the form → **Trigger**, then watch the run finish in the Graph view.

    Returns the run and the parameters the form offered (what the run was triggered with).
    """
    page.get_by_test_id("dag-id").filter(has_text=_exact(pair)).click()
    page.wait_for_url(f"**/dags/{pair}")
    page.get_by_role("heading", name=pair, exact=True).wait_for()  # the DAG's page, not the list still fading
    page.get_by_role("button", name="Trigger Dag", exact=True).click()
    form = page.get_by_role("dialog").filter(has_text="Trigger Dag")
    submit = form.get_by_role("button", name="Trigger", exact=True)
    submit.wait_for()
    parameters: dict[str, Any] = {}
    for panel in form.get_by_role("region").all():  # "Run Parameters": one labelled field per Param
        for label in panel.locator("label").all():  # "n_rows *": the name, and a star when required
            name = label.inner_text().replace("*", "").strip()
            field_id = label.get_attribute("for")
            parameters[name] = _json_or_text(form.locator(f'[id="{field_id}"]').input_value())
    submit.click()
    page.wait_for_url(f"**/dags/{pair}/runs/**")
    run_id = unquote(page.url.split("/runs/", 1)[1]).strip("/")
    page.get_by_role("button", name="Show Graph").first.click()
    graph = page.get_by_test_id("rf__wrapper")
    graph.wait_for()
    # The run's badge sits beside its id; the UI refreshes it while the run is active.
    header = (page.locator("div").filter(has=page.get_by_role("heading", name=run_id, exact=True))
              .filter(has=page.get_by_test_id("state-badge")).last)
    state = _wait_for_state(page, header.get_by_test_id("state-badge").first, AIRFLOW_DONE, timeout,
                            f"Airflow run {pair}/{run_id}")
    tasks = {}
    for node in graph.locator(".react-flow__node").all_inner_texts():
        words = node.split()
        tasks[words[0]] = words[-1]
    page.wait_for_timeout(500)  # let the graph settle its layout before the picture
    _shoot(page, shots, "airflow-run.png")
    return UiRun("airflow", pair, run_id, state, tasks, page.url), parameters


def _json_or_text(raw: str) -> Any:
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        return raw


def _wait_for_state(page: Page, badge: Any, done: dict[str, str], timeout: float, what: str) -> str:
    """Watch a run's state badge until it shows a final state; returns the UI's word for it.

    Both UIs refresh an active run by themselves. Should a page stop doing so (the same state for
    STALE_AFTER_S), reload it, as a person would.
    """
    deadline = time.monotonic() + timeout
    seen, since = "", time.monotonic()
    while time.monotonic() < deadline:
        try:
            current = badge.inner_text(timeout=5_000).strip()
        except Exception:  # re-rendered under us: look again
            current = seen or "(not shown yet)"
        if current in done:
            return current
        if current != seen:
            seen, since = current, time.monotonic()
        elif time.monotonic() - since > STALE_AFTER_S:
            page.reload()
            since = time.monotonic()
        time.sleep(1.0)
    raise RunFailedError(f"{what} still showed {seen!r} in the UI after {timeout:.0f} s. "
                         f"Is every service healthy (`./lab status`)? Logs are in .lab/logs/.")


def prefect_lab_deployments(page: Page, shots: Path | None = None) -> dict[str, str]:
    """Deployments (50 a page): each deployment tagged `lab`, with the status the UI shows ("Ready")."""
    _goto(page, PREFECT_UI + "/", "Prefect's UI")
    page.get_by_role("link", name="Deployments", exact=True).first.click()
    page.wait_for_url("**/deployments**")
    page.get_by_role("row").nth(1).wait_for()
    page.get_by_role("combobox").filter(has_text=re.compile(r"^\s*10\s*$")).click()  # items per page
    page.get_by_role("option", name="50", exact=True).click()
    page.wait_for_url("**limit=50**")
    rows = page.get_by_role("row")
    deployment_link = page.locator('a[href*="/deployments/deployment/"]')  # a row also links its flow
    listed = {}
    for name in _settled_list(page, "Deployment", rows.locator(deployment_link), "Prefect's Deployments page"):
        row = rows.filter(has=deployment_link.filter(has_text=_exact(name))).first
        if row.get_by_text("lab", exact=True).count():
            status = row.get_by_text(re.compile(r"^(Ready|Not Ready|Disabled)$")).first
            listed[name] = status.inner_text().strip() if status.count() else "?"
    _shoot(page, shots, "prefect-pipelines.png")
    return listed


def prefect_quick_run_and_watch(page: Page, pair: str, shots: Path | None = None,
                                timeout: float = RUN_TIMEOUT_S) -> UiRun:
    """From Deployments: the pair → **Run → Quick run** → **View run**, then watch its timeline finish."""
    page.get_by_role("link", name=pair, exact=True).first.click()
    page.wait_for_url("**/deployments/deployment/**")
    page.get_by_role("button", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Quick run").click()
    page.get_by_role("button", name="View run").click()  # on the "Flow run created" notice
    page.mouse.move(0, 0)  # a notice stays while the pointer rests on it
    page.wait_for_url("**/runs/flow-run/**")
    run_id = page.url.split("/flow-run/", 1)[1].split("?")[0].strip("/")
    page.get_by_role("tab", name="Task Runs").wait_for()  # the run's page, not the deployment's still fading
    states = "|".join([*PREFECT_DONE, "Scheduled", "Pending", "Running", "Late"])
    badge = page.locator(BADGE).filter(has_text=re.compile(rf"^({states})$")).first  # the run's, under its name
    state = _wait_for_state(page, badge, PREFECT_DONE, timeout, f"Prefect flow run {pair}/{run_id}")
    # The page updates the run's state as it goes, but its timeline and logs can stay as they were
    # when the run was scheduled: reload once, as a person would, to see the finished run whole.
    page.reload()
    page.get_by_text(re.compile(r"^\d+ Task runs?$")).first.wait_for()
    page.locator("canvas").first.wait_for()  # the task timeline
    page.wait_for_timeout(2000)  # the timeline lays out and draws its tasks after the data arrives
    _shoot(page, shots, "prefect-run.png")
    page.get_by_role("tab", name="Task Runs").click()
    panel = page.get_by_role("tabpanel")
    task_runs = panel.get_by_role("link", name=re.compile(r"^\S+-[0-9a-f]{3}$"))  # Prefect names them <task>-<hex>
    task_runs.first.wait_for()
    tasks = {}
    for name in task_runs.all_inner_texts():
        card = panel.locator("div").filter(has=page.get_by_role("link", name=name, exact=True)).filter(
            has=page.locator(BADGE)).last
        tasks[name.strip().rsplit("-", 1)[0]] = card.locator(BADGE).first.inner_text().strip()
    return UiRun("prefect", pair, run_id, state, tasks, page.url)


@dataclass(frozen=True)
class Tour:
    """What the whole click path saw."""

    airflow_listed: dict[str, bool]
    prefect_listed: dict[str, str]
    airflow_run: UiRun
    airflow_form: dict[str, Any]
    prefect_run: UiRun


def take_tour(username: str, password: str, pair: str, shots: Path | None) -> Tour:
    """The README's UI path end to end in one browser: list, trigger and watch on each side."""
    with open_browser() as browser:
        page = browser.new_page()
        with failure_screenshot(page, shots):
            return _tour(page, username, password, pair, shots)


def _tour(page: Page, username: str, password: str, pair: str, shots: Path | None) -> Tour:
    airflow_login(page, username, password)
    airflow_listed = airflow_lab_dags(page, shots)
    if pair not in airflow_listed:
        raise LabError(f"Airflow's UI lists no DAG {pair!r} under the tag `lab`: is airflow_dags/{pair}.py "
                       f"free of import errors (Dags page, import errors)?")
    airflow_run, form = airflow_trigger_and_watch(page, pair, shots)
    prefect_listed = prefect_lab_deployments(page, shots)
    if pair not in prefect_listed:
        raise LabError(f"Prefect's UI lists no deployment {pair!r} tagged `lab`: register it with `./lab deploy`.")
    prefect_run = prefect_quick_run_and_watch(page, pair, shots)
    return Tour(airflow_listed, prefect_listed, airflow_run, form, prefect_run)
