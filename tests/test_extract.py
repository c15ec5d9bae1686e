"""The direct answer (question types, lead-ins bring their lists, verbatim offsets) and whole-unit hits."""
from __future__ import annotations

from pathlib import Path

import pytest

from memqa.extract import HTML_TAG_RE, _expand_lead_in, _Seg, _unit_segments, question_type
from memqa.highlight import widen

SOURCE = (Path(__file__).resolve().parent.parent / "corpus" / "mem-2022-mexico.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize("question, expected", [
    ("How many laboratories were dismantled?", "count"),
    ("¿Cuántos laboratorios se desmantelaron?", "count"),
    ("Combien de laboratoires?", "count"),
    ("When did Mexico start the program?", "date"),
    ("¿Cuándo empezó el programa?", "date"),
    ("Which agencies are ION focal points?", "organisation"),
    ("¿Qué institución administra los bienes?", "organisation"),
    ("Does Mexico use the I2ES system?", "yesno"),
    ("¿México usa el sistema I2ES?", "yesno"),
    ("Did CICAD find gaps in alternative development?", "judgement"),
    ("Which laws regulate precursors?", "law"),
    ("pill press training", "description"),
    ("Who coordinates and evaluates alternative development programs?", "organisation"),  # not a judgement
    ("Qual órgão mexicano é responsável pelos bens apreendidos?", "organisation"),
    ("¿Qué secretaría coordina los programas?", "organisation"),
    ("Quelle autorité administre les biens saisis ?", "organisation"),
    ("What does the evaluative summary say about objective 3?", "judgement"),
    ("¿Tiene México un sistema de alerta temprana?", "yesno"),  # Spanish opens with the verb
    ("Le Mexique utilise-t-il le système I2ES ?", "yesno"),  # French inversion
    ("Existe-t-il un système d'alerte précoce ?", "yesno"),
    ("Quels outils le Mexique utilise-t-il ?", "list"),  # a question word first: not yes/no
    ("¿Qué herramientas usa México?", "list"),
])
def test_question_type(question, expected):
    assert question_type(question) == expected


def _lead_in(assistant, section_id: str, ending: str) -> tuple[int, _Seg]:
    unit = assistant.retriever.unit_index[section_id]
    text = assistant.sections[unit].text
    seg = next(s for s in _unit_segments(assistant.retriever, unit) if text[s.start : s.end].rstrip().endswith(ending))
    return unit, seg


def test_a_lead_in_brings_the_list_it_introduces(fake_assistant):
    unit, lead = _lead_in(fake_assistant, "mexico-2022/pa-2.4", "including:")
    chosen = _expand_lead_in(fake_assistant.retriever, lead, [lead])
    text = fake_assistant.sections[unit].text
    items = [text[s.start : s.end] for s in chosen[1:]]
    assert len(items) == 4 and all(s.kind == "item" for s in chosen[1:])
    assert "National Customs Agency of Mexico" in items[1]


def test_a_topic_sentence_brings_the_lead_in_and_list_after_it_for_list_questions(fake_assistant):
    unit, lead = _lead_in(fake_assistant, "mexico-2022/pa-2.4", "including:")
    text = fake_assistant.sections[unit].text
    segs = _unit_segments(fake_assistant.retriever, unit)
    topic = segs[[s.index for s in segs].index(lead.index) - 1]
    assert topic.kind == "sentence" and "ION" in text[topic.start : topic.end]
    chosen = _expand_lead_in(fake_assistant.retriever, topic, [topic], "organisation")
    assert [s.index for s in chosen[:2]] == [topic.index, lead.index]
    assert len(chosen) == 6 and "National Customs Agency of Mexico" in text[chosen[3].start : chosen[3].end]
    assert _expand_lead_in(fake_assistant.retriever, topic, [topic], "date") == [topic]  # not a list question


