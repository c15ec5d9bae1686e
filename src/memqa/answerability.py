"""Does the report answer the question? Signals from one retrieval -> answerable + confidence label."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Verdict:
    answerable: bool
    confidence: str
    notice: str = ""
    signals: dict = field(default_factory=dict)


def judge(question, retrieval, assistant, hits) -> Verdict:
    """Placeholder until calibrated: always answerable."""
    return Verdict(True, "high", "", {})
