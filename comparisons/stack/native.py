"""Native mode: the services of `services.py` as local processes, started in dependency order.

Each process runs in its own session (so `down` can stop its whole tree), logs to
``.lab/logs/<service>.log`` and leaves ``.lab/run/<service>.pid`` holding its pid and start time,
so a recycled pid is never mistaken for ours.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import httpx

from comparisons.clients.prefect import PrefectClient
from comparisons.errors import PortTakenError, ServiceDownError, ServiceStartError, SetupError
from comparisons.settings import LabSettings
from comparisons.stack import hosts, postgres
from comparisons.stack.secrets import ensure_env_file
from comparisons.stack.services import (
    AIRFLOW_PORT,
    ALERT_PORT,
    DEFAULT_PROFILE,
    LINK,
    POSTGRES_PORT,
    PREFECT_PORT,
    PROFILES,
    REDIS_PORT,
    SCALE_OUT_SERVICES,
    SERVED_SUFFIX,
    SERVICES,
    Placement,
    Profile,
    Service,
    check_scale_out,
    service_environment,
)

__all__ = ["ServiceStatus", "current_hosts", "current_profile", "current_scale_out", "deploy", "down",
           "kill_service", "lab_processes", "native_placement", "placement_for", "process_table",
           "running_services", "stack_services", "start_service", "started_under", "started_under_another", "status",
           "stop_service", "tree_members", "up"]

START_TIMEOUT_S = 180.0
Progress = Callable[[str], None]


def native_placement(settings: LabSettings) -> Placement:
    return Placement(
        name="native",
        postgres_host="127.0.0.1",
        airflow_api_host="127.0.0.1",
        prefect_api_host="127.0.0.1",
        alert_host="127.0.0.1",
        redis_host="127.0.0.1",
        bind_host="127.0.0.1",
        root=str(settings.root),
        airflow_home=str(settings.state / "airflow-home"),
        prefect_home=str(settings.state / "prefect-home"),
        work_log=str(settings.work_log),
        database_prefix=settings.database_prefix,
    )


def placement_for(settings: LabSettings, svc: Service) -> Placement:
    """Where `svc` finds the others: on loopback, or from a simulated host, at the link's address."""
    here = native_placement(settings)
    if svc.host is None:
        return here
    far = hosts.LINK_ADDRESS
    return replace(here, postgres_host=far, airflow_api_host=far, prefect_api_host=far, alert_host=far, redis_host=far)


@dataclass(frozen=True)
class ServiceStatus:
    name: str
    running: bool
    healthy: bool
    pid: int | None
    url: str | None
    log: Path