def test_cicads_own_name_does_not_make_a_sentence_name_an_agency():
    from memqa.extract import fits

    assert fits("organisation", "CICAD notes that Mexico has a designated competent authority.") is False
    assert fits("organisation", "Mexico has the Institute for Returning to the People what was Stolen (INDEP).")
    assert fits("organisation", "CICAD notes that the INDEP administers the assets.")


def test_a_law_title_does_not_make_a_sentence_name_an_agency():
    from memqa.extract import fits

    # "Administration" in a law's title is what the law governs, not a body that administers
    assert fits("organisation", "Mexico has the Federal Law for the Administration and Disposal of Public Sector "
                                "Assets, which facilitates the accountability of the management of seized assets.") is False
    assert fits("organisation", "Ley Federal para la Administración y Enajenación de Bienes del Sector Público") is False
    # a body named beside a law still counts
    assert fits("organisation", "The General Health Law gives COFEPRIS its powers.")
    assert fits("organisation", "Under the Law on Precursors, the Ministry of Health issues permits.")


def test_a_sentence_that_points_back_inherits_the_terms_of_the_one_it_points_at(fake_assistant):
    from memqa.extract import _static

    r = fake_assistant.retriever
    statics, _ = _static(r, r.unit_index["mexico-2022/pa-1.6"])
    attended = next(c for c in statics if c.text.startswith("The meeting was attended"))
    covered = next(c for c in statics if c.text.startswith("The meeting covered"))
    held = next(c for c in statics if "Bilateral Meeting was held" in c.text)
    # "The meeting covered..." points at the sentence that holds the meeting; "The meeting was attended..." follows
    # it and points through it at the same sentence
    assert covered.context == held.terms and attended.context == held.terms
    assert "bilater" in attended.context and "bilater" not in attended.terms
    assert held.context == frozenset()


def test_a_window_ending_on_a_lead_in_is_widened_to_its_list(fake_assistant):
    unit, lead = _lead_in(fake_assistant, "mexico-2022/pa-2.4", "including:")
    a, b = widen(fake_assistant.retriever, unit, 0, lead.end)
    assert b > lead.end and "COFEPRIS" in fake_assistant.sections[unit].text[a:b]


@pytest.mark.parametrize("question", ["Which agencies are ION focal points?", "precursor chemical control",
                                      "¿México usa el sistema I2ES?"])
def test_answer_units_are_verbatim_source_slices_with_their_lines(fake_assistant, question):
    a = fake_assistant.ask(question)
    assert a.answer is not None and a.answer.units
    lines = SOURCE.split("\n")
    for u in a.answer.units:
        assert SOURCE[u.start : u.end] == u.text
        c = u.citation
        assert u.text.strip().split("\n")[0] in "\n".join(lines[c.start_line - 1 : c.end_line])
    # one line per unit: a sentence a page break cut reads whole, markup left by the conversion dropped
    assert a.answer.text == "\n".join(" ".join(HTML_TAG_RE.sub("", u.text).split()) for u in a.answer.units)


def test_short_units_are_shown_whole_and_say_so(fake_assistant):
    hits = fake_assistant.ask("ION focal points IONICS", k=3).passages
    for h in hits:
        sec = fake_assistant.resolve_section(h.citation.section_id)
        if h.text == sec.text:
            assert (h.continues_above, h.continues_below) == (False, False)
            assert (h.citation.start_line, h.citation.end_line) == (sec.start_line, sec.end_line)
        else:
            assert h.text in sec.text and (h.continues_above or h.continues_below)
    assert any(h.text == fake_assistant.resolve_section(h.citation.section_id).text for h in hits)


def test_no_answer_when_the_report_does_not_answer(fake_assistant):
    a = fake_assistant.ask("training", objective=12, kind="preface")
    assert a.answer is None


