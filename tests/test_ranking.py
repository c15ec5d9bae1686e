"""Fusion and grouping: pure numpy, checked with values small enough to verify by hand."""
from __future__ import annotations

import numpy as np
import pytest

from memqa.ranking import RankConfig, fuse, group_max, minmax, ranks, rrf, score_fusion, top_k

NEG = -np.inf
A = np.array([0.9, 0.5, 0.1])  # ranks 1, 2, 3
B = np.array([0.1, 0.9, 0.5])  # ranks 3, 1, 2


def test_group_max_takes_the_best_member_and_marks_empty_groups():
    assert group_max(np.array([1.0, 3.0, 2.0]), np.array([0, 0, 2]), 3).tolist() == [3.0, NEG, 2.0]


def test_group_max_ignores_minus_infinity_members():
    assert group_max(np.array([NEG, 0.5]), np.array([0, 0]), 1).tolist() == [0.5]


def test_ranks_are_one_based_and_absent_entries_get_zero():
    assert ranks(np.array([0.2, 0.9, NEG])).tolist() == [2, 1, 0]


def test_ranks_break_ties_by_position():
    assert ranks(np.array([0.5, 0.7, 0.5])).tolist() == [2, 1, 3]


def test_rrf_sums_reciprocal_ranks():
    fused = rrf({"a": A, "b": B}, {"a": 1, "b": 1})
    assert fused.tolist() == pytest.approx([1 / (60 + 1) + 1 / (60 + 3), 1 / (60 + 2) + 1 / (60 + 1),
                                            1 / (60 + 3) + 1 / (60 + 2)])


def test_rrf_weights_and_k():
    fused = rrf({"a": A, "b": B}, {"a": 2, "b": 0.5}, k=10)
    assert fused[0] == pytest.approx(2 / 11 + 0.5 / 13)


def test_rrf_skips_zero_weights_unknown_retrievers_and_absent_entries():
    fused = rrf({"a": A, "b": np.array([NEG, NEG, 1.0])}, {"a": 0, "b": 1, "c": 5})
    assert fused.tolist() == pytest.approx([0.0, 0.0, 1 / 61])


def test_minmax_scales_finite_values_to_zero_one():
    assert minmax(np.array([1.0, 3.0, 2.0, NEG])).tolist() == [0.0, 1.0, 0.5, 0.0]


@pytest.mark.parametrize("x", [np.array([2.0, 2.0]), np.array([NEG, NEG])])
def test_minmax_of_constant_or_absent_scores_is_zero(x):
    assert minmax(x).tolist() == [0.0, 0.0]


def test_score_fusion_is_a_weighted_sum_of_minmax_scores():
    fused = score_fusion({"a": np.array([1.0, 3.0, 2.0]), "b": np.array([10.0, 0.0, 5.0])}, {"a": 1, "b": 2})
    assert fused.tolist() == pytest.approx([2.0, 1.0, 1.5])


def test_fuse_with_a_mask_ranks_only_the_allowed_units():
    config = RankConfig("t", {"en": {"a": 1, "b": 1}})
    fused = fuse({"a": A, "b": B}, config, "en", np.array([True, False, True]))
    # Unit 1 is masked out, so unit 2 moves up to rank 2 in "a" and rank 1 in "b".
    assert fused[1] == NEG
    assert fused[0] == pytest.approx(1 / 61 + 1 / 62)
    assert fused[2] == pytest.approx(1 / 62 + 1 / 61)


def test_fuse_by_score_uses_score_fusion():
    config = RankConfig("t", {"en": {"a": 1}}, fusion="score")
    assert fuse({"a": A}, config, "en", np.array([True, True, True])).tolist() == pytest.approx([1.0, 0.5, 0.0])


def test_fuse_uses_the_weights_of_the_question_language():
    config = RankConfig("t", {"en": {"a": 1}, "other": {"b": 1}})
    mask = np.ones(3, dtype=bool)
    assert int(np.argmax(fuse({"a": A, "b": B}, config, "en", mask))) == 0
    assert int(np.argmax(fuse({"a": A, "b": B}, config, "es", mask))) == 1


def test_top_k_orders_by_score_and_drops_absent_units():
    fused = np.array([0.1, NEG, 0.3, 0.2])
    assert top_k(fused, 2) == [2, 3]
    assert top_k(fused, 10) == [2, 3, 0]


@pytest.mark.parametrize("lang, expected", [("en", {"lexical": 1}), ("es", {"dense:e5": 1}), ("pt", {"dense:e5": 1})])
def test_rank_config_picks_weights_by_language(lang, expected):
    config = RankConfig("t", {"en": {"lexical": 1}, "other": {"dense:e5": 1}})
    assert config.for_language(lang) == expected


def test_rank_config_without_other_weights_falls_back_to_english():
    assert RankConfig("t", {"en": {"lexical": 1}}).for_language("fr") == {"lexical": 1}


def test_rank_config_lists_the_encoders_it_needs():
    config = RankConfig("t", {"en": {"lexical": 1, "dense:minilm": 1, "dense:x": 0}, "other": {"sent:e5": 0.5}})
    assert config.encoders() == {"minilm", "e5"}
