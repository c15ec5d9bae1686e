"""Report metadata read from the report itself: its cover and title page. Pure.

``cover_metadata(text)`` returns what it finds of country, year, round, thematic area, document
code, title, language and report id, in the English, Spanish, Portuguese or French edition; the
corpus loader lets a ``.json`` beside the PDF override any of it and asks for that file when a
key is missing.
"""
from __future__ import annotations

import re
import unicodedata

# OAS member states: English name first, then the Spanish, Portuguese and French names that differ.
COUNTRIES = {
    "Antigua and Barbuda": ["Antigua y Barbuda", "Antígua e Barbuda", "Antigua-et-Barbuda"],
    "Argentina": ["Argentine"],
    "The Bahamas": ["Bahamas", "Las Bahamas", "Commonwealth of The Bahamas"],
    "Barbados": ["Barbade"],
    "Belize": ["Belice"],
    "Bolivia": ["Bolívia", "Bolivie"],
    "Brazil": ["Brasil", "Brésil"],
    "Canada": ["Canadá"],
    "Chile": ["Chili"],
    "Colombia": ["Colômbia", "Colombie"],
    "Costa Rica": [],
    "Dominica": ["Dominique", "Commonwealth of Dominica"],
    "Dominican Republic": ["República Dominicana", "République dominicaine"],
    "Ecuador": ["Equador", "Équateur"],
    "El Salvador": ["Salvador"],
    "Grenada": ["Granada", "Grenade"],
    "Guatemala": [],
    "Guyana": ["Guiana"],
    "Haiti": ["Haití", "Haïti"],
    "Honduras": [],
    "Jamaica": ["Jamaïque"],
    "Mexico": ["México", "Mexique"],
    "Nicaragua": [],
    "Panama": ["Panamá"],
    "Paraguay": ["Paraguai"],
    "Peru": ["Perú", "Pérou"],
    "Saint Kitts and Nevis": ["San Cristóbal y Nieves", "São Cristóvão e Névis", "Saint-Kitts-et-Nevis"],
    "Saint Lucia": ["Santa Lucía", "Santa Lúcia", "Sainte-Lucie"],
    "Saint Vincent and the Grenadines": ["San Vicente y las Granadinas", "São Vicente e Granadinas",
                                         "Saint-Vincent-et-les-Grenadines"],
    "Suriname": ["Surinam"],
    "Trinidad and Tobago": ["Trinidad y Tobago", "Trinidad e Tobago", "Trinité-et-Tobago"],
    "United States": ["United States of America", "Estados Unidos", "Estados Unidos de América", "États-Unis",
                      "États-Unis d'Amérique"],
    "Uruguay": ["Uruguai"],
    "Venezuela": [],
}
ORDINALS = {
    "First": ["primera", "primer", "primeira", "premier", "première"],
    "Second": ["segunda", "deuxième", "second", "seconde"],
    "Third": ["tercera", "terceira", "troisième"],
    "Fourth": ["cuarta", "quarta", "quatrième"],
    "Fifth": ["quinta", "cinquième"],
    "Sixth": ["sexta", "sixième"],
    "Seventh": ["séptima", "sétima", "septième"],
    "Eighth": ["octava", "oitava", "huitième"],
    "Ninth": ["novena", "nona", "neuvième"],
    "Tenth": ["décima", "dixième"],
}
# "Evaluation Report on Drug Policies" as printed in each edition; the title's phrase for each language.
REPORT_PHRASES = {
    "en": "Evaluation Report on Drug Policies",
    "es": "Informe de Evaluación sobre Políticas de Drogas",
    "pt": "Relatório de Avaliação sobre Políticas de Drogas",
    "fr": "Rapport d'évaluation sur les politiques en matière de drogues",
}
PHRASE_RE = re.compile(
    r"(?:evaluation\s+report\s+on\s+drug\s+polic(?:y|ies)|informe\s+de\s+evaluaci[oó]n\s+sobre\s+pol[ií]ticas?\s+de\s+drogas|"
    r"relat[oó]rio\s+de\s+avalia[cç][aã]o\s+sobre\s+pol[ií]ticas?\s+(?:de|sobre)\s+drogas|"
    r"rapport\s+d.[eé]valuation\s+(?:sur|des)\s+(?:les\s+)?politiques?\s+(?:en\s+mati[eè]re\s+de|sur\s+les|de\s+lutte\s+contre\s+les)\s+drogues)"
    r"\s*:?\s*", re.I)
ROUND_RE = re.compile(
    r"\b(\w+)\s+(?:evaluation\s+round|ronda\s+de\s+evaluaci[oó]n|rodada\s+de\s+avalia[cç][aã]o|"
    r"(?:cycle|ronde|tour)\s+d.[eé]valuation)\b", re.I)