def _proc_start_time(pid: int) -> str | None:
    """The process's start time (clock ticks since boot), or None when it is gone or a zombie: a
    service started by this very process (a test, the sweep) stays a zombie until it is reaped."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    if fields[0] == "Z":
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        return None
    return fields[19]


def _pid_file(settings: LabSettings, name: str) -> Path:
    return settings.run_dir / f"{name}.pid"


def running_pid(settings: LabSettings, name: str) -> int | None:
    """The pid of a service the lab started and that is still alive, else None."""
    path = _pid_file(settings, name)
    try:
        pid_text, started = path.read_text().split()[:2]
        pid = int(pid_text)
    except (OSError, ValueError):
        return None
    return pid if _proc_start_time(pid) == started else None


def started_under(settings: LabSettings, name: str) -> str | None:
    """The profile a running service was started with, as its pid file says (not its environ:
    Celery's process title overwrites the memory /proc/<pid>/environ is read from)."""
    try:
        fields = _pid_file(settings, name).read_text().split()
    except OSError:
        return None
    return fields[2] if len(fields) > 2 else None


def started_under_another(settings: LabSettings, services: Sequence[Service], profile: Profile) -> list[str]:
    """The running orchestrator services started under another profile, last started first: each
    reads its profile when it starts, so `up --profile` must restart these."""
    return [s.name for s in reversed(services) if not s.oneshot
            and s.side in ("airflow", "prefect") and s.system_package is None
            and running_pid(settings, s.name) is not None and started_under(settings, s.name) != profile]


#: Every process a service starts inherits these two variables, so the lab still finds its own
#: processes after they leave the service's session and tree (Prefect starts each flow run with
#: setsid; a killed service's children are re-parented).
CHECKOUT_VAR, SERVICE_VAR = "LAB_CHECKOUT", "LAB_SERVICE"


def process_table() -> dict[int, tuple[int, int]]:
    """{pid: (parent pid, session id)} of every live process, from /proc/<pid>/stat."""
    table = {}
    for stat_file in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat_file.read_text().rsplit(")", 1)[1].split()
            table[int(stat_file.parent.name)] = (int(fields[1]), int(fields[3]))
        except (OSError, ValueError, IndexError):
            continue
    return table


def tree_members(roots: Mapping[int, str]) -> dict[int, str]:
    """{pid: label} of each root, everything in its session, and all their descendants."""
    table = process_table()
    members = {pid: roots[sid] for pid, (_, sid) in table.items() if sid in roots}
    members.update({pid: label for pid, label in roots.items() if pid in table})
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    frontier = list(members)
    while frontier:
        parent = frontier.pop()
        for child in children.get(parent, []):
            if child not in members:
                members[child] = members[parent]
                frontier.append(child)
    return members


def lab_processes(settings: LabSettings) -> dict[int, str]:
    """{pid: service} of every live process started by this checkout's services, wherever it went."""
    found = {}
    marker = f"{CHECKOUT_VAR}={settings.root}".encode()
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            variables = environ.read_bytes().split(b"\0")
        except OSError:
            continue
        if marker in variables:
            prefix = f"{SERVICE_VAR}=".encode()
            found[int(environ.parent.name)] = next(
                (v.removeprefix(prefix).decode() for v in variables if v.startswith(prefix)), "")
    found.pop(os.getpid(), None)
    return found


def port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _listener_of(port: int) -> str:
    result = subprocess.run(["ss", "-Htlnp", f"sport = :{port}"], capture_output=True, text=True, check=False)
    return result.stdout.strip() or "unknown process"


def _lookup(document: object, path: tuple[str, ...]) -> object:
    for key in path:
        if not isinstance(document, dict):
            return None
        document = document.get(key)
    return document


HEALTH_COMMAND_TIMEOUT_S = 60.0


def is_healthy(svc: Service, env: Mapping[str, str] | None = None, since: datetime | None = None) -> bool:
    """Whether `svc` answers its health check; `env` is its environment, for a command check. A
    Prefect worker counts from its first heartbeat after `since` (a restarted one's name is still
    ONLINE from the process before it)."""
    if svc.health is None:
        return True
    if svc.health.shell:
        inside = ["ip", "netns", "exec", svc.host] if svc.host else []  # checked from where it runs
        try:
            check = subprocess.run([*inside, "/bin/sh", "-c", svc.health.shell], env=env, capture_output=True,
                                   timeout=HEALTH_COMMAND_TIMEOUT_S, check=False, stdin=subprocess.DEVNULL)
            return check.returncode == 0
        except subprocess.TimeoutExpired:
            return False
    try:
        if svc.kind == "prefect-worker":
            response = httpx.post(svc.health.url, json={}, timeout=3)
            workers = response.json() if response.status_code == 200 else []
            name = _option(svc.command, "--name")  # a numbered copy: that worker itself
            return any(worker.get("status") == "ONLINE" and name in (None, worker.get("name"))
                       and (since is None or _after(worker.get("last_heartbeat_time"), since))
                       for worker in workers)
        response = httpx.get(svc.health.url, timeout=3)
    except httpx.HTTPError:
        return False
    if response.status_code != 200:
        return False
    if not svc.health.json_path and svc.health.expect is None:
        return True
    try:
        document = response.json()
    except json.JSONDecodeError:
        return False
    value = _lookup(document, svc.health.json_path) if svc.health.json_path else document
    return value == svc.health.expect


def _after(stamp: str | None, since: datetime) -> bool:
    try:
        return stamp is not None and datetime.fromisoformat(stamp) > since
    except ValueError:
        return False


def _option(command: tuple[str, ...], flag: str) -> str | None:
    return command[command.index(flag) + 1] if flag in command[:-1] else None


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _argv(settings: LabSettings, svc: Service) -> list[str]:
    """The command line natively: the program from its environment (or Debian), in its namespace if it has one."""
    return (["ip", "netns", "exec", svc.host] if svc.host else []) + _program(settings, svc)


def _program(settings: LabSettings, svc: Service) -> list[str]:
    if svc.system_package:
        found = shutil.which(svc.command[0])
        if found is None:
            raise SetupError(
                f"{svc.command[0]} is missing: {svc.name} runs Debian's {svc.system_package} natively. "
                f"Install it with `apt-get install -y {svc.system_package}` (as root) and retry.")
        bind = (svc.bind_flag, native_placement(settings).bind_host) if svc.bind_flag else ()
        return [found, *svc.command[1:], *bind]
    program = settings.venv_bin(svc.side, svc.command[0])
    if svc.command[0] == "bash" and settings.venv_bin(svc.side, "python").exists():
        # A one-shot chaining commands: the system's shell, with the environment's bin first on its PATH.
        return [shutil.which("bash") or "/bin/bash", *svc.command[1:]]
    if not program.exists():
        raise SetupError(f"{program} is missing: the {svc.side} environment is not installed. Run `./lab setup`.")
    return [str(program), *svc.command[1:]]


def _child_environment(settings: LabSettings, svc: Service, env: Mapping[str, str]) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "PREFECT_", "LAB_"))}
    base["PATH"] = f"{settings.venv(svc.side) / 'bin'}{os.pathsep}{base.get('PATH', '')}"
    if svc.instance_of == "airflow-worker":  # its health check pings celery@$HOSTNAME, as in a container
        base["HOSTNAME"] = svc.name
    base["LAB_LINK_DELAY_FILE"] = str(hosts.delay_file(settings.run_dir))  # read by the `link` service
    return base | dict(env) | {CHECKOUT_VAR: str(settings.root), SERVICE_VAR: svc.name}


