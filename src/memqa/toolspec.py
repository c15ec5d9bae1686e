"""What a chat model reads to choose and call memqa's tools: descriptions and argument schemas.

Descriptions are written from the loaded index (which reports, countries, years, thematic areas
and objectives it holds), never hard-coded, and the argument schemas come from the one contract
(``memqa.contract``), so MCP, OpenAI function calling and HTTP accept exactly the same calls.
"""
from __future__ import annotations

from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field

from .contract import (
    CompareArgs,
    ScorecardArgs,
    SearchArgs,
    ToolSearchArgs,
    compare_args_model,
    scorecard_args_model,
    search_args_model,
)
from .tools import shorten

GET_SECTION_ID = (
    "Section id as given in a citation's section_id or by list_sections, e.g. '<report>/pa-5.4' for "
    "Priority Action 5.4, '<report>/summary-3' for the evaluative summary of objective 3, '<report>/preface'. "
    "'Priority Action 5.4', 'pa-5.4' or '5.4' also work (add '<report>/' when several reports have it)."
)
TOOL_NAMES = ("search_report", "get_section", "list_sections", "compare", "scorecard")
LIST_DETAIL = ("False (default): a compact contents, ids with titles cut to a few words. True: every unit with "
               "its full id, full title and source lines (about four times the tokens).")


class GetSectionArgs(BaseModel):
    """The arguments of ``get_section``."""

    model_config = ConfigDict(extra="forbid", strict=True)
    id: str = Field(min_length=1, description=GET_SECTION_ID, examples=["mexico-2022/pa-5.4"])


class ListSectionsArgs(BaseModel):
    """The arguments of ``list_sections``."""

    model_config = ConfigDict(extra="forbid", strict=True)
    detail: bool = Field(False, description=LIST_DETAIL)


def scope(assistant=None) -> str:
    """One paragraph on what the loaded library holds (from the index manifest)."""
    if assistant is None or not assistant.report_metas:
        return ("The library holds CICAD Multilateral Evaluation Mechanism (MEM) drug-policy evaluation reports of "
                "the Organization of American States, each organised as objectives with numbered priority actions "
                "'N.M', an evaluative summary per objective and a preface.")
    metas = list(assistant.report_metas.values())
    reports = "; ".join(
        f"{m.get('report_id')}: {m.get('country')} {m.get('year')}, {m.get('round')}, thematic area "
        f"'{m.get('thematic_area')}'" for m in metas[:12]
    ) + (f"; and {len(metas) - 12} more" if len(metas) > 12 else "")
    titles = objective_titles(assistant)
    objectives = "; ".join(f"{o}: {shorten(t, 12)}" for o, t in titles.items())
    return (f"The library holds {len(metas)} CICAD Multilateral Evaluation Mechanism (MEM) drug-policy evaluation "
            f"report(s) of the Organization of American States — {reports}. Each is organised as objectives with "
            f"numbered priority actions 'N.M', an evaluative summary per objective (CICAD's assessment) and a "
            f"preface. Objectives: {objectives}. Questions about topics, countries or years outside this library "
            "are not answered by it.")


def objective_titles(assistant) -> dict[int, str]:
    """Objective number -> title, in sentence case: the evaluative summary's copy of the title when there
    is one (the objective headings are in capitals, which would lose acronyms such as NPS)."""
    titles: dict[int, str] = {}
    for s in assistant.sections:
        if s.kind == "evaluative_summary" and s.objective is not None and s.title:
            titles.setdefault(s.objective, s.title.strip().rstrip("."))
    for s in assistant.sections:
        if s.objective is not None and s.objective_title and s.objective not in titles:
            titles[s.objective] = s.objective_title.strip().rstrip(".").capitalize()
    return dict(sorted(titles.items()))


def search_description(assistant=None) -> str:
    return (
        "Search the CICAD MEM drug-policy evaluation reports and return the passages that best answer a "
        "question, best first. " + scope(assistant) + " Questions may be in English, Spanish, Portuguese or "
        "French. Each result is a verbatim quotation headed by its citation, e.g. 'Priority Action 2.4 — <title>  "
        "(<source file>, lines 300–312)'; quote the passage text and give that citation in your answer, and do "
        "not state facts the passages do not contain. If the result starts with a notice that the report does not "
        "seem to answer the question, tell the user so instead of answering from the nearest passages. The result "
        "states how many tokens it holds; set max_tokens to fit it into your context budget."
    )


def get_section_description(assistant=None) -> str:
    return (
        "Return one citable unit of a CICAD MEM evaluation report in full: a priority action, an objective's "
        "evaluative summary or the preface, as verbatim text with its citation. Use it after search_report when "
        "a passage was cut short or you need the whole priority action (e.g. the rest of a list), or when the "
        "user names a priority action directly (e.g. 'Priority Action 5.4')."
    )


def list_sections_description(assistant=None) -> str:
    return (
        "List the table of contents of the CICAD MEM evaluation reports: every citable unit (priority action, "
        "evaluative summary, preface) with its id, grouped by report and objective; compact by default (titles cut "
        "to a few words), detail=true for full titles and source lines. " + scope(assistant) + " Use it to see "
        "what the library covers or to find a section id for get_section; to answer a question, use "
        "search_report instead."
    )


