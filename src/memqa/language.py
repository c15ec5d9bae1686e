"""Language of a question: en, es, pt or fr (the OAS official languages). Offline, py3langid."""
from __future__ import annotations

import re
import threading
from functools import lru_cache

LANGS = ("en", "es", "pt", "fr")
_lock = threading.Lock()
# Strong single-word cues that a short question is not English (langid is unsure on 2-3 words).
CUES = {
    "es": r"¿|\b(qué|cuál|cuáles|cómo|dónde|cuándo|cuántos|cuántas|quién|quiénes|méxico|tiene|usa|los|las|del|para|sobre|según|también|sistema de|programas?|capacitación|lavado|dinero|activos)\b",
    "pt": r"\b(quais|qual|quantos|como o|não|são|está|têm|tem o|pelo|pela|sobre os|lavagem|dinheiro|formação|órgãos|ações|prevenção|também|do país|no méxico)\b",
    "fr": r"\b(quels?|quelles?|est-ce|les|des|du|aux|mexique|blanchiment|argent|d'|l'|qu'|formation|organismes|avec|dans|pour|sur la)\b",
}


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    ident.set_languages(list(LANGS))
    return ident


def detect(text: str) -> str:
    """Best guess among en/es/pt/fr; defaults to English for text too short to tell.

    >>> detect("¿México usa el sistema I2ES?")
    'es'
    """
    t = text.strip()
    words = re.findall(r"\w+", t.lower())
    if not words:
        return "en"
    with _lock:
        lang, prob = _identifier().classify(t)
    if prob >= 0.9 or len(words) >= 6:
        return lang
    hits = {k: len(re.findall(p, t.lower())) for k, p in CUES.items()}
    best = max(hits, key=hits.get)
    if hits[best] > 0 and (lang == "en" or hits.get(lang, 0) == 0):
        return best
    return lang if prob >= 0.7 else "en"