def _prepare_homes(settings: LabSettings, secrets: Mapping[str, str]) -> None:
    placement = native_placement(settings)
    for folder in (settings.logs, settings.run_dir, Path(placement.airflow_home), Path(placement.prefect_home)):
        folder.mkdir(parents=True, exist_ok=True)
    passwords = Path(placement.airflow_home) / "passwords.json"
    fd = os.open(passwords, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump({secrets["LAB_ADMIN_USERNAME"]: secrets["LAB_ADMIN_PASSWORD"]}, handle)


def _run_oneshot(settings: LabSettings, svc: Service, env: Mapping[str, str], progress: Progress) -> None:
    log = settings.log_file(svc.name)
    progress(f"  {svc.name}: running `{' '.join(svc.command)}` (log: {log})")
    started = time.monotonic()
    with log.open("ab") as out:
        result = subprocess.run(
            _argv(settings, svc), stdout=out, stderr=subprocess.STDOUT, cwd=settings.root,
            env=_child_environment(settings, svc, env), check=False, stdin=subprocess.DEVNULL)
    if result.returncode != 0:
        raise ServiceStartError(
            f"{svc.name} failed (exit {result.returncode}). Its log is {log}; last lines:\n{_tail(log)}")
    progress(f"  {svc.name}: done in {time.monotonic() - started:.1f} s")


def _start_long_running(
    settings: LabSettings, svc: Service, env: Mapping[str, str], progress: Progress
) -> float:
    log = settings.log_file(svc.name)
    if running_pid(settings, svc.name) is not None:
        progress(f"  {svc.name}: already running")
        return 0.0
    if svc.port is not None and port_in_use(svc.port):
        raise PortTakenError(
            f"port {svc.port}, which {svc.name} needs, is taken by another process: {_listener_of(svc.port)}.\n"
            f"Stop that process (or `./lab down` if it is a lab left from another checkout) and retry.")
    started, started_at = time.monotonic(), datetime.now(UTC)
    since = log.stat().st_size if log.exists() else 0  # what this start wrote, not an earlier one
    with log.open("ab") as out:
        process = subprocess.Popen(
            _argv(settings, svc), stdout=out, stderr=subprocess.STDOUT, cwd=settings.root,
            env=_child_environment(settings, svc, env), start_new_session=True, stdin=subprocess.DEVNULL)
    started_as = f"{process.pid} {_proc_start_time(process.pid)} {env.get('LAB_PROFILE', '')}".rstrip()
    _pid_file(settings, svc.name).write_text(started_as + "\n")
    deadline = started + START_TIMEOUT_S
    while not is_healthy(svc, _child_environment(settings, svc, env), since=started_at):
        if process.poll() is not None:
            raise ServiceStartError(
                f"{svc.name} exited with code {process.returncode} while starting.{_broker_hint(svc, env, log, since)}"
                f" Its log is {log}; last lines:\n{_tail(log)}")
        waited = time.monotonic() - started
        broker = _broker_hint(svc, env, log, since) if waited > BROKER_GRACE_S else ""
        if broker or time.monotonic() > deadline:
            _stop_process(settings, svc.name)
            raise ServiceStartError(
                f"{svc.name} was not healthy after {waited:.0f} s.{broker} Its log is {log}; last lines:\n{_tail(log)}")
        time.sleep(0.25)
    elapsed = time.monotonic() - started
    progress(f"  {svc.name}: healthy after {elapsed:.1f} s (pid {process.pid})")
    return elapsed


#: A Celery worker retries an unreachable broker for ever; `up` gives it this long, then names the broker.
BROKER_GRACE_S = 20.0


def _broker_hint(svc: Service, env: Mapping[str, str], log: Path, since: int) -> str:
    """For a Celery worker not yet healthy: what to say when its log (from `since`) shows the broker out of reach."""
    broker = env.get("AIRFLOW__CELERY__BROKER_URL")
    if svc.kind != "airflow-worker" or broker is None:
        return ""
    try:
        with log.open("rb") as handle:
            handle.seek(since)
            written = handle.read()
        # Celery's retry loop says the first (Airflow masks the URL as ***); its start-up check exits with the second.
        cannot = b"consumer: Cannot connect to" in written or b"OperationalError: Error 111 connecting" in written
    except OSError:
        cannot = False
    return (f" It cannot reach its broker {broker}: is `redis` up (`./lab status`, {log.parent / 'redis.log'})?"
            if cannot else "")


def stack_services(scale_out: int = 0, simulated_hosts: bool = False) -> list[Service]:
    """The services `up` starts, in order: the stack, and with `scale_out` N, Redis before Airflow's
    init, N Celery workers (`airflow-worker-1`…) and N Prefect workers (`prefect-worker`, `-2`…).
    With `simulated_hosts`, worker i of each side runs in namespace `lab-host-i`, reached by the `link`."""
    if scale_out == 0:
        if simulated_hosts:
            raise SetupError("--hosts puts the scaled-out workers on simulated hosts: give --scale-out N too "
                             "(e.g. `./lab up --scale-out 2 --hosts`).")
        return list(SERVICES)
    check_scale_out(scale_out)
    redis, worker = SCALE_OUT_SERVICES
    prefect_worker = next(s for s in SERVICES if s.name == "prefect-worker")
    celery_workers = [replace(worker, name=f"{worker.name}-{i}", instance_of=worker.name,
                              command=(*worker.command, "--celery-hostname", f"celery@{worker.name}-{i}"))
                      for i in range(1, scale_out + 1)]
    prefect_workers = [replace(prefect_worker, name=f"{prefect_worker.name}-{i}", instance_of=prefect_worker.name,
                               command=(*prefect_worker.command, "--name", f"{prefect_worker.name}-{i}"))
                       for i in range(2, scale_out + 1)]
    if simulated_hosts:
        celery_workers = [replace(w, host=hosts.namespace(i)) for i, w in enumerate(celery_workers, start=1)]
        prefect_worker = replace(prefect_worker, host=hosts.namespace(1))
        prefect_workers = [replace(w, host=hosts.namespace(i)) for i, w in enumerate(prefect_workers, start=2)]
    services: list[Service] = [s for s in SERVICES if s.side == "lab"] + [LINK] * simulated_hosts + [redis]
    services += [s for s in SERVICES if s.side == "airflow"] + celery_workers
    services += [s for s in SERVICES if s.side == "prefect" and s.name != prefect_worker.name]
    return services + [prefect_worker, *prefect_workers]


def current_hosts(settings: LabSettings) -> bool:
    """Whether the running stack's workers are on simulated hosts (`./lab up --hosts`)."""
    return (settings.run_dir / "hosts").exists()


def running_services(settings: LabSettings) -> list[Service]:
    """The services of the stack as it was started: its shape and where its workers run."""
    return stack_services(current_scale_out(settings), current_hosts(settings))


def current_scale_out(settings: LabSettings) -> int:
    """How many workers per side the running stack was started with; 0 when it is not scaled out."""
    marker = settings.run_dir / "scale-out"
    written = marker.read_text().strip() if marker.exists() else ""
    return int(written) if written.isdigit() else 0


def up(settings: LabSettings, *, profile: Profile = DEFAULT_PROFILE, scale_out: int = 0,
       simulated_hosts: bool = False, progress: Progress = print) -> dict[str, float]:
    """Bring the native stack up, each step gated on the one before; returns seconds to healthy.

    A stack running with another shape changes shape in place: Airflow's services restart with the
    new executor, the workers the new shape lacks (or runs elsewhere) stop, and the rest
    (PostgreSQL, the Prefect server, the alert receiver) keep running.
    """
    services = stack_services(scale_out, simulated_hosts)
    for svc in services:  # a missing Debian program is named before anything starts
        if svc.system_package:
            _argv(settings, svc)
    if simulated_hosts:
        hosts.require()
    running, running_hosts = current_scale_out(settings), current_hosts(settings)
    restarted = started_under_another(settings, stack_services(running, running_hosts), profile)
    if restarted:
        progress(f"changing profile to {profile}: stopping {', '.join(restarted)}")
        _stop_processes(settings, restarted)
    if (running, running_hosts) != (scale_out, simulated_hosts):
        kept = {s.name: s for s in services}
        doomed = [s.name for s in reversed(stack_services(running, running_hosts)) if not s.oneshot
                  and ((s.side == "airflow" and running != scale_out) or kept.get(s.name) != s
                       or (running_hosts and s.host is not None))  # the namespaces are made again
                  and running_pid(settings, s.name) is not None]
        if doomed:
            progress(f"changing shape ({running} → {scale_out} workers a side"
                     f"{', on simulated hosts' if simulated_hosts else ''}): stopping {', '.join(doomed)}")
            _stop_processes(settings, doomed)
        if running_hosts:
            hosts.remove()
            (settings.run_dir / "hosts").unlink(missing_ok=True)
    secrets = ensure_env_file(settings.env_file, settings.root / ".env.example")
    _prepare_homes(settings, secrets)
    (settings.run_dir / "profile").write_text(profile + "\n")
    (settings.run_dir / "scale-out").write_text(f"{scale_out}\n")
    if simulated_hosts and not current_hosts(settings):
        made = hosts.create(scale_out)
        (settings.run_dir / "hosts").write_text(" ".join(made) + "\n")
        if not hosts.delay_file(settings.run_dir).exists():
            hosts.set_delay(settings.run_dir, 0)
        progress(f"simulated hosts: {', '.join(made)} on bridge {hosts.BRIDGE} ({hosts.LINK_ADDRESS}/24)")
    progress("PostgreSQL")
    started = time.monotonic()
    postgres.start_cluster(settings.run_dir / "postgres.started-by-lab")
    postgres.ensure_databases(secrets, native_placement(settings))
    timings = {"postgres": time.monotonic() - started}
    progress(f"  postgres: ready on 127.0.0.1:{POSTGRES_PORT}")
    for side in ("lab", "airflow", "prefect"):
        progress(side.capitalize())
        for svc in (s for s in services if s.side == side):
            env = service_environment(svc, placement_for(settings, svc), secrets, profile=profile,
                                      scale_out=scale_out > 0)
            if svc.oneshot:
                started = time.monotonic()
                _run_oneshot(settings, svc, env, progress)
                timings[svc.name] = time.monotonic() - started
            else:
                timings[svc.name] = _start_long_running(settings, svc, env, progress)
    return timings


def _signal_group(pid: int, sig: int) -> bool:
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        return False
    return True


def kill_service(settings: LabSettings, name: str) -> int:
    """SIGKILL a service and every process it started, as a crashed container dies; returns its pid.

    The pid file stays, so `status` shows the service as stopped and `start_service` (or `up`)
    brings it back.
    """
    pid = running_pid(settings, name)
    if pid is None:
        raise ServiceDownError(f"{name} is not running, so it cannot be killed; start the lab with `./lab up`.")
    doomed = set(tree_members({pid: name})) | {p for p, svc in lab_processes(settings).items() if svc == name}
    for member in doomed:
        with contextlib.suppress(ProcessLookupError):
            os.kill(member, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while any(_process_state(member) not in (None, "Z") for member in doomed) and time.monotonic() < deadline:
        time.sleep(0.05)
    return pid


@contextlib.contextmanager
def measuring_only(settings: LabSettings, side: str) -> Iterator[int]:
    """While one orchestrator is measured, the other's processes are paused (SIGSTOP), then resumed.

    A paused process takes no CPU and answers nothing; its memory stays, so the UIs and the other
    side's state are back the moment it resumes (a restart would cost 15-30 s per side and step).
    PostgreSQL, which both use, keeps running, and so do the lab's own services (the alert receiver).
    Yields how many processes were paused: none where the services are not this checkout's
    processes (the compose stack, or a stack that is down).
    """
    others = {svc.name: svc for svc in running_services(settings) if svc.side not in (side, "lab")}
    roots = {pid: name for name, svc in others.items()
             if not svc.oneshot and (pid := running_pid(settings, name)) is not None}
    paused = set(tree_members(roots)) | {pid for pid, name in lab_processes(settings).items() if name in others}
    for pid in paused:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGSTOP)
    deadline = time.monotonic() + 2  # the signal is delivered asynchronously: measure once it has landed
    while time.monotonic() < deadline and not all(_process_state(pid) in ("T", None) for pid in paused):
        time.sleep(0.01)
    try:
        yield len(paused)
    finally:
        for pid in paused:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)


