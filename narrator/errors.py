"""The exceptions narrator raises; each also inherits the builtin it stands for."""

from __future__ import annotations


class NarratorError(Exception):
    """Base of every error narrator reports to a user."""


class InputError(NarratorError, ValueError):
    """The article given cannot be read or has nothing to narrate."""


class OutputError(NarratorError, OSError):
    """The output cannot be written where it was asked to go."""


class EngineError(NarratorError, RuntimeError):
    """A speech engine failed or cannot be used."""


class EngineUnavailable(EngineError):
    """The engine is not usable on this machine or for this text."""


class UnknownEngine(EngineError, LookupError):
    """No engine has the name that was asked for."""


class NetworkError(EngineError, ConnectionError):
    """A network engine could not get audio from its service."""
