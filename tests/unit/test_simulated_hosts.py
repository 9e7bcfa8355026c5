"""Simulated hosts (`./lab up --scale-out N --hosts`): namespaces on a private link, and the link's delay.

The namespaces are real (root only: skipped otherwise) and removed at the end; the link is the
real `link_proxy` on loopback addresses of its own.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from comparisons.errors import SetupError
from comparisons.settings import LabSettings
from comparisons.stack import hosts, native
from comparisons.stack.link_proxy import Link
from comparisons.stack.services import LINK_PORTS

ROOT = Path(__file__).resolve().parents[2]
root_only = pytest.mark.skipif(os.geteuid() != 0, reason="network namespaces need root")


def test_on_simulated_hosts_each_worker_has_a_namespace_and_finds_the_others_at_the_link() -> None:
    services = {s.name: s for s in native.stack_services(2, simulated_hosts=True)}
    assert services["link"].side == "lab" and set(LINK_PORTS) >= {5432, 6379, 8080, 4200}
    placed = {name: s.host for name, s in services.items() if s.host}
    assert placed == {"airflow-worker-1": "lab-host-1", "airflow-worker-2": "lab-host-2",
                      "prefect-worker": "lab-host-1", "prefect-worker-2": "lab-host-2"}
    assert native._argv(LabSettings.from_environment(), services["airflow-worker-2"])[:4] == \
        ["ip", "netns", "exec", "lab-host-2"]
    far = native.placement_for(LabSettings.from_environment(), services["prefect-worker-2"])
    assert {far.postgres_host, far.redis_host, far.airflow_api_host, far.prefect_api_host, far.alert_host} == \
        {hosts.LINK_ADDRESS}
    assert native.placement_for(LabSettings.from_environment(), services["airflow-scheduler"]).postgres_host \
        == "127.0.0.1", "the control plane stays on loopback"
    assert "link" not in {s.name for s in native.stack_services(2)}


@pytest.mark.parametrize(("argv", "message"), [
    (["--hosts"], "give --scale-out N too"),
    (["--scale-out", "2", "--link-delay-ms", "5"], "give --hosts"),
    (["--scale-out", "2", "--hosts", "--link-delay-ms", "5000"], "0 to 1000"),
])
def test_hosts_and_delays_that_cannot_be_are_refused_with_what_to_give(argv: list[str], message: str,
                                                                       tmp_path: Path) -> None:
    env = {**os.environ, "LAB_STATE_DIR": str(tmp_path / "state")}
    result = subprocess.run([sys.executable, "-m", "comparisons", "up", *argv], capture_output=True, text=True,
                            cwd=ROOT, env=env, check=False)
    assert result.returncode != 0 and message in result.stderr, result.stderr
    assert not (tmp_path / "state" / "run" / "hosts").exists(), "nothing was made"


@root_only
def test_namespaces_reach_the_link_address_only_and_remove_leaves_nothing() -> None:
    if hosts.present() != ([], False):
        pytest.skip("the lab's simulated hosts are up (a running `--hosts` stack)")
    try:
        assert hosts.create(2) == ["lab-host-1", "lab-host-2"]
        listener = socket.create_server((hosts.LINK_ADDRESS, 0))
        port = listener.getsockname()[1]
        probe = ("import socket,sys; s=socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=3); "
                 "print(s.getsockname()[0])")
        for index in (1, 2):
            seen = subprocess.run(["ip", "netns", "exec", hosts.namespace(index), sys.executable, "-c", probe,
                                   hosts.LINK_ADDRESS, str(port)], capture_output=True, text=True, check=False)
            assert seen.stdout.strip() == f"{hosts.SUBNET}.{10 + index}", seen.stderr  # from the host's own address
            loopback = subprocess.run(["ip", "netns", "exec", hosts.namespace(index), sys.executable, "-c", probe,
                                       "127.0.0.1", str(port)], capture_output=True, text=True, check=False)
            assert loopback.returncode != 0, "the machine's loopback is not the simulated host's"
        listener.close()
    finally:
        removed = hosts.remove()
    assert set(removed) == {"lab-host-1", "lab-host-2", hosts.BRIDGE}
    assert hosts.present() == ([], False)
    assert "lab-veth" not in subprocess.run(["ip", "link"], capture_output=True, text=True).stdout


@pytest.fixture
def echo_and_link(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    """An echo server on 127.0.0.1 and the link in front of it on 127.0.0.2 (both loopback, this machine)."""
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]

    def echo() -> None:
        while True:
            try:
                connection, _ = server.accept()
            except OSError:
                return
            with connection:
                while data := connection.recv(65536):
                    connection.sendall(data)

    threading.Thread(target=echo, daemon=True).start()
    delays = tmp_path / "link-delay-ms"
    delays.write_text("0\n")
    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, daemon=True).start()
    serving = asyncio.run_coroutine_threadsafe(Link(delays, listen="127.0.0.2", target="127.0.0.1").serve([port]),
                                               loop)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.2", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.05)
    yield port, delays
    serving.cancel()
    server.close()


def _round_trip(port: int, payload: bytes) -> tuple[bytes, float]:
    with socket.create_connection(("127.0.0.2", port), timeout=10) as connection:
        started = time.monotonic()
        connection.sendall(payload)
        received = b""
        while len(received) < len(payload):
            received += connection.recv(65536)
        return received, time.monotonic() - started


def test_the_link_carries_every_byte_in_order_and_holds_each_round_trip_for_its_delay(
        echo_and_link: tuple[int, Path]) -> None:
    port, delays = echo_and_link
    payload = os.urandom(300_000)  # several reads' worth: order kept across chunks
    received, _ = _round_trip(port, payload)
    assert received == payload
    delays.write_text("80\n")
    time.sleep(1.1)  # the link re-reads its delay every half second
    received, seconds = _round_trip(port, b"ping")
    assert received == b"ping" and seconds >= 0.080, "a round trip is held at least the link's delay"
    with pytest.raises(SetupError, match="0 to 1000 ms"):
        hosts.set_delay(delays.parent, -1)


def test_the_link_plan_runs_a_run_a_chain_and_a_fan_out_at_each_delay_on_two_workers_a_side() -> None:
    from comparisons.bench.plan import plan

    steps = plan("link", ["etl_basic", "bench_chain", "dynamic_fanout", "caching"])
    delays = [s.link_ms for s in steps]
    assert [d for i, d in enumerate(delays) if i == 0 or delays[i - 1] != d] == [0, 1, 10, 50], "one change a delay"
    assert {s.workers for s in steps} == {2}
    measured = [s for s in steps if not s.warmup]
    assert {(s.workload, s.size) for s in measured} == {("pair", 0), ("chain", 10), ("fanout", 100)}
    assert len(measured) == 4 * 3 * 3 and "caching" not in {s.pair for s in steps}
    assert "pair-etl_basic-w2-link10ms-rep3" in {s.key for s in steps}
    assert len({s.key for s in steps}) == len(steps)


def test_the_link_report_sets_the_delays_side_by_side_and_counts_the_round_trips_waited_on(tmp_path: Path) -> None:
    import dataclasses

    from comparisons.report.bench_section import bench_markdown, load_view
    from comparisons.report.link_section import header, rows
    from comparisons.store.bench import BenchRecord, write_bench
    from comparisons.store.comparison import write
    from tests.unit.fixtures import comparison

    lab = LabSettings(root=ROOT, state=tmp_path / "state", results=tmp_path / "results",
                      reports=tmp_path / "reports", env_file=tmp_path / ".env")
    write_bench(lab.results, BenchRecord("setup", "ln1", "setup", {
        "seconds_to_healthy": {}, "idle": {}, "install": {}, "restarted": True, "plan": {"name": "link", "steps": []}}))
    for delay, stretch in ((0, 0.0), (10, 1.0)):
        for rep in (1, 2):
            base = comparison()  # a new id each
            stretched = {side: dataclasses.replace(run, end=run.end + timedelta(seconds=stretch))
                         for side, run in base.runs.items()}
            write(lab.results, dataclasses.replace(base, runs=stretched, labels={
                "bench_session": "ln1", "key": f"chain-10-w2-link{delay}ms-rep{rep}", "workload": "chain",
                "size": 10, "workers": 2, "link_ms": delay, "repetition": rep}))
    (view,) = load_view(lab)
    assert view.plan == "link"
    assert header(view)[2:] == ["+0 ms a round trip", "+10 ms a round trip",
                                "Δ median 0 → 10 ms, and the round trips it makes (Δ ÷ 10 ms)"]
    airflow = next(row for row in rows(view) if row[1] == "airflow")
    assert airflow[0] == "chain of 10 tasks" and airflow[-1] == "+1.00 s ≈ 100 round trips", "1 s more over 10 ms"
    assert bench_markdown(view, [], "the reference machine").startswith("## Distance to the control plane")
