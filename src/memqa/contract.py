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

from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, create_model
from pydantic_core import PydanticCustomError

from .errors import BadQuestionError
from .lexical import fold
from .library import FILTER_FIELDS
from .limits import K_DEFAULT, K_MAX, MAX_QUESTION_CHARS, MIN_MAX_TOKENS

ION_QUESTION = "Which agencies are ION focal points?"
# A question must contain a visible character: not only whitespace or control characters.
# Enforcement is Assistant.check_question (one message everywhere); the pattern documents the rule.
QUESTION_PATTERN = r"[^\s\x00-\x1f\x7f-\x9f]"
# "2.4", "pa-2.4", "Priority Action 2.4" (enforcement: memqa.library.priority_action_number).
PRIORITY_ACTION_PATTERN = r"^\s*([Pp]riority\s+[Aa]ctions?\s+|[Pp][Aa]-?\s*)?\d{1,2}\.\d{1,2}\s*$"

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
    country: str | None = Field(None, description="Only the reports on this country.", examples=["Mexico"])
    year: JSONInt | None = Field(None, description="Only the reports of this year.", examples=[2022])
    round: str | None = Field(None, description="Only the reports of this evaluation round.",
                              examples=["Eighth Evaluation Round"])
    thematic_area: str | None = Field(None, description="Only the reports on this thematic area.")
    language: str | None = Field(None, description="Only the reports written in this language (ISO 639-1 code).",
                                 examples=["en"])

    def filters(self) -> dict[str, Any]:
        """The filters as keyword arguments of ``Assistant.ask``/``run``/``rank``/``mask``."""
        return {name: getattr(self, name) for name in FILTER_FIELDS}


class ToolSearchArgs(SearchArgs):
    """``SearchArgs`` plus the chat tools' token budget."""

    max_tokens: Annotated[int, Field(ge=MIN_MAX_TOKENS), BeforeValidator(_json_integer)] | None = Field(
        None,
        description=f"Optional token budget (cl100k_base, at least {MIN_MAX_TOKENS}) for the whole result: the "
        "lowest-ranked passages are dropped first, then the last kept passage is cut at a sentence boundary.")


def _one_of(values: Sequence) -> Any:
    """A Literal of the library's values; strings match whatever their case and accents ("mexico")."""
    def spell(value: object) -> object:
        if isinstance(value, str):
            key = fold(value).strip()
            return next((v for v in values if isinstance(v, str) and fold(v).strip() == key), value)
        return _json_integer(value)

    return Annotated[Literal.__getitem__(tuple(values)), BeforeValidator(spell)]


LIBRARY_DESCRIPTIONS = {
    "country": "Only the reports on this country",
    "year": "Only the reports of this year",
    "round": "Only the reports of this evaluation round",
    "thematic_area": "Only the reports on this thematic area",
    "language": "Only the reports written in this language (ISO 639-1 code)",
}


def search_args_model(objectives: list[int], reports: list[str], base: type[SearchArgs] = SearchArgs,
                      objective_titles: dict[int, str] | None = None,
                      library: Mapping[str, Sequence] | None = None) -> type[SearchArgs]:
    """``base`` with ``objective``, ``report`` and the library filters (``library``: the values of
    country, year, round, thematic_area and language, as ``memqa.library.filter_values`` gives them)
    restricted to what the index holds, so the schema lists them.

    >>> M = search_args_model([1, 2], ["mexico-2022"], library={"country": ["Mexico"]})
    >>> M(question="q", objective=2, country="MEXICO").country
    'Mexico'
    """
    narrowed: dict[str, Any] = {}
    for name, what in LIBRARY_DESCRIPTIONS.items():
        values = list((library or {}).get(name) or ())
        if values:
            narrowed[name] = (_one_of(values) | None, Field(
                None, description=f"{what}. Leave empty for all.", examples=[values[0]]))
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
        **narrowed,
    )


class CompareArgs(BaseModel):
    """A priority action to compare across reports."""

    model_config = ConfigDict(extra="forbid", strict=True,
                              json_schema_extra={"examples": [{"priority_action": "2.4"},
                                                              {"priority_action": "2.4", "question": "ION focal points"}]})

    priority_action: str = Field(description="The priority action's number 'N.M', e.g. '2.4'.", examples=["2.4"],
                                 json_schema_extra={"pattern": PRIORITY_ACTION_PATTERN})
    reports: list[str] | None = Field(None, description="Only these report ids (default: every report that has it).",
                                      json_schema_extra={"minItems": 1})
    question: str | None = Field(
        None, description="Optional: show each report's window that best matches this question "
        f"(1–{MAX_QUESTION_CHARS} characters).",
        json_schema_extra={"minLength": 1, "maxLength": MAX_QUESTION_CHARS, "pattern": QUESTION_PATTERN})