def instructions(assistant=None) -> str:
    return (
        "memqa answers questions from CICAD MEM drug-policy evaluation reports with verbatim, cited passages. "
        + scope(assistant) + " Call search_report with the user's question; quote the passages and give their "
        "citations (label and lines). Use get_section for a whole priority action and list_sections for the "
        "contents. If a result says the report does not seem to answer the question, say so rather than guessing."
    )


@lru_cache(maxsize=8)
def search_tool_model(assistant=None) -> type[SearchArgs]:
    """``ToolSearchArgs`` narrowed to the loaded index (objectives with their titles, report ids)."""
    if assistant is None:
        return ToolSearchArgs
    titles = {o: shorten(t, 10) for o, t in objective_titles(assistant).items()}  # the schema is read every turn
    return search_args_model(list(assistant.objectives), list(assistant.reports), ToolSearchArgs, titles,
                             assistant.library.values)


@lru_cache(maxsize=8)
def compare_tool_model(assistant=None) -> type[CompareArgs]:
    """``CompareArgs`` narrowed to the loaded index's report ids."""
    return CompareArgs if assistant is None else compare_args_model(list(assistant.reports))


def compare_description(assistant=None) -> str:
    return (
        "Compare one priority action across the CICAD MEM evaluation reports of the library, side by side: for "
        "each report that has it, the priority action's title, its text (the whole unit, or with a question the "
        "window that best matches it) and the citation of exactly that text, plus the reports that lack it. "
        + scope(assistant) + " Use it for questions such as 'how do countries handle Project ION?' once you know "
        "the priority action's number (search_report or list_sections give it). Each block's citation belongs to "
        "that report only: cite each country from its own block. Priority-action numbers follow each round's plan "
        "of action, so check the titles when the result says the reports come from different rounds."
    )


@lru_cache(maxsize=8)
def scorecard_tool_model(assistant=None) -> type[ScorecardArgs]:
    """``ScorecardArgs`` narrowed to the loaded index's report ids."""
    return ScorecardArgs if assistant is None else scorecard_args_model(list(assistant.reports))


def scorecard_description(assistant=None) -> str:
    return (
        "CICAD's verdict on every priority action of a CICAD MEM evaluation report (or of the whole library): "
        "status — positive (the country does it), gap (it does not), partial, not_applicable, none (no verdict "
        "found) — with the evaluative-summary clause, verbatim and cited. " + scope(assistant) + " Use it for "
        "questions such as 'Which priority actions does the country not meet?' or 'What gaps did CICAD find?' "
        "(status='gap', then 'partial'); quote the clauses with their citations."
    )


def scorecard_parameters(assistant=None) -> dict:
    """JSON schema of ``scorecard``'s arguments (MCP and OpenAI function calling)."""
    schema = _parameters(scorecard_tool_model(assistant))
    schema.pop("examples", None)
    return schema


def search_parameters(assistant=None) -> dict:
    """JSON schema of ``search_report``'s arguments (MCP and OpenAI function calling)."""
    schema = search_tool_model(assistant).model_json_schema()
    schema.pop("title", None)
    schema.pop("examples", None)
    schema["additionalProperties"] = False
    return schema


def _parameters(model: type[BaseModel]) -> dict:
    schema = model.model_json_schema()
    schema.pop("title", None)
    schema.pop("description", None)
    for prop in schema.get("properties", {}).values():
        prop.pop("title", None)
    schema["additionalProperties"] = False
    return schema


def compare_parameters(assistant=None) -> dict:
    """JSON schema of ``compare``'s arguments (MCP and OpenAI function calling)."""
    schema = _parameters(compare_tool_model(assistant))
    schema.pop("examples", None)
    return schema


def get_section_parameters() -> dict:
    """JSON schema of ``get_section``'s arguments.

    >>> get_section_parameters()["required"]
    ['id']
    """
    return _parameters(GetSectionArgs)


def list_sections_parameters() -> dict:
    """JSON schema of ``list_sections``'s arguments (one optional flag, ``detail``)."""
    return _parameters(ListSectionsArgs)


def openai_tools(assistant=None) -> list[dict]:
    """The OpenAI function-calling ``tools`` list: search_report, get_section, list_sections, compare, scorecard.

    >>> [t["function"]["name"] for t in openai_tools()]
    ['search_report', 'get_section', 'list_sections', 'compare', 'scorecard']
    """
    def tool(name: str, description: str, parameters: dict) -> dict:
        return {"type": "function", "function": {"name": name, "description": description, "parameters": parameters}}

    return [
        tool("search_report", search_description(assistant), search_parameters(assistant)),
        tool("get_section", get_section_description(assistant), get_section_parameters()),
        tool("list_sections", list_sections_description(assistant), list_sections_parameters()),
        tool("compare", compare_description(assistant), compare_parameters(assistant)),
        tool("scorecard", scorecard_description(assistant), scorecard_parameters(assistant)),
    ]
