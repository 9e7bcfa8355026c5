"""The timeouts pair's slow query: long by default, and stoppable by either kind of timeout."""

from __future__ import annotations

import ctypes
import signal
import threading
import time

import pytest

from shared_logic.slow_query import run_slow_query


class Stopped(Exception):
    pass


def test_it_runs_for_the_time_asked() -> None:
    started = time.monotonic()
    assert run_slow_query(0.35) >= 3
    assert 0.35 <= time.monotonic() - started < 1.0


def test_a_signal_timeout_stops_it_at_once() -> None:
    """Airflow's execution_timeout, and Prefect's timeout for a task in the main thread: SIGALRM."""
    def stop(signum: int, frame: object) -> None:
        raise Stopped

    previous = signal.signal(signal.SIGALRM, stop)
    started = time.monotonic()
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.2)
        with pytest.raises(Stopped):
            run_slow_query(5)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert time.monotonic() - started < 0.5


def test_an_exception_sent_to_its_thread_stops_it_within_a_step() -> None:
    """Prefect's timeout for a task in a worker thread can only raise between two bytecodes."""
    outcome: list[str] = []

    def work() -> None:
        try:
            run_slow_query(5)
            outcome.append("finished")
        except Stopped:
            outcome.append("stopped")

    thread = threading.Thread(target=work)
    started = time.monotonic()
    thread.start()
    time.sleep(0.2)
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread.ident), ctypes.py_object(Stopped))
    thread.join(timeout=5)
    assert outcome == ["stopped"] and time.monotonic() - started < 0.6


def test_a_negative_duration_is_refused() -> None:
    with pytest.raises(ValueError, match="seconds must be >= 0"):
        run_slow_query(-1)