def test_a_table_row_in_the_answer_keeps_its_empty_last_cell(fake_assistant):
    """"… X" ticked Yes must not read like "… X" ticked No: the row is quoted to the end of its line."""
    from memqa.extract import _row_end

    unit = fake_assistant.retriever.unit_index["mexico-2022/pa-3.4"]
    text = fake_assistant.sections[unit].text
    rows = [s for s in _unit_segments(fake_assistant.retriever, unit) if s.kind == "row"]
    yes = [s for s in rows if text[s.start:_row_end(text, s)].endswith("X\t")]
    no = [s for s in rows if text[s.start:_row_end(text, s)].endswith("\t\tX")]
    assert yes and no  # the paragraph 8 / 9 tables tick both columns
    for s in yes:
        assert SOURCE.find(text[s.start:_row_end(text, s)] + "\n") >= 0  # still an exact source slice


def test_the_direct_answer_quotes_rows_to_the_end_of_their_line(fake_assistant):
    a = fake_assistant.ask("Mexico has adopted the following control measures listed in Article 12, Paragraph 8", k=3)
    rows = [u for u in a.answer.units if "\t" in u.text]
    assert rows, [u.text for u in a.answer.units]
    for u in rows:
        assert SOURCE[u.start : u.end] == u.text and SOURCE[u.end] in "\n"  # ends where its source line ends
    assert any(u.text.endswith("X\t") for u in rows)  # the ticked-Yes rows keep their empty No cell
    assert "X\t\n" in a.answer.text + "\n"


def test_a_row_ticked_under_no_is_negative_and_one_ticked_under_yes_is_not(fake_assistant):
    from memqa.extract import _row_negative

    r = fake_assistant.retriever
    unit = r.unit_index["mexico-2022/pa-3.4"]
    text = fake_assistant.sections[unit].text
    segs = _unit_segments(r, unit)
    rows = {text[s.start : s.end][:40]: i for i, s in enumerate(segs) if s.kind == "row"}
    seizure = next(i for k, i in rows.items() if k.startswith("Order the seizure of any"))
    labels = next(i for k, i in rows.items() if k.startswith("Require imports and exports"))
    header = next(i for k, i in rows.items() if k.startswith("Control measures"))
    assert _row_negative(text, segs, seizure) is True  # "...\t\tX": ticked under "No"
    assert _row_negative(text, segs, labels) is False  # "...\tX\t": ticked under "Yes"
    assert _row_negative(text, segs, header) is False


def test_the_runner_up_joins_the_answer_only_when_the_model_is_torn():
    import numpy as np

    from memqa.extract import chosen

    assert chosen(np.array([1.0, 3.0, 2.9]), ratio=0.5).tolist() == [1, 2]
    assert chosen(np.array([1.0, 3.0, 2.0]), ratio=0.5).tolist() == [1]  # e^-1 < 0.5
    assert chosen(np.array([4.0]), ratio=0.5).tolist() == [0]
    assert chosen(np.array([]), ratio=0.5).tolist() == []


def test_the_shipped_answer_model_matches_the_features_and_a_stale_one_says_how_to_refit(tmp_path):
    import json

    from memqa.extract import ANSWER_MODEL, FEATURES, HAND_WEIGHTS, load_answer_model

    m = load_answer_model()  # the file in the package
    assert len(m.weights) == len(m.mean) == len(m.scale) == len(FEATURES)
    assert load_answer_model(tmp_path / "absent.json").weights == tuple(HAND_WEIGHTS.get(f, 0.0) for f in FEATURES)
    stale = json.loads(ANSWER_MODEL.read_text(encoding="utf-8"))
    stale["features"] = stale["features"][:-1]
    (tmp_path / "stale.json").write_text(json.dumps(stale), encoding="utf-8")
    with pytest.raises(ValueError, match="eval/fit_answers.py"):
        load_answer_model(tmp_path / "stale.json")


