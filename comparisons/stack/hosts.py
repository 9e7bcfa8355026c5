"""Simulated hosts: each scaled-out worker in a network namespace of its own, on a private link.

`./lab up --scale-out N --hosts` puts worker i (`airflow-worker-i` and the i-th Prefect worker)
in namespace `lab-host-i`, whose only interface is one end of a veth pair; the other ends join
the bridge `lab-br`, which holds the control plane's address on the link, 10.253.0.1. Nothing is
routed beyond the bridge: a namespace has no default route, so it reaches this machine's link
address and nothing else.

The control plane (PostgreSQL, Redis, both API servers, the alert receiver) keeps listening on
loopback; the link service (`link_proxy`) listens on 10.253.0.1 and carries each connection to
it, adding the link's delay. What is simulated is the network path only: the namespaces share
this machine's CPUs, memory, filesystem and clock.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from comparisons.errors import SetupError

__all__ = ["BRIDGE", "LINK_ADDRESS", "create", "current_delay", "delay_file", "namespace", "present", "remove",
           "require", "set_delay"]

BRIDGE = "lab-br"
SUBNET = "10.253.0"
LINK_ADDRESS = f"{SUBNET}.1"
NAMESPACE_PREFIX = "lab-host-"
VETH_PREFIX = "lab-veth"


def namespace(index: int) -> str:
    return f"{NAMESPACE_PREFIX}{index}"


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(["ip", *args], capture_output=True, text=True, check=False)
    if check and result.returncode != 0:
        raise SetupError(f"`ip {' '.join(args)}` failed: {result.stderr.strip()}. Simulated hosts need root "
                         f"and iproute2 (Debian's `iproute2`); `./lab down` removes what was made.")
    return result


def require() -> None:
    """Refuse, with what to do, where namespaces cannot be made (no `ip`, not root)."""
    if shutil.which("ip") is None:
        raise SetupError("`ip` is missing: simulated hosts need Debian's iproute2 (`apt-get install -y iproute2`).")
    if os.geteuid() != 0:
        raise SetupError("simulated hosts (--hosts) create network namespaces, which needs root; run the lab as "
                         "root or drop --hosts.")


def present() -> tuple[list[str], bool]:
    """The lab's namespaces that exist, and whether its bridge does."""
    if shutil.which("ip") is None:
        return [], False
    listed = _ip("netns", "list", check=False).stdout.split()
    spaces = sorted(name for name in listed if name.startswith(NAMESPACE_PREFIX))
    return spaces, _ip("link", "show", BRIDGE, check=False).returncode == 0


def create(count: int) -> list[str]:
    """The bridge and `count` namespaces, each joined to it by a veth pair; returns the namespaces."""
    require()
    remove()
    _ip("link", "add", BRIDGE, "type", "bridge")
    _ip("addr", "add", f"{LINK_ADDRESS}/24", "dev", BRIDGE)
    _ip("link", "set", BRIDGE, "up")
    made = []
    for index in range(1, count + 1):
        space, veth = namespace(index), f"{VETH_PREFIX}{index}"
        _ip("netns", "add", space)
        _ip("link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", space)
        _ip("link", "set", veth, "master", BRIDGE, "up")
        _ip("-n", space, "addr", "add", f"{SUBNET}.{10 + index}/24", "dev", "eth0")
        _ip("-n", space, "link", "set", "eth0", "up")
        _ip("-n", space, "link", "set", "lo", "up")
        made.append(space)
    return made


def remove() -> list[str]:
    """Delete every namespace and link the lab made: the veth pairs first (a namespace's deletion would
    take its pair with it, but later, from the kernel's own queue), then the namespaces, then the bridge."""
    spaces, bridge = present()
    links = _ip("-o", "link", "show", check=False).stdout if shutil.which("ip") else ""
    for veth in sorted({line.split(":")[1].strip().split("@")[0] for line in links.splitlines()
                        if line.split(":")[1].strip().startswith(VETH_PREFIX)}):
        _ip("link", "delete", veth, check=False)
    for space in spaces:
        _ip("netns", "delete", space, check=False)
    if bridge:
        _ip("link", "delete", BRIDGE, check=False)
    return spaces + ([BRIDGE] if bridge else [])


def delay_file(run_dir: Path) -> Path:
    return run_dir / "link-delay-ms"


def current_delay(run_dir: Path) -> float | None:
    """The delay the link adds now (ms), or None where no link was set up."""
    try:
        return float(delay_file(run_dir).read_text())
    except (OSError, ValueError):
        return None


def set_delay(run_dir: Path, milliseconds: float) -> None:
    """The delay the link adds to each round trip from now on (the link service re-reads it)."""
    if not 0 <= milliseconds <= 1000:
        raise SetupError(f"a link delay of {milliseconds:g} ms is out of range: give 0 to 1000 ms.")
    target = delay_file(run_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = target.with_suffix(".tmp")
    scratch.write_text(f"{milliseconds:g}\n")
    scratch.replace(target)
