"""Code run inside an orchestrator's own environment, not the lab's.

Everything under `comparisons/inside/` runs under `.lab/venvs/airflow` or `.lab/venvs/prefect` (or that
orchestrator's container), which lack the lab's own dependencies. So it may import only the standard
library, its own orchestrator (and the libraries that orchestrator ships), `shared_logic`, and the
env-neutral lab modules listed in `tests/unit/test_layout.py`, which enforces this:

* `common/`: what both orchestrator environments run (the in-process runners' protocol, the probes' words);
* `airflow/`: run by Airflow's environment (`dag.test()` runs, the lesson's Airflow probes);
* `prefect/`: run by Prefect's environment (flow calls, the deploy job, the lesson's Prefect probes).

Keep this file free of imports: the lab's venv reads `INPROCESS_MODULES` from it.
"""

#: The in-process runner of each orchestrator, as `python -m <module> PAIR ...` in that orchestrator's venv.
INPROCESS_MODULES = {
    "airflow": "comparisons.inside.airflow.dag_test",
    "prefect": "comparisons.inside.prefect.flow_call",
}