def test_a_question_about_what_was_not_adopted_marks_the_row_ticked_no(fake_assistant):
    import numpy as np

    from memqa.extract import FEATURES, candidates
    from memqa.lexical import QueryTerms

    r = fake_assistant.retriever
    q = "Which control measure of Article 12 paragraph 9 has Mexico not adopted?"
    unit = r.unit_index["mexico-2022/pa-3.4"]
    segs, x = candidates(q, question_type(q), r, [unit], np.zeros(len(r.segments)), QueryTerms(q))
    text = fake_assistant.sections[unit].text
    neg = x[:, FEATURES.index("neg_question_neg")]
    marked = {text[s.start : s.end][:30] for s, v in zip(segs, neg) if v}
    assert any(m.startswith("Order the seizure") for m in marked)
    assert not any(m.startswith("Require imports and exports") for m in marked)


def _segs_starting(assistant, section_id: str, *starts: str) -> list[_Seg]:
    r = assistant.retriever
    unit = r.unit_index[section_id]
    text = assistant.sections[unit].text
    segs = _unit_segments(r, unit)
    return [next(s for s in segs if text[s.start : s.end].startswith(p)) for p in starts]


def test_yes_no_from_a_table_reads_the_cell_under_the_asked_column(fake_assistant):
    from memqa.extract import _polarity

    r = fake_assistant.retriever
    picked = _segs_starting(fake_assistant, "mexico-2022/pa-3.1", "Name of the competent authority", "COFEPRIS")
    # header: ... | Does it take into account CICAD's Model Regulations? ; COFEPRIS row: ... | Yes | No
    assert _polarity("Does COFEPRIS take CICAD's model regulations into account?", r, picked) == "no"
    assert _polarity("Does COFEPRIS perform regular inspections and audits?", r, picked) == "yes"


def test_yes_no_from_a_ticked_table_reads_the_row_the_question_names(fake_assistant):
    from memqa.extract import _polarity

    r = fake_assistant.retriever
    picked = _segs_starting(fake_assistant, "mexico-2022/pa-10.5", "Institutions that implement", "Ministry of Agriculture",
                            "Ministry of Women/Family")
    assert _polarity("Does the Ministry of Women/Family implement supplementary policies?", r, picked) == "no"
    assert _polarity("Does the Ministry of Agriculture implement supplementary policies?", r, picked) == "yes"


def test_a_question_about_gaps_is_answered_yes_by_a_negative_finding(fake_assistant):
    from memqa.extract import _polarity

    r = fake_assistant.retriever
    unit = r.unit_index["mexico-2022/summary-10"]
    text = fake_assistant.sections[unit].text
    neg = next(s for s in _unit_segments(r, unit) if "does not" in text[s.start : s.end])
    assert _polarity("Did CICAD find gaps in alternative development?", r, [neg]) == "yes"
    assert _polarity("Does Mexico share its experiences?", r, [neg]) == "no"


def test_a_question_naming_a_priority_action_ranks_it_first_and_can_be_answered_by_its_heading(fake_assistant):
    from memqa.extract import FEATURES, candidates
    from memqa.lexical import QueryTerms

    for q in ("What does priority action 12.4 encourage?", "¿Qué promueve la acción prioritaria 2.4?",
              "Quel est l'objet de l'action prioritaire 9.4 ?"):
        r = fake_assistant.rank(q)
        top = fake_assistant.sections[r.order[0]]
        assert any(h.number in q for h in top.headings), (q, top.id)
    r = fake_assistant.rank("What does priority action 2.4 call for?")
    segs, x = candidates(r.question, question_type(r.question), fake_assistant.retriever, list(r.order[:3]),
                         r.retrieval.segment_scores[fake_assistant.retriever.sentence_encoder], QueryTerms(r.question))
    text = fake_assistant.sections[r.order[0]].text
    named = [text[s.start : s.end] for s, v in zip(segs, x[:, FEATURES.index("heading_named")]) if v]
    assert named and named[0].startswith("Priority Action 2.4:")
    # without a number named, headings are candidates only as headings (the model keeps them out)
    r = fake_assistant.rank("Which agencies are ION focal points?")
    segs, x = candidates(r.question, question_type(r.question), fake_assistant.retriever, list(r.order[:3]),
                         r.retrieval.segment_scores[fake_assistant.retriever.sentence_encoder], QueryTerms(r.question))
    assert not x[:, FEATURES.index("heading_named")].any()


