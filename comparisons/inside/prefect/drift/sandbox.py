"""The Prefect probes' sandbox: one throw-away home, one ephemeral server, and ways to watch a snippet.

`isolate` points Prefect at the sandbox before Prefect is imported; `SERVER` starts Prefect's ephemeral
server in the background while the server-free probes run; `captured` collects what a snippet prints and
logs; `prefect_cli` runs one of the lesson's CLI commands in this process, so its error is the finding.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import re
import shutil
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

from comparisons.inside.common.probe import CommandFailed, ProbeBroken
from comparisons.inside.prefect.flow_call import _isolated_env, _template_db


class EphemeralServer:
    """Prefect's throw-away API, started in a thread while the server-free probes run."""

    def __init__(self) -> None:
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def start(self) -> None:
        """Start the server in the background; `wait` says whether it came up."""
        from prefect.server.api.server import SubprocessASGIServer

        def start_server() -> None:
            try:
                SubprocessASGIServer().start()
            except BaseException as exc:  # reported by wait(), in the main thread
                self._error = exc

        self._thread = threading.Thread(target=start_server, name="ephemeral-prefect", daemon=True)
        self._thread.start()

    def wait(self) -> None:
        """Block until the server answers; a server that never does stops the whole run."""
        if self._thread is None:
            self.start()
        assert self._thread is not None
        self._thread.join()
        if self._error is not None:
            raise ProbeBroken(f"Prefect's ephemeral server did not start: {self._error!r} (its output is on stderr)")


SERVER = EphemeralServer()


def isolate(home: Path) -> None:
    """Point Prefect at `home` before it is imported (it reads its settings once, at import)."""
    shutil.copyfile(_template_db(), home / "prefect.db")
    isolated = _isolated_env(home)
    os.environ.clear()
    os.environ.update(isolated)


class Captured(logging.Handler):
    """Prefect's log records while a snippet runs, kept for the probe to read."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def messages(self) -> list[str]:
        return [record.getMessage() for record in self.records]


@contextlib.contextmanager
def captured() -> Iterator[tuple[io.StringIO, Captured]]:
    """The lesson's print() output and Prefect's log records, while the block runs."""
    printed, logs = io.StringIO(), Captured()
    logger = logging.getLogger("prefect")
    logger.addHandler(logs)
    try:
        with contextlib.redirect_stdout(printed):
            yield printed, logs
    finally:
        logger.removeHandler(logs)


def prefect_cli(*tokens: str) -> str:
    """Run `prefect <tokens>` in this process, through the console script's entry point.

    Returns its output; a non-zero exit raises CommandFailed with the command's own error (for an
    exception, the last line of the traceback it prints).
    """
    from prefect.cli import app

    out, err = io.StringIO(), io.StringIO()
    argv, code = sys.argv, 0
    sys.argv = ["prefect", *tokens]
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            app()
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    finally:
        sys.argv = argv
    sys.stderr.write(out.getvalue() + err.getvalue())
    if code:
        error = _command_error(out.getvalue(), err.getvalue())
        raise CommandFailed(f"`prefect {' '.join(tokens)}` exits {code}: {error}")
    return out.getvalue()


def _command_error(out: str, err: str) -> str:
    """The useful line of a failed command: the server's validation message, else the exception, else
    the command's first line of output."""
    exceptions = [line for line in err.splitlines() if re.match(r"^[\w.]+(Error|Exception): ", line)]
    if exceptions:
        last = exceptions[-1]
        message = re.search(r"""'msg': ["'](.+?)["'], 'input'""", last)
        kind = last.split(":", 1)[0].rsplit(".", 1)[-1]
        return f"{kind}: {message.group(1)}" if message else last
    return " ".join(out.split())


@contextlib.contextmanager
def in_folder(folder: Path) -> Iterator[Path]:
    """Run the block in `folder` (made if missing): the lesson's CLI commands read and write the current one."""
    folder.mkdir(parents=True, exist_ok=True)
    previous = Path.cwd()
    os.chdir(folder)
    try:
        yield folder
    finally:
        os.chdir(previous)


def help_lists(command: str, *options: str) -> str:
    """`prefect <command> --help` succeeds and lists each option the lesson passes."""
    text = prefect_cli(*command.split(), "--help")
    missing = [option for option in options if option not in text]
    if missing:
        raise CommandFailed(f"`prefect {command}` no longer has {', '.join(missing)}")
    return f"`prefect {command}` exists" + (f" with {', '.join(options)}" if options else "")
