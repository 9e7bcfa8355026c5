"""The link between the simulated hosts and the control plane, with its delay.

Listens on the bridge's address (`hosts.LINK_ADDRESS`) on each control-plane port and carries
every connection to the same port on loopback, where the services listen. What a worker sends
is held for the link's delay before it goes on, and replies come straight back: each round trip
gets the delay once, as `tc netem delay` on the worker's side of a link would add. (This
machine's kernel has no netem qdisc, so the delay is added here, in user space: see
docs/scale-out.md.) The delay is re-read every half second from the file `LAB_LINK_DELAY_FILE`
names (`hosts.delay_file`), so a sweep changes it without dropping a connection.

Run as the `link` service: `python -m comparisons.stack.link_proxy PORT...`.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import time
from pathlib import Path

from comparisons.stack.hosts import LINK_ADDRESS

__all__ = ["DELAY_VARIABLE", "Link", "main"]

DELAY_VARIABLE = "LAB_LINK_DELAY_FILE"
CHUNK = 65536


class Link:
    """Connections from the link's address to loopback, the worker-to-server direction delayed."""

    def __init__(self, delays: Path, listen: str = LINK_ADDRESS, target: str = "127.0.0.1") -> None:
        self.delays, self.listen, self.target = delays, listen, target
        self.delay_s = 0.0

    def _read_delay(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.delay_s = float(self.delays.read_text()) / 1000

    async def _watch_delay(self) -> None:
        while True:
            self._read_delay()
            await asyncio.sleep(0.5)

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, delayed: bool) -> None:
        held: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

        async def deliver() -> None:
            while True:
                due, data = await held.get()
                if not data:
                    break
                if (wait := due - time.monotonic()) > 0:
                    await asyncio.sleep(wait)
                writer.write(data)
                await writer.drain()

        sender = asyncio.create_task(deliver())
        try:
            while data := await reader.read(CHUNK):
                await held.put((time.monotonic() + (self.delay_s if delayed else 0.0), data))
        except (ConnectionError, OSError):
            pass
        finally:
            await held.put((0.0, b""))
            with contextlib.suppress(ConnectionError, OSError):
                await sender
            with contextlib.suppress(ConnectionError, OSError):
                writer.close()

    async def _connection(self, port: int, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        try:
            server_r, server_w = await asyncio.open_connection(self.target, port)
        except OSError:
            client_w.close()  # the service is down: the worker sees its connection refused, as without the link
            return
        await asyncio.gather(self._pump(client_r, server_w, delayed=True),
                             self._pump(server_r, client_w, delayed=False))

    async def serve(self, ports: list[int]) -> None:
        self._read_delay()
        servers = [await asyncio.start_server(lambda r, w, p=port: self._connection(p, r, w), self.listen, port)
                   for port in ports]
        print(f"link: {self.listen} → {self.target} on ports {', '.join(map(str, ports))}, "
              f"delay {self.delay_s * 1000:g} ms per round trip (from {self.delays})", flush=True)
        watcher = asyncio.create_task(self._watch_delay())
        try:
            await asyncio.gather(*(server.serve_forever() for server in servers))
        finally:
            watcher.cancel()


def main(argv: list[str]) -> int:
    delays = os.environ.get(DELAY_VARIABLE)
    if not argv or not delays:
        print(f"usage: {DELAY_VARIABLE}=FILE python -m comparisons.stack.link_proxy PORT...", file=sys.stderr)
        return 2
    asyncio.run(Link(Path(delays)).serve([int(port) for port in argv]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