def test_a_named_priority_action_outside_the_filter_is_not_brought_back(fake_assistant):
    a = fake_assistant.ask("What does priority action 2.4 call for?", objective=3)
    assert all(h.citation.objective == 3 for h in a.passages)


def test_the_verdict_and_the_direct_answer_share_one_candidate_set(fake_assistant, monkeypatch):
    import memqa.extract as X

    calls = []
    real = X._candidates
    monkeypatch.setattr(X, "_candidates", lambda *a, **k: calls.append(a[0]) or real(*a, **k))
    fake_assistant.retriever.__dict__.pop("_answer_recent", None)
    a = fake_assistant.ask("Which agencies are ION focal points in the fake report?")
    assert a.answer is not None and calls == ["Which agencies are ION focal points in the fake report?"]
    fake_assistant.ask("Which agencies are ION focal points in the fake report?")
    assert len(calls) == 2  # a new retrieval (new score arrays) computes its own set


def test_a_question_naming_an_objective_ranks_its_units_first(fake_assistant):
    for q, n in (("Did CICAD find gaps in objective 5?", 5), ("¿Qué dice el objetivo 8?", 8),
                 ("Que dit l'objectif 12 ?", 12)):
        r = fake_assistant.rank(q)
        assert fake_assistant.sections[r.order[0]].objective == n, q


def test_answer_pieces_of_one_unit_read_in_file_order_and_the_text_is_reflowed(fake_assistant, monkeypatch):
    import numpy as np

    import memqa.extract as X

    r = fake_assistant.retriever
    unit = r.unit_index["mexico-2022/pa-2.4"]
    segs = _unit_segments(r, unit)
    lead = next(i for i, s in enumerate(segs) if fake_assistant.sections[unit].text[s.start : s.end].endswith(":"))
    cands = [segs[lead + 2], segs[0]]  # an item scores best, the first sentence is the runner-up
    monkeypatch.setattr(X, "candidates", lambda *a, **k: (cands, np.zeros((2, len(X.FEATURES)))))
    monkeypatch.setattr(X, "chosen", lambda scores, ratio=0.5: np.array([0, 1]))
    d = X.extract("Which agencies are ION focal points?", "organisation", r, [unit], np.zeros(len(r.segments)),
                  None)
    assert [u.start for u in d.units] == sorted(u.start for u in d.units)
    assert "\n\n" not in d.text and len(d.text.splitlines()) == len(d.units)


def test_a_count_is_read_off_the_list_unless_a_piece_states_the_number(fake_assistant, monkeypatch):
    import numpy as np

    import memqa.extract as X

    r = fake_assistant.retriever
    unit = r.unit_index["mexico-2022/pa-2.4"]
    segs = _unit_segments(r, unit)
    text = fake_assistant.sections[unit].text
    lead = next(i for i, s in enumerate(segs) if text[s.start : s.end].endswith(":"))
    monkeypatch.setattr(X, "chosen", lambda scores, ratio=0.5: np.array([0]))

    def answer(question, qtype, best):
        monkeypatch.setattr(X, "candidates", lambda *a, **k: ([best], np.zeros((1, len(X.FEATURES)))))
        return X.extract(question, qtype, r, [unit], np.zeros(len(r.segments)), None)

    d = answer("How many agencies are ION focal points?", "count", segs[lead])  # the lead-in brings 4 items
    assert d.count == 4 and len(d.units) == 5
    assert answer("Which agencies are ION focal points?", "organisation", segs[lead]).count is None  # not asked
    # a sentence stating a number ("219 institutional and interagency operations") answers by itself
    u2, numbered = next((i, s) for i, sec in enumerate(fake_assistant.sections) for s in _unit_segments(r, i)
                        if s.kind == "sentence" and X.STATED_NUMBER_RE.search(sec.text[s.start : s.end])
                        and not sec.text[s.start : s.end].startswith(("Priority Action", "OBJECTIVE")))
    monkeypatch.setattr(X, "chosen", lambda scores, ratio=0.5: np.array([0, 1]))
    monkeypatch.setattr(X, "candidates", lambda *a, **k: ([segs[lead], numbered], np.zeros((2, len(X.FEATURES)))))
    d = X.extract("How many agencies are ION focal points?", "count", r, [unit, u2], np.zeros(len(r.segments)), None)
    assert len(d.units) == 6 and d.count is None


