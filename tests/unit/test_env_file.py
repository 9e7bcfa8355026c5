"""`.env`: generated once, kept after, and one set of secrets when several lab processes start at once."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from comparisons.settings import REPO_ROOT
from comparisons.stack.secrets import GENERATED, ensure_env_file

EXAMPLE = REPO_ROOT / ".env.example"


def _secrets_seen(path: str, start: multiprocessing.synchronize.Event, answers: multiprocessing.Queue) -> None:
    start.wait(10)
    answers.put(ensure_env_file(Path(path), EXAMPLE))


def test_secrets_are_generated_once_and_kept(tmp_path: Path) -> None:
    first = ensure_env_file(tmp_path / ".env", EXAMPLE)
    assert set(GENERATED) <= {key for key, value in first.items() if value}
    assert ensure_env_file(tmp_path / ".env", EXAMPLE) == first
    assert (tmp_path / ".env").stat().st_mode & 0o777 == 0o600


def test_lab_processes_starting_together_on_a_fresh_clone_agree_on_one_set_of_secrets(tmp_path: Path) -> None:
    """`./lab test`'s two lanes (or `./lab up` in another terminal) may both find no `.env`."""
    context = multiprocessing.get_context("fork")
    start, answers = context.Event(), context.Queue()
    racers = [context.Process(target=_secrets_seen, args=(str(tmp_path / ".env"), start, answers)) for _ in range(6)]
    for racer in racers:
        racer.start()
    start.set()
    seen = [answers.get(timeout=30) for _ in racers]
    for racer in racers:
        racer.join(10)
    assert all(answer == seen[0] for answer in seen), "each process wrote secrets of its own"
    assert ensure_env_file(tmp_path / ".env", EXAMPLE) == seen[0]
