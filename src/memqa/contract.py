"""The one argument contract of a search, shared by every surface: HTTP ``/ask``, MCP
``search_report``, the OpenAI function schema and the CLI.

``SearchArgs`` is strict: JSON types must match exactly (``"5"``, ``5.5`` and ``true`` are not
integers; ``5.0`` is, as JSON Schema counts it) and unknown fields are rejected, so a typo such as
``"objetive"`` gives a clear error instead of a silently unfiltered answer. ``search_args_model``
narrows ``objective`` and ``report`` to the values of the loaded index, so the schema lists them.
``check_args`` validates a dict of arguments and raises ``BadQuestionError`` with one line that
names the field and the fix — the same sentence on every surface.
"""
from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, create_model
from pydantic_core import PydanticCustomError

from .errors import BadQuestionError
from .limits import K_DEFAULT, K_MAX, MAX_QUESTION_CHARS, MIN_MAX_TOKENS

ION_QUESTION = "Which agencies are ION focal points?"
# A question must contain a visible character: not only whitespace or control characters.
# Enforcement is Assistant.check_question (one message everywhere); the pattern documents the rule.
QUESTION_PATTERN = r"[^\s\x00-\x1f\x7f-\x9f]"

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


class SearchArgs(BaseModel):
    """A question and optional filters."""

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
        description=f"The user's question in plain language (English, Spanish, Portuguese or French), "
        f"1–{MAX_QUESTION_CHARS} characters with at least one visible character.",
        json_schema_extra={"minLength": 1, "maxLength": MAX_QUESTION_CHARS, "pattern": QUESTION_PATTERN},
        examples=[ION_QUESTION],
    )
    k: JSONInt = Field(K_DEFAULT, ge=1, le=K_MAX,
                       description=f"How many cited units to return, best first (1–{K_MAX}, default {K_DEFAULT}).")
    objective: JSONInt | None = Field(None, description="Only this MEM objective.", examples=[2])
    kind: Kind | None = Field(None, description="Only this kind of citable unit.", examples=["priority_action"])
    report: str | None = Field(None, description="Only this report id.", examples=["mexico-2022"])


class ToolSearchArgs(SearchArgs):
    """``SearchArgs`` plus the chat tools' token budget."""

    max_tokens: Annotated[int, Field(ge=MIN_MAX_TOKENS), BeforeValidator(_json_integer)] | None = Field(
        None,
        description=f"Optional token budget (cl100k_base, at least {MIN_MAX_TOKENS}) for the whole result: the "
        "lowest-ranked passages are dropped first, then the last kept passage is cut at a sentence boundary.")


def search_args_model(objectives: list[int], reports: list[str], base: type[SearchArgs] = SearchArgs,
                      objective_titles: dict[int, str] | None = None) -> type[SearchArgs]:
    """``base`` with ``objective`` and ``report`` restricted to what the index holds.

    >>> M = search_args_model([1, 2], ["mexico-2022"])
    >>> M(question="q", objective=2).objective
    2
    """
    objective_t: Any = JSONInt
    if objectives:
        objective_t = Annotated[Literal.__getitem__(tuple(objectives)), BeforeValidator(_json_integer)]
    report_t: Any = Literal.__getitem__(tuple(reports)) if reports else str
    titles = objective_titles or {}
    listing = "; ".join(f"{o} {titles[o]}" for o in objectives if titles.get(o))
    return create_model(
        base.__name__,
        __base__=base,
        __doc__=base.__doc__,
        objective=(
            objective_t | None,
            Field(None, description="Only this MEM objective" + (f" ({listing})" if listing else "") +
                  ". Leave empty to search every objective.", examples=[objectives[0] if objectives else 1]),
        ),
        report=(
            report_t | None,
            Field(None, description="Only this report id (the reports in the index). Leave empty to search all.",
                  examples=[reports[0] if reports else "mexico-2022"]),
        ),
    )


def field_of(loc: tuple) -> str:
    parts = [str(p) for p in loc[1:]] if loc and loc[0] in ("body", "query", "path") else [str(p) for p in loc]
    return ".".join(parts) or "body"


def rule(model: type[BaseModel], name: str) -> str | None:
    """What a field accepts, in words, from the model's own JSON schema ("an integer from 1 to 20")."""
    prop = model.model_json_schema().get("properties", {}).get(name)
    if prop is None:
        return None
    options = prop.get("anyOf", [prop])
    optional = any(o.get("type") == "null" for o in options)
    o = next((o for o in options if o.get("type") != "null"), {})
    tail = " or left empty" if optional else ""
    values = o.get("enum") or ([o["const"]] if "const" in o else None)
    if values and all(isinstance(v, int) for v in values) and sorted(values) == list(range(min(values), max(values) + 1)):
        return f"an integer from {min(values)} to {max(values)}{tail}"
    if values:
        return "one of " + ", ".join(map(repr, values)) + tail
    if o.get("type") == "integer":
        lo, hi = o.get("minimum", prop.get("minimum")), o.get("maximum", prop.get("maximum"))
        if lo is not None and hi is not None:
            return f"an integer from {lo} to {hi}{tail}"
        if lo is not None:
            return f"an integer of at least {lo}{tail}"
        return f"an integer{tail}"
    if o.get("type") == "string":
        return f"a string{tail}"
    return None


def error_details(errors: list[dict], model: type[BaseModel]) -> list[dict]:
    """Pydantic errors as ``{"field", "message", "type"}`` with messages a person can act on."""
    fields = list(model.model_fields)
    out = []
    for e in errors:
        name, kind = field_of(tuple(e.get("loc", ()))), str(e.get("type", ""))
        if kind == "extra_forbidden":
            message = f"unknown field; the accepted fields are {', '.join(fields)}"
        elif kind == "missing":
            message = "required field is missing"
        elif kind in ("model_attributes_type", "dict_type", "model_type"):
            message = f'must be a JSON object, e.g. {{"question": "{ION_QUESTION}"}}'
        elif (what := rule(model, name)) is not None:
            message = f"must be {what}, got {e.get('input')!r}"
        else:
            message = str(e.get("msg", "invalid value"))
        out.append({"field": name, "message": message, "type": kind})
    return out


def summary(details: list[dict]) -> str:
    return "; ".join(f"{d['field']} {d['message']}" if d["message"].startswith("must") else
                     f"{d['field']}: {d['message']}" for d in details)


def check_args(model: type[SearchArgs], arguments: object) -> SearchArgs:
    """Validate ``arguments`` against ``model``; one-line ``BadQuestionError`` on any problem.

    >>> check_args(SearchArgs, {"question": "q", "k": "5"})
    Traceback (most recent call last):
    ...
    memqa.errors.BadQuestionError: k must be an integer from 1 to 20, got '5'.
    """
    try:
        return model.model_validate(arguments)
    except ValidationError as exc:
        raise BadQuestionError(summary(error_details(exc.errors(), model)) + ".") from None
