"""Domain errors. Every message says what went wrong and what to do next."""
from __future__ import annotations


class MemqaError(Exception):
    """Base class; the CLI maps it to exit code 2, the API to a 4xx/503 JSON body."""

    exit_code = 2


class NotAReportError(MemqaError):
    """A corpus file does not look like a MEM evaluation report."""


class CorpusError(MemqaError):
    """The corpus folder or a report's metadata file is missing or invalid."""


class IndexMissingError(MemqaError):
    """No index folder / manifest where one was expected."""


class StaleIndexError(MemqaError):
    """The index was built from another corpus, encoder or format."""


class CorruptIndexError(MemqaError):
    """A file inside the index folder is missing or unreadable."""


class EncoderError(MemqaError):
    """The encoder model cannot be loaded."""


class SettingsError(MemqaError, ValueError):
    """A build setting is out of range (e.g. a passage window too small for its context)."""


class BadQuestionError(MemqaError):
    """The question or its options are invalid (empty, too long, bad k, unknown filter)."""


class NotFoundError(MemqaError):
    """An unknown section id."""


class CalibrationError(MemqaError):
    """The answerability model is missing or was fitted for other features or another encoder."""


class DestinationError(MemqaError, OSError):
    """``memqa build`` refuses or cannot write its ``--index`` folder (not an index, the corpus, read-only)."""
