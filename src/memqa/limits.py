"""Every limit and tuning constant in one place; surfaces (CLI, HTTP, MCP, OpenAI schema) read them here.

Change a limit here and every surface, its validation message and its documentation follow.
"""
from __future__ import annotations

# Requests -------------------------------------------------------------------------------------
K_DEFAULT = 5  # cited passages returned by default
K_MAX = 20  # the same cap on every surface: 20 cited units is already a long page
MAX_QUESTION_CHARS = 2000
MIN_MAX_TOKENS = 50  # smallest token budget a chat tool may ask for (a citation plus one sentence)

# Ranking ---------------------------------------------------------------------------------------
JUDGE_DEPTH = 5  # answerability always looks at the top 5 units, whatever k is asked for
EVAL_DEPTH = 10  # ranks scored by `memqa eval` (MRR@10, nDCG@10)
BM25_K1 = 1.2
BM25_B = 0.75
# Choosing the window of a unit to show: when a configuration ranks with no dense retriever
# (e.g. "lexical"), the windows are still told apart by their dense scores at this weight.
WINDOW_DENSE_FALLBACK = 0.5

# Results ---------------------------------------------------------------------------------------
# A unit up to this many cl100k_base tokens is shown whole (most priority actions are); a longer
# one shows its best window, widened to the list or table that window introduces.
UNIT_SHOW_TOKENS = 700
MAX_WIDEN_SEGMENTS = 12

# Highlights ------------------------------------------------------------------------------------
HIGHLIGHT_LEXICAL_WEIGHT = 0.3  # share of query terms in a sentence, added to its dense cosine
HIGHLIGHT_TIE_MARGIN = 0.05  # further sentences highlighted when within this of the best
MAX_HIGHLIGHTS = 3
