"""Request checks every surface applies before the model runs: the token cap on a question, filters
that match nothing, and text that cannot be encoded (lone surrogates).

The 2,000-character limit does not bound cost: 2,000 emoji are 2,006 e5 tokens, encoded in four
512-token windows (~4.5 s of CPU against ~26 ms for an ordinary question). A question is therefore
also capped at ``MAX_QUESTION_TOKENS`` tokens of the encoders that will embed it — one e5 window;
any 2,000-character question in English, Spanish, Portuguese or French stays under it (~400
tokens). Over the cap it is refused (HTTP 422, MCP tool error, CLI exit 2) with a message stating
the limit, rather than silently truncated: a truncated question would be answered as if the user
had asked something shorter.

>>> from memqa.encoders import FakeEncoder
>>> check_question_tokens({"fake": FakeEncoder()}, "How are precursors controlled?")
6
"""
from __future__ import annotations

from collections.abc import Mapping

from .errors import BadQuestionError

MAX_QUESTION_TOKENS = 512  # one window of multilingual-e5-small


def question_tokens(encoders: Mapping, question: str) -> int:
    """The question's length in the tokens of the most demanding loaded encoder."""
    return max((e.count_tokens(question) for e in encoders.values()), default=0)


def check_question_tokens(encoders: Mapping, question: str, limit: int = MAX_QUESTION_TOKENS) -> int:
    """The token count, or BadQuestionError when over ``limit`` (one line stating the limit)."""
    n = question_tokens(encoders, question)
    if n > limit:
        raise BadQuestionError(
            f"question is {n} tokens long; the limit is {limit} tokens (about 2,000 characters of ordinary text, "
            "fewer for emoji or symbols). Shorten it to the key point."
        )
    return n


def lone_surrogate(value: object) -> str | None:
    """The first lone UTF-16 surrogate in any string inside ``value`` (e.g. ``"\\ud800"``), as ``U+D800``."""
    if isinstance(value, str):
        for ch in value:
            if "\ud800" <= ch <= "\udfff":
                return f"U+{ord(ch):04X}"
        return None
    if isinstance(value, dict):
        items = [*value.keys(), *value.values()]
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        return None
    for item in items:
        if (found := lone_surrogate(item)) is not None:
            return found
    return None


def check_text(value: object, what: str = "the arguments") -> None:
    """BadQuestionError when ``value`` holds a lone surrogate (it cannot be encoded as UTF-8)."""
    found = lone_surrogate(value)
    if found is not None:
        raise BadQuestionError(f"{what} contain a lone surrogate ({found}), which is not text; send valid Unicode "
                               "(a surrogate pair encodes one character, e.g. \\ud83d\\ude00).")


def filters_match_nothing(assistant, objective: int | None = None, kind: str | None = None,
                          report: str | None = None) -> str | None:
    """The message to give when the filters together allow no citable unit (e.g. the preface of
    objective 5), else None: better a clear notice than ``answerable: true`` with nothing to cite."""
    if all(v is None for v in (objective, kind, report)):
        return None
    if assistant.mask(objective, kind, report).any():
        return None
    asked = ", ".join(f"{name} {value!r}" for name, value in
                      (("objective", objective), ("kind", kind), ("report", report)) if value is not None)
    return (f"no citable unit matches {asked} together; drop or change a filter (see /sections or "
            "`memqa sections` for what each report holds).")


def check_filters_match(assistant, objective: int | None = None, kind: str | None = None,
                        report: str | None = None) -> None:
    """BadQuestionError (CLI exit 2, MCP tool error) when ``filters_match_nothing``."""
    if (message := filters_match_nothing(assistant, objective, kind, report)) is not None:
        raise BadQuestionError(message)