def _process_state(pid: int) -> str | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return None


def _resume_all(settings: LabSettings) -> None:
    """SIGCONT every process of this checkout's services: a paused process ignores SIGTERM until resumed."""
    for pid in lab_processes(settings):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGCONT)


def stop_service(settings: LabSettings, name: str) -> bool:
    """Stop one service gracefully (SIGTERM, then SIGKILL after 20 s), as `down` does for all."""
    return _stop_process(settings, name)


def start_service(settings: LabSettings, name: str, *, progress: Progress = print) -> float:
    """(Re)start one long-running service with the running stack's profile; seconds to healthy."""
    services = running_services(settings)
    svc = next((s for s in services if s.name == name and not s.oneshot), None)
    if svc is None:
        raise SetupError(f"no long-running service {name!r}; services: "
                         + ", ".join(s.name for s in services if not s.oneshot))
    env = _environment(settings, svc)
    return _start_long_running(settings, svc, env, progress)


def deploy(settings: LabSettings, *, progress: Progress = print) -> None:
    """Re-run the one-shot deploy job against the running stack (after adding a flow file)."""
    secrets = ensure_env_file(settings.env_file, settings.root / ".env.example")
    svc = next(s for s in SERVICES if s.name == "prefect-deploy")
    env = _environment(settings, svc, secrets)
    _run_oneshot(settings, svc, env, progress)


