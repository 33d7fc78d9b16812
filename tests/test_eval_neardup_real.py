"""bench/eval_neardup_real.py: the independent seed labels and how pairs are scored."""

from __future__ import annotations

import numpy as np

from bench import eval_neardup_real as ev


def test_seed_labels_match_their_readme() -> None:
    # bench/realworld/seeds/README.md: S1 grouped 110 pairs, S2 97, both 87; 500 titles.
    titles, split = ev.load_titles()
    s1, s2 = ev.reviewer_pairs("S1"), ev.reviewer_pairs("S2")
    assert len(titles) == len(set(titles)) == 500
    assert (len(s1), len(s2), len(s1 & s2)) == (110, 97, 87)
    # Three seed pages on dev, two on test, 100 links each.
    assert split.count("dev") == 300
    assert split.count("test") == 200
    dev, test = ev.in_split(s1 & s2, split, "dev"), ev.in_split(s1 & s2, split, "test")
    assert len(dev) + len(test) <= 87
    assert not dev & test


def test_score_counts_pairs_one_reviewer_grouped_as_unknown() -> None:
    both = {(0, 1), (2, 3)}
    either = both | {(4, 5)}
    predicted = {(0, 1), (4, 5), (6, 7)}
    s = ev.score(predicted, both, either)
    assert (s["tp"], s["fp"], s["fn"], s["unknown"]) == (1, 1, 1, 1)
    assert s["recall"] == 0.5
    assert s["precision"] == 0.5


def test_tfidf_cosine_ranks_a_respin_above_a_sibling() -> None:
    titles = ["小花钱包退费指南", "小花钱包退费指南详解", "京东白条还款流程"]
    sims = ev.tfidf_cosine(titles)
    assert np.allclose(np.diag(sims), 1.0)
    assert sims[0, 1] > 0.7 > sims[0, 2]
    assert ev.threshold_pairs(sims, 0.7) == {(0, 1)}
