"""Every failure a user can act on, each with the fix in its message.

LabError
├── SetupError          an environment, a binary or the state folder is not usable
├── PortTakenError      a port the lab needs belongs to another process
├── ServiceStartError   a service did not become healthy (names its log file)
├── ServiceDownError    an orchestrator is not answering (names the command that starts it)
├── AuthError           credentials were refused
├── UnknownPairError    no such pipeline pair (lists the known ones)
├── UnknownScenarioError no such fault scenario (lists the known ones)
├── BadParametersError  parameters a pipeline does not accept
├── RunFailedError      a run ended in a state other than the one expected
└── DownstreamMissingError a run's landing event started no run of its downstream pipeline in time
                        (names the side, what was waited for and the log to read)

The CLI prints ``str(error)`` without a traceback and exits with ``error.exit_code``.
"""

from __future__ import annotations

__all__ = [
    "AuthError",
    "BadParametersError",
    "DownstreamMissingError",
    "LabError",
    "PortTakenError",
    "RunFailedError",
    "ServiceDownError",
    "ServiceStartError",
    "SetupError",
    "UnknownPairError",
    "UnknownScenarioError",
]


class LabError(Exception):
    """Base class: a failure the user can fix; the message says how."""

    exit_code = 1


class SetupError(LabError):
    exit_code = 3


class PortTakenError(LabError):
    exit_code = 4


class ServiceStartError(LabError):
    exit_code = 5


class ServiceDownError(LabError):
    exit_code = 6


class AuthError(LabError):
    exit_code = 7


class UnknownPairError(LabError):
    exit_code = 2


class UnknownScenarioError(LabError):
    exit_code = 2


class BadParametersError(LabError):
    exit_code = 2


class RunFailedError(LabError):
    exit_code = 8


class DownstreamMissingError(LabError):
    exit_code = 9