#: Prefect's other way to run deployments: one `prefect.serve` process that polls the server and
#: starts each run itself, with no work pool and no worker. Not part of the stack: the bench workload
#: `served` starts it for its steps, with the worker's environment, and `down` stops it with the rest.
SERVE = Service("prefect-serve", "prefect", ("python", "-m", "comparisons.inside.prefect.serve"))
SERVE_READY_TIMEOUT_S = 120.0


@contextlib.contextmanager
def serving(settings: LabSettings, pairs: list[str], *, progress: Progress = print) -> Iterator[None]:
    """A `prefect.serve` process for `pairs` (deployments `<pair>/<pair>-served`) while the block runs."""
    secrets = ensure_env_file(settings.env_file, settings.root / ".env.example")
    worker = next(s for s in SERVICES if s.name == "prefect-worker")
    env = _environment(settings, worker, secrets)
    svc = Service(SERVE.name, SERVE.side, (*SERVE.command, *pairs))
    _start_long_running(settings, svc, env, progress)
    client = PrefectClient(settings.prefect_url, deployment_suffix=SERVED_SUFFIX)
    try:
        deadline = time.monotonic() + SERVE_READY_TIMEOUT_S
        while not all(client.is_polled(pair) for pair in pairs):
            if running_pid(settings, svc.name) is None or time.monotonic() > deadline:
                log = settings.log_file(svc.name)
                raise ServiceStartError(
                    f"prefect-serve did not start polling for {', '.join(pairs)} within "
                    f"{SERVE_READY_TIMEOUT_S:.0f} s. Its log is {log}; last lines:\n{_tail(log)}")
            time.sleep(0.5)
        yield
    finally:
        _stop_process(settings, svc.name)