def test_a_count_over_a_yes_no_table_counts_the_side_asked_about(fake_assistant, monkeypatch):
    """A table ticked under Yes / No columns: "how many implement" counts the Yes rows, "how many are marked
    No" the No rows; "Article 12, paragraph 9" in a lead-in names, it does not state a count."""
    import numpy as np

    import memqa.extract as X

    r = fake_assistant.retriever

    def run(segs, j):  # the rows under the header at j
        k = j + 1
        while k < len(segs) and segs[k].kind == "row":
            k += 1
        return list(range(j + 1, k))

    def yes_no_table(i, sec):
        segs = _unit_segments(r, i)
        return next(((s, run(segs, j)) for j, s in enumerate(segs) if X._is_header(segs, j)
                     and sec.text[s.start : s.end].rstrip().endswith("Yes\tNo")
                     and any(X._row_negative(sec.text, segs, k) for k in run(segs, j))), None)

    unit, (header, rows) = next((i, t) for i, sec in enumerate(fake_assistant.sections)
                                if (t := yes_no_table(i, sec)) is not None)
    segs = _unit_segments(r, unit)
    text = fake_assistant.sections[unit].text
    n_no = sum(X._row_negative(text, segs, k) for k in rows)
    assert 0 < n_no < len(rows)
    monkeypatch.setattr(X, "chosen", lambda scores, ratio=0.5: np.array([0]))
    monkeypatch.setattr(X, "candidates", lambda *a, **k: ([header], np.zeros((1, len(X.FEATURES)))))
    yes = X.extract("How many institutions implement these policies?", "count", r, [unit], np.zeros(len(r.segments)), None)
    no = X.extract("How many institutions are marked No?", "count", r, [unit], np.zeros(len(r.segments)), None)
    assert (yes.count, no.count) == (len(rows) - n_no, n_no)
    # "all" the measures: one row ticked No makes it a no
    monkeypatch.setattr(X, "asks_yes_no", lambda *a, **k: True)
    every = X.extract("Has it adopted all the measures?", "yesno", r, [unit], np.zeros(len(r.segments)), None)
    assert every.polarity == "no"
    assert not X.STATED_NUMBER_RE.search(X.REFERENCE_RE.sub(" ", "measures in Article 12, Paragraph 9 of the Convention"))
    assert X.STATED_NUMBER_RE.search(X.REFERENCE_RE.sub(" ", "219 operations under Article 12"))


def test_an_item_picked_for_a_list_question_brings_its_whole_list_once(fake_assistant):
    unit, lead = _lead_in(fake_assistant, "mexico-2022/pa-2.4", "including:")
    r = fake_assistant.retriever
    segs = _unit_segments(r, unit)
    item = segs[segs.index(lead) + 2]
    whole = _expand_lead_in(r, item, [item], "organisation")
    assert len(whole) == len(set(whole)) == 5 and lead in whole  # the lead-in and its four items, none twice
    assert _expand_lead_in(r, item, [item], "date") == [item]  # not a list question: the item alone


