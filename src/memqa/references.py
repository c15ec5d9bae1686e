"""Priority actions a question names by number ("priority action 2.4", "acción prioritaria 2.4",
"ação prioritária 2.4", "action prioritaire 2.4", "PA 2.4"): users cite the MEM's own numbering, and a
unit whose heading is the named action answers "what does priority action 2.4 call for?" by its title.
"""
from __future__ import annotations

import re

from .lexical import fold

NAMED_RE = re.compile(
    r"\b(?:priority actions?|acci[oó]n(?:es)? prioritarias?|a[cç][aã]o(?:oes)? priorit[aá]rias?|a[cç][oõ]es priorit[aá]rias|"
    r"actions? prioritaires?|pa)\s*(?:n[o°º.]\s*)?((?:\d{1,2}\.\d{1,2})(?:\s*(?:,|and|y|e|et|&)\s*\d{1,2}\.\d{1,2})*)",
    re.I)


def named_actions(question: str) -> frozenset[str]:
    """Priority-action numbers the question names.

    >>> sorted(named_actions("What does priority action 12.4 encourage?"))
    ['12.4']
    >>> sorted(named_actions("¿Para qué sirve el sistema IONICS según la acción prioritaria 2.4?"))
    ['2.4']
    >>> sorted(named_actions("Quel est l'objet de l'action prioritaire 9.4 ?")), sorted(named_actions("PA 7.3 and 7.4"))
    (['9.4'], ['7.3', '7.4'])
    >>> sorted(named_actions("Which agencies seized 2.4 tonnes?"))
    []
    """
    out: set[str] = set()
    for m in NAMED_RE.finditer(fold(question)):
        out.update(re.findall(r"\d{1,2}\.\d{1,2}", m.group(1)))
    return frozenset(out)


OBJECTIVE_RE = re.compile(r"\b(?:objectives?|objetivos?|objectifs?)\s*(?:n[o°º.]\s*)?(\d{1,2})(?![.\d])", re.I)


def named_objectives(question: str) -> frozenset[int]:
    """Objective numbers the question names ("objective 5", "objetivo 8", "objectif 12").

    >>> sorted(named_objectives("Did CICAD find gaps in objective 5?")), sorted(named_objectives("objectif 12 ?"))
    ([5], [12])
    >>> sorted(named_objectives("priority action 5.4")), sorted(named_objectives("the objectives of the MEM"))
    ([], [])
    """
    return frozenset(int(n) for n in OBJECTIVE_RE.findall(fold(question)))