def _environment(settings: LabSettings, svc: Service, secrets: Mapping[str, str] | None = None) -> dict[str, str]:
    """`svc`'s environment in the running stack: its profile, and scaled out or not."""
    secrets = secrets or ensure_env_file(settings.env_file, settings.root / ".env.example")
    return service_environment(svc, placement_for(settings, svc), secrets, profile=current_profile(settings),
                               scale_out=current_scale_out(settings) > 0)


def current_profile(settings: LabSettings) -> Profile:
    """The profile the running stack was started with (`./lab up --profile`)."""
    marker = settings.run_dir / "profile"
    written = marker.read_text().strip() if marker.exists() else ""
    return next((profile for profile in PROFILES if profile == written), DEFAULT_PROFILE)


def _stop_process(settings: LabSettings, name: str, timeout: float = 20.0) -> bool:
    return bool(_stop_processes(settings, [name], timeout))


def _stop_processes(settings: LabSettings, names: list[str], timeout: float = 20.0) -> list[str]:
    """SIGTERM every named service's process group at once, then SIGKILL what is left after `timeout`."""
    pids = {}
    for name in names:
        pid = running_pid(settings, name)
        _pid_file(settings, name).unlink(missing_ok=True)
        if pid is not None and _signal_group(pid, signal.SIGTERM):
            pids[name] = pid
    deadline = time.monotonic() + timeout
    alive = dict(pids)
    while alive and time.monotonic() < deadline:
        alive = {n: p for n, p in alive.items() if _signal_group(p, 0)}
        time.sleep(0.1)
    for pid in alive.values():
        _signal_group(pid, signal.SIGKILL)
    return list(pids)


