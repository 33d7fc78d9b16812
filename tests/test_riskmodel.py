"""The learned risk model: its file, numpy inference against scikit-learn's, features, errors."""

from __future__ import annotations

import math
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from reports.riskmodel import BUNDLED_MODEL, ModelError, RiskModel, load_model, ngrams
from reports.spam import classify, load_lexicons
from reports.textnorm import normalize_text


def test_bundled_model_reproduces_training_probabilities() -> None:
    model = load_model()
    # The file holds texts with the probabilities scikit-learn gave them at training time.
    assert len(model.check_texts) >= 10
    assert model.check() < 1e-4


def test_bundled_model_is_small_and_knows_the_categories() -> None:
    assert BUNDLED_MODEL.stat().st_size < 50_000_000
    model = load_model()
    assert set(model.classes) == {
        "cashout",
        "lending",
        "crypto",
        "gambling",
        "adult",
        "legal",
        "none",
    }
    assert set(model.lex_names) == set(model.classes) - {"none"}
    assert model.coef.shape == (len(model.grams), len(model.classes))


def test_ngrams_are_padded_one_to_four() -> None:
    assert ngrams("ab") == [" ", "a", "b", " ", " a", "ab", "b ", " ab", "ab ", " ab "]
    assert ngrams("") == [" ", " ", "  "]


def test_probabilities_sum_to_one_and_unknown_text_falls_back_to_bias() -> None:
    model = load_model()
    lex = [0.0] * len(model.lex_names)
    for text in ("京东e卡回收", "", "\u2603\u2603"):
        probabilities = model.probabilities(text, lex)
        assert probabilities.shape == (len(model.classes),)
        assert abs(float(probabilities.sum()) - 1.0) < 1e-9


def test_inference_imports_no_scikit_learn() -> None:
    code = (
        "import sys; from reports.spam import load_lexicons, classify; "
        "classify('京东e卡回收', load_lexicons()); "
        "assert 'sklearn' not in sys.modules and 'scipy' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_another_model_file_can_be_attached(tmp_path: Path) -> None:
    copy = tmp_path / "mine.npz"
    copy.write_bytes(BUNDLED_MODEL.read_bytes())
    lexicon = load_lexicons(model=copy)
    assert lexicon.model is not None
    assert lexicon.model.source == copy
    assert classify("京东e卡回收", lexicon).category == "cashout"


def test_missing_model_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"absent\.npz: cannot read model file"):
        load_model(tmp_path / "absent.npz")


def test_not_a_model_file_is_named(tmp_path: Path) -> None:
    text = tmp_path / "text.npz"
    text.write_text("hello", encoding="utf-8")
    with pytest.raises(ModelError, match=r"text\.npz: not a risk model file"):
        load_model(text)
    partial = tmp_path / "partial.npz"
    np.savez(partial, classes=np.array(["none"]))
    with pytest.raises(ModelError, match=r"partial\.npz: not a risk model file: no array 'vocab'"):
        load_model(partial)


def _plain_vector(model: RiskModel, norm: str) -> dict[int, float]:
    """The tf-idf vector by its definition: every padded slice of 1-4 characters, counted."""
    padded = f" {norm} "
    grams = [padded[i : i + n] for n in range(1, 5) for i in range(len(padded) - n + 1)]
    counts = Counter(model.vocab[g] for g in grams if g in model.vocab)
    values = {i: (1.0 + math.log(tf)) * float(model.idf[i]) for i, tf in counts.items()}
    length = math.sqrt(sum(v * v for v in values.values()))
    return {i: v / length for i, v in values.items()}


@pytest.mark.parametrize(
    "text",
    [
        "京东e卡回收 京东e卡回收",  # repeated n-grams: tf above 1
        "花呗套现秒到账,安全可靠【官方】",
        "USDT怎么买? 币安交易所 新手教程",
        "今日菜谱:红烧肉的做法",
        "😀 emoji 𠀀 astral",
        "a",
        "",
    ],
)
def test_vector_matches_the_plain_definition(text: str) -> None:
    model = load_model()
    norm = normalize_text(text)
    index, values = model.vector(norm)
    assert dict(zip(index.tolist(), values.tolist(), strict=True)) == pytest.approx(
        _plain_vector(model, norm), rel=1e-12
    )
    # A caller holding the vector gets what the text alone gives.
    lex = [0.5] * len(model.lex_names)
    vector = (index, values)
    assert np.array_equal(model.probabilities(norm, lex, vector), model.probabilities(norm, lex))
    category = model.classes[int(model.probabilities(norm, lex).argmax())]
    assert model.strongest(norm, category, vector=vector) == model.strongest(norm, category)