SCORECARD_STATUSES = ("positive", "gap", "partial", "not_applicable", "none")


class ScorecardArgs(BaseModel):
    """Which verdicts to list: one report's (default every report's), optionally one status only."""

    model_config = ConfigDict(extra="forbid", strict=True,
                              json_schema_extra={"examples": [{}, {"status": "gap"}]})

    report: str | None = Field(None, description="Only this report id (default: every report).")
    status: Literal[SCORECARD_STATUSES] | None = Field(  # type: ignore[valid-type]
        None, description="Only this status: positive (the country does it), gap (it does not), partial, "
        "not_applicable, none (no verdict found).")


def scorecard_args_model(reports: list[str]) -> type[ScorecardArgs]:
    """``ScorecardArgs`` with ``report`` restricted to the index's report ids."""
    if not reports:
        return ScorecardArgs
    return create_model(
        "ScorecardArgs", __base__=ScorecardArgs, __doc__=ScorecardArgs.__doc__,
        report=(Literal.__getitem__(tuple(reports)) | None, Field(
            None, description="Only this report id (default: every report).", examples=reports[:1])),
    )


def compare_args_model(reports: list[str]) -> type[CompareArgs]:
    """``CompareArgs`` with ``reports`` restricted to the index's report ids."""
    if not reports:
        return CompareArgs
    return create_model(
        "CompareArgs", __base__=CompareArgs, __doc__=CompareArgs.__doc__,
        reports=(list[Literal.__getitem__(tuple(reports))] | None, Field(
            None, description="Only these report ids (default: every report that has it).",
            json_schema_extra={"minItems": 1}, examples=[reports[:2]])),
    )


def field_of(loc: tuple) -> str:
    parts = [str(p) for p in loc[1:]] if loc and loc[0] in ("body", "query", "path") else [str(p) for p in loc]
    return ".".join(parts) or "body"


def rule(model: type[BaseModel], name: str) -> str | None:
    """What a field accepts, in words, from the model's own JSON schema ("an integer from 1 to 20")."""
    prop = _prop(model, name)
    if not prop:
        return None
    options = prop.get("anyOf", [prop])
    optional = any(o.get("type") == "null" for o in options)
    o = next((o for o in options if o.get("type") != "null"), {})
    tail = " or left empty" if optional else ""
    values = o.get("enum") or ([o["const"]] if "const" in o else None)
    if values and len(values) == 1 and isinstance(values[0], int):
        return f"{values[0]}{tail}"  # one year in the library: "year must be 2022", not "from 2022 to 2022"
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
    if o.get("type") == "array":
        items = o.get("items", {})
        inner = items.get("enum") or ([items["const"]] if "const" in items else None)
        if inner:
            return "a list of: " + ", ".join(map(repr, inner)) + tail
    return None


def _prop(model: type[BaseModel], name: str) -> dict:
    """A field's JSON schema ({} for a name the model lacks)."""
    return model.model_json_schema().get("properties", {}).get(name) or {}


def _example(model: type[BaseModel], name: str) -> object | None:
    prop = _prop(model, name)
    examples = prop.get("examples") or next((o["examples"] for o in prop.get("anyOf", []) if o.get("examples")), None)
    return examples[0] if examples else None


def _numeric(model: type[BaseModel], name: str) -> bool:
    """Whether a field takes integers (a range or a list of them)."""
    prop = _prop(model, name)
    for o in prop.get("anyOf", [prop]):
        values = o.get("enum") or ([o["const"]] if "const" in o else [])
        if o.get("type") == "integer" or (values and all(isinstance(v, int) for v in values)):
            return True
    return False


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
        elif kind == "string_pattern_mismatch" and (like := _example(model, name)) is not None:
            message = f"must look like {like!r}, got {e.get('input')!r}"  # not the regex: "priority_action ... '2.4'"
        elif "." in name and (what := rule(model, name.split(".")[0])) is not None and what.startswith("a list of: "):
            name = name.split(".")[0]  # one bad item of a list: say what the items may be
            message = f"may only list {what.removeprefix('a list of: ').removesuffix(' or left empty')}; got {e.get('input')!r}"
        elif (what := rule(model, name)) is not None:
            message = f"must be {what}, got {e.get('input')!r}"
            if isinstance(e.get("input"), str) and e["input"].strip().isdigit() and _numeric(model, name):
                message += f" (a string: send {e['input'].strip()} without quotes)"  # {"year": "2022"}
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
    memqa.errors.BadQuestionError: k must be an integer from 1 to 20, got '5' (a string: send 5 without quotes).
    """
    try:
        return model.model_validate(arguments)
    except ValidationError as exc:
        raise BadQuestionError(summary(error_details(exc.errors(), model)) + ".") from None