def down(settings: LabSettings, *, progress: Progress = print) -> list[str]:
    """Stop every process the lab started, and nothing else; returns what was stopped."""
    _resume_all(settings)  # a harness killed mid-measurement may have left one side paused
    services = running_services(settings)
    # Whatever has a pid file, too: a stack started by an older checkout, or with another shape.
    names = [svc.name for svc in reversed(services) if not svc.oneshot]
    names += sorted({path.stem for path in settings.run_dir.glob("*.pid")} - set(names))
    stopped = _stop_processes(settings, names)
    for name in stopped:
        progress(f"  stopped {name}")
    # A service killed by a fault may leave children behind (a flow-run or task process, re-parented):
    # they carry this checkout's marker. A dead service's pid is never used: it may be recycled.
    for _ in range(2):
        leftovers = lab_processes(settings)
        for pid in leftovers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if leftovers:
            progress(f"  killed {len(leftovers)} leftover process(es) of the lab's services")
            time.sleep(0.2)
    for name in names:
        _pid_file(settings, name).unlink(missing_ok=True)
    (settings.run_dir / "scale-out").unlink(missing_ok=True)
    removed = hosts.remove()
    if removed:
        progress(f"  removed the simulated hosts and their link: {', '.join(removed)}")
    for marker in ("hosts", hosts.delay_file(settings.run_dir).name):
        (settings.run_dir / marker).unlink(missing_ok=True)
    if postgres.stop_cluster(settings.run_dir / "postgres.started-by-lab"):
        stopped.append("postgres")
        progress("  stopped postgres (the lab had started it)")
    return stopped


def status(settings: LabSettings) -> list[ServiceStatus]:
    urls = {"airflow-apiserver": f"http://127.0.0.1:{AIRFLOW_PORT}", "prefect-server": f"http://127.0.0.1:{PREFECT_PORT}",
            "alert-receiver": f"http://127.0.0.1:{ALERT_PORT}/alerts/", "redis": f"redis://127.0.0.1:{REDIS_PORT}",
            "link": f"http://{hosts.LINK_ADDRESS} (the simulated hosts' way in)"}
    rows = [ServiceStatus("postgres", postgres.is_ready(), postgres.is_ready(), None,
                          f"postgresql://127.0.0.1:{POSTGRES_PORT}", postgres.CLUSTER_LOG)]
    secrets = ensure_env_file(settings.env_file, settings.root / ".env.example")
    for svc in running_services(settings):
        if svc.oneshot:
            continue
        pid = running_pid(settings, svc.name)
        healthy = pid is not None and is_healthy(
            svc, _child_environment(settings, svc, _environment(settings, svc, secrets)))
        rows.append(ServiceStatus(svc.name, pid is not None, healthy, pid,
                                  urls.get(svc.name), settings.log_file(svc.name)))
    return rows