def test_only_the_first_list_is_counted_and_a_measure_is_not_a_count(fake_assistant, monkeypatch):
    import numpy as np

    import memqa.extract as X

    r = fake_assistant.retriever
    unit, lead = _lead_in(fake_assistant, "mexico-2022/pa-2.4", "including:")

    def list_lead(i):  # a lead-in followed by at least two items in unit i
        segs, text = _unit_segments(r, i), fake_assistant.sections[i].text
        return next((s for k, s in enumerate(segs[:-2]) if text[s.start : s.end].rstrip().endswith(":")
                     and segs[k + 1].kind == segs[k + 2].kind == "item"), None)

    other_unit, other_lead = next((i, ol) for i in range(len(fake_assistant.sections))
                                  if i != unit and (ol := list_lead(i)) is not None)
    monkeypatch.setattr(X, "chosen", lambda scores, ratio=0.5: np.array([0, 1]))  # the model is torn
    monkeypatch.setattr(X, "candidates", lambda *a, **k: ([lead, other_lead], np.zeros((2, len(X.FEATURES)))))
    d = X.extract("How many agencies are ION focal points?", "count", r, [unit, other_unit],
                  np.zeros(len(r.segments)), None)
    assert {u.citation.section_id for u in d.units} == {fake_assistant.sections[unit].id,
                                                        fake_assistant.sections[other_unit].id}
    assert d.count == 4  # the runner-up's list is shown, not added to the count
    d = X.extract("How many days does it take to issue a licence?", "count", r, [unit, other_unit],
                  np.zeros(len(r.segments)), None)
    assert d.count is None
    assert X.MEASURE_RE.search("¿Cuántos días tarda México en emitir una licencia?")
    assert not X.MEASURE_RE.search("How many agencies are focal points?")


def test_markup_in_the_report_text_is_not_shown_in_the_answer(fake_assistant):
    """A table row of the bundled .txt (PA 8.3) carries an HTML list tag from its conversion: an answer's text
    reads without it, while the unit's offsets still slice the verbatim source."""
    from memqa.extract import _reflow

    r = fake_assistant.retriever
    unit = r.unit_index["mexico-2022/pa-8.3"]
    sec = r.sections[unit]
    row = next(g for g in _unit_segments(r, unit) if "<ul" in sec.text[g.start : g.end])
    raw = sec.text[row.start : row.end]
    shown = _reflow(raw)
    assert "<ul" not in shown and "list-style-type" not in shown
    assert "Online course" in shown and "National Institutions" in shown
    assert SOURCE[sec.start_char + row.start : sec.start_char + row.end] == raw  # the source is untouched


def test_a_count_written_in_words_is_a_stated_number(fake_assistant, monkeypatch):
    """"The meeting covered four areas": a count the report writes in words answers "how many" (fits the type)
    and, picked beside a list, is the answer instead of counting the list's items."""
    import numpy as np

    import memqa.extract as X
    from memqa.answerability import has_quantity
    from memqa.numwords import has_number_word

    r = fake_assistant.retriever
    worded = [(i, s) for i, sec in enumerate(fake_assistant.sections) for s in _unit_segments(r, i)
              if s.kind == "sentence" and has_number_word(sec.text[s.start : s.end])
              and not X.NUMBER_RE.search(sec.text[s.start : s.end])]
    assert worded, "the bundled report states some counts in words only"
    u2, s2 = worded[0]
    text2 = fake_assistant.sections[u2].text[s2.start : s2.end]
    assert X.fits("count", text2) is True and has_quantity(text2)
    assert X.fits("count", "Mexico has an Early Warning System.") is False
    assert not has_quantity("Mexico has an Early Warning System.")

    unit = r.unit_index["mexico-2022/pa-2.4"]
    segs = _unit_segments(r, unit)
    text = fake_assistant.sections[unit].text
    lead = next(i for i, s in enumerate(segs) if text[s.start : s.end].endswith(":"))
    monkeypatch.setattr(X, "chosen", lambda scores, ratio=0.5: np.array([0, 1]))
    monkeypatch.setattr(X, "candidates", lambda *a, **k: ([segs[lead], s2], np.zeros((2, len(X.FEATURES)))))
    d = X.extract("How many agencies are ION focal points?", "count", r, [unit, u2], np.zeros(len(r.segments)), None)
    assert d.count is None  # the worded number is stated; the list is not counted