CODE_RE = re.compile(r"CICAD\s*/\s*doc\.?\s*(\d{3,5})\s*/\s*(\d{2})\b", re.I)
YEAR_RE = re.compile(r"^\s*((?:19|20)\d\d)\s*$")
BODY_RE = re.compile(r"^\s*\**\s*(PREFACE|PREFACIO|PREF[AÁ]CIO|PR[EÉ]FACE|PR[OÓ]LOGO|AVANT-PROPOS|OBJECTIVE|OBJETIVO|"
                     r"OBJECTIF)\b", re.I | re.M)
COVER_CHARS = 6000  # the cover and title page of a MEM report fit well within this


def _fold(s: str) -> str:
    s = unicodedata.normalize("NFKD", s)
    s = "".join(c for c in s if not unicodedata.combining(c)).lower()
    return re.sub(r"[\s\-*_’']+", " ", s).strip(" .:")


_COUNTRY_OF = {_fold(v): en for en, vs in COUNTRIES.items() for v in [en, *vs]}


def slug(text: str) -> str:
    """'Saint Kitts and Nevis' -> 'saint-kitts-and-nevis'."""
    return re.sub(r"[^a-z0-9]+", "-", _fold(text)).strip("-")


def cover_part(text: str) -> str:
    """The text before the preface (or first objective): the cover and title page."""
    m = BODY_RE.search(text[:COVER_CHARS * 2])
    return text[: m.start()] if m else text[:COVER_CHARS]


def _language(text: str) -> str | None:
    m = BODY_RE.search(text)
    sample = text[m.end(): m.end() + 1500] if m else text[:1500]
    phrase = PHRASE_RE.search(text[:COVER_CHARS])
    if phrase:
        folded = _fold(phrase.group(0))
        for lang, p in REPORT_PHRASES.items():
            if folded.startswith(_fold(p)[:12]):
                return lang
    if sample.strip():
        from .language import detect

        return detect(sample)
    return None


def cover_metadata(text: str) -> dict:
    """Metadata printed on a report's cover and title page; keys found only (none are guessed).

    >>> m = cover_metadata("MEXICO\\n\\nEvaluation Report on Drug Policies:\\n\\nMeasures to Control Drugs\\n\\n"
    ...                    "EIGHTH EVALUATION ROUND\\n\\n2022\\n\\nCICAD/doc.2676/22\\n\\nPREFACE\\n\\nThe MEM ...")
    >>> m["country"], m["year"], m["round"], m["thematic_area"], m["document_code"], m["report_id"]
    ('Mexico', 2022, 'Eighth Evaluation Round', 'Measures to Control Drugs', 'CICAD/doc.2676/22', 'mexico-2022')
    """
    cover = cover_part(text)
    paras = [re.sub(r"\s+", " ", p).strip(" *") for p in re.split(r"\n\s*\n", cover) if p.strip()]
    out: dict = {}
    printed_country = None
    for p in paras:
        for line in [p, *p.split(" - ")]:
            en = _COUNTRY_OF.get(_fold(line))
            if en:
                out["country"], printed_country = en, line
                break
        if "country" in out:
            break
    code = CODE_RE.search(cover) or CODE_RE.search(text[:COVER_CHARS])
    if code:
        out["document_code"] = f"CICAD/doc.{code.group(1)}/{code.group(2)}"
    years = [int(m.group(1)) for p in paras if (m := YEAR_RE.match(p))]
    if years:
        out["year"] = years[-1]
    elif code:
        out["year"] = 2000 + int(code.group(2))
    rnd = ROUND_RE.search(cover)
    if rnd:
        word = _fold(rnd.group(1))
        for en, others in ORDINALS.items():
            if word == en.lower() or word in {_fold(o) for o in others}:
                out["round"] = f"{en} Evaluation Round"
    for k, p in enumerate(paras):
        m = PHRASE_RE.search(p)
        if not m:
            continue
        rest = p[m.end():].strip(" :*")
        if not rest and k + 1 < len(paras) and not ROUND_RE.search(paras[k + 1]):
            rest = paras[k + 1].strip(" :*")
        if len(rest) > 10:
            out["thematic_area"] = rest
            break
    lang = _language(text)
    if lang:
        out["language"] = lang
    if "country" in out and "year" in out:
        lang = out.get("language", "en")
        shown = out["country"] if lang == "en" else printed_country.title() if printed_country.isupper() else printed_country
        out["title"] = f"{shown}: {REPORT_PHRASES.get(lang, REPORT_PHRASES['en'])} {out['year']}"
        out["report_id"] = f"{slug(out['country'])}-{out['year']}" + ("" if lang == "en" else f"-{lang}")
    return out
