from comparisons.metrics import gaps, in_tasks, overhead, pickup, summarise, tail, task_overhead, total, work
from comparisons.store.runs import RunRecord, TaskRecord
from tests.unit.fixtures import at, run


def test_a_sequential_run_splits_into_pickup_tasks_gaps_and_tail() -> None:
    record = run("airflow", start=0.2, end=4.0, tasks=[("extract", 0.5, 0.7), ("transform", 1.5, 1.8),
                                                          ("load", 2.6, 3.0)],
                 work=[("extract_orders", 0.6, 0.65), ("transform_orders", 1.6, 1.7), ("load_orders", 2.7, 2.8)])
    assert total(record) == 4.0
    assert round(pickup(record), 3) == 0.2
    assert round(in_tasks(record), 3) == 0.9
    assert round(gaps(record), 3) == 1.6
    assert round(tail(record), 3) == 1.0
    assert round(work(record), 3) == 0.25
    assert round(overhead(record), 3) == 3.75
    assert round(task_overhead(record), 3) == 0.65


def test_overhead_needs_the_tasks_own_clock() -> None:
    """Without the pipeline code's own timing, overhead is not guessed from the server's task timestamps."""
    record = run("prefect", start=0.1, end=2.0, tasks=[("a", 0.5, 1.0)])
    assert in_tasks(record) == 0.5 and work(record) is None and overhead(record) is None


def test_parallel_tasks_are_not_double_counted() -> None:
    record = run("prefect", start=0, end=2, tasks=[("a", 0.0, 1.0), ("b", 0.5, 1.5), ("c", 1.8, 1.9)])
    assert round(in_tasks(record), 3) == 1.6


def test_missing_timestamps_give_no_figure_rather_than_a_wrong_one() -> None:
    record = RunRecord("prefect", "x", "p", "r", "running", "RUNNING", at(0), None, None,
                       (TaskRecord("a", "running", at(1), None),))
    assert total(record) is None and in_tasks(record) is None and overhead(record) is None


def test_summary_reports_spread() -> None:
    summary = summarise([3.0, 1.0, 2.0, None])
    assert (summary.n, summary.median, summary.minimum, summary.maximum) == (3, 2.0, 1.0, 3.0)
    assert summarise([None]) is None


def test_gaps_with_overlapping_tasks() -> None:
    """Idle time is what no task covers: b and c run inside a, so only a's end → d's start counts."""
    record = run("airflow", start=0, end=12, tasks=[("a", 0, 10), ("b", 1, 2), ("c", 5, 6), ("d", 10.5, 11)])
    assert round(gaps(record), 3) == 0.5
    assert round(in_tasks(record), 3) == 10.5
