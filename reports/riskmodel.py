"""A learned risk-category model: character n-grams and lexicon scores into a linear softmax.

The model is multinomial logistic regression over two kinds of features, trained by
`bench/train_risk.py` (scikit-learn, a bench extra) on the dev split of the labelled real-world
titles in `bench/realworld/` and shipped as one small `.npz` file read here with numpy alone:

- character 1-4-grams of the normalised text (`reports.textnorm.normalize_text`, padded with a
  space at each end), weighted like scikit-learn's `TfidfVectorizer(sublinear_tf=True)`:
  (1 + log tf) · idf, the vector scaled to unit length;
- per lexicon category, the lexicon's score for the text divided by the category's threshold,
  capped at `LEXICON_FEATURE_CAP`, times the model's `lex_scale`: the analyst's term lists stay
  evidence and a strong hint.

Inference needs no scikit-learn: `RiskModel.probabilities` looks the n-grams up in the
vocabulary and sums rows of the weight matrix. The file also holds a few texts with the
probabilities scikit-learn gave them, and `RiskModel.check` recomputes them, so a change in the
features that training and inference share cannot pass unnoticed.
"""

from __future__ import annotations

import functools
import json
import math
from collections import Counter
from dataclasses import dataclass, field
from operator import add
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from pipelines.store.errors import FarmauditError

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from numpy.typing import NDArray

    #: A text's n-gram features: vocabulary indexes (first occurrence first) and their
    #: unit-length tf-idf values.
    TextVector = tuple[NDArray[np.intp], NDArray[np.float64]]

#: The model shipped with the package (written by `bench/train_risk.py`).
BUNDLED_MODEL = Path(__file__).with_name("models") / "risk.npz"
#: Shortest and longest character n-gram.
NGRAM_RANGE = (1, 4)
#: A lexicon feature is score / threshold, capped here (many terms should not drown the rest).
LEXICON_FEATURE_CAP = 2.0
#: Arrays a model file must hold.
_KEYS = (
    "classes",
    "vocab",
    "idf",
    "coef",
    "lex_names",
    "lex_coef",
    "intercept",
    "check_texts",
    "check_proba",
    "meta",
)


class ModelError(FarmauditError):
    """A model file that cannot be read or does not fit; the message names the file."""


def ngrams(norm: str) -> list[str]:
    """Character n-grams (`NGRAM_RANGE`) of an already normalised text, padded with spaces.

    Shortest first, each length in text order. Each length is the one before with the next
    character appended (`map(add, ...)` runs in C: inference spends its time here).
    """
    padded = f" {norm} "
    low, high = NGRAM_RANGE
    grams: list[str] = []
    current: Sequence[str] = padded
    for n in range(1, high + 1):
        if n > 1:
            current = list(map(add, current, padded[n - 1 :]))
        if n >= low:
            grams.extend(current)
    return grams


def lexicon_features(
    scores: Mapping[str, float], thresholds: Mapping[str, float], names: Sequence[str]
) -> list[float]:
    """Per category of `names`, min(score / threshold, cap); 0 for a category with no lexicon."""
    return [
        min(scores.get(name, 0.0) / thresholds[name], LEXICON_FEATURE_CAP)
        if name in thresholds
        else 0.0
        for name in names
    ]


@dataclass(frozen=True, eq=False)
class RiskModel:
    """Weights of a trained model; build with `load_model`. Compares by identity."""

    classes: tuple[str, ...]
    vocab: Mapping[str, int]
    #: Vocabulary index → n-gram, for evidence.
    grams: tuple[str, ...]
    idf: NDArray[np.float64]
    #: (vocabulary, classes): the n-gram weights.
    coef: NDArray[np.float64]
    #: Lexicon categories whose scores are features, in the order of `lex_coef`'s rows.
    lex_names: tuple[str, ...]
    lex_coef: NDArray[np.float64]
    intercept: NDArray[np.float64]
    #: Factor on the lexicon features (a larger one lets training trust them more).
    lex_scale: float = 1.0
    meta: Mapping[str, object] = field(default_factory=dict)
    source: Path | None = None
    check_texts: tuple[str, ...] = ()
    check_lex: NDArray[np.float64] | None = None
    check_proba: NDArray[np.float64] | None = None

    def probabilities(
        self, norm: str, lex: Sequence[float], vector: TextVector | None = None
    ) -> NDArray[np.float64]:
        """Class probabilities of a normalised text given its `lexicon_features`.

        `vector` is the text's `vector(norm)` when the caller has it already.
        """
        index, values = self.vector(norm) if vector is None else vector
        lex_values = np.asarray(lex, dtype=np.float64) * self.lex_scale
        logits = self.intercept + lex_values @ self.lex_coef
        if index.size:
            logits = logits + values @ self.coef[index]
        logits -= logits.max()
        exp = np.exp(logits)
        result: NDArray[np.float64] = exp / exp.sum()
        return result

    def strongest(
        self, norm: str, category: str, count: int = 3, vector: TextVector | None = None
    ) -> list[tuple[str, float]]:
        """The n-grams pushing `norm` most towards `category`: (n-gram, contribution), best first.

        A contribution is the feature's value times its weight for the category less its mean
        weight over all classes; an n-gram inside a stronger one already listed is skipped.
        `vector` is the text's `vector(norm)` when the caller has it already.
        """
        index, values = self.vector(norm) if vector is None else vector
        if not index.size:
            return []
        column = self.classes.index(category)
        contribution = values * self._centred[index, column]
        order = np.argsort(-contribution, kind="stable").tolist()
        chosen: list[tuple[str, float]] = []
        for i in order:
            value = float(contribution[i])
            if value <= 0 or len(chosen) == count:
                break
            gram = self.grams[int(index[i])].strip()
            # A lone Latin letter or digit says nothing to a reader; a lone Han character may.
            if not gram or (len(gram) == 1 and gram.isascii()):
                continue
            if any(gram in kept for kept, _ in chosen):
                continue
            chosen.append((gram, value))
        return chosen

    def check(self) -> float:
        """Largest difference between the stored training-time probabilities and ours."""
        if self.check_proba is None or self.check_lex is None or not self.check_texts:
            return 0.0
        ours = np.stack(
            [
                self.probabilities(text, lex)
                for text, lex in zip(self.check_texts, self.check_lex, strict=True)
            ]
        )
        return float(np.abs(ours - self.check_proba).max())

    def vector(self, norm: str) -> TextVector:
        """Vocabulary indexes of the text's n-grams and their unit-length tf-idf values."""
        # map() calls dict.get in C; the n-grams outside the vocabulary count under None.
        counts = Counter(map(self.vocab.get, ngrams(norm)))
        counts.pop(None, None)
        if not counts:
            return np.empty(0, dtype=np.intp), np.empty(0)
        index = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        values = (1.0 + np.log(tf)) * self.idf[index]
        norm2 = math.sqrt(float(values @ values))
        return index, values / norm2

    @functools.cached_property
    def _centred(self) -> NDArray[np.float64]:
        """`coef` less each n-gram's mean weight over the classes (for `strongest`)."""
        centred: NDArray[np.float64] = self.coef - self.coef.mean(axis=1, keepdims=True)
        return centred


def load_model(path: Path = BUNDLED_MODEL) -> RiskModel:
    """Read a model file written by `bench/train_risk.py`; `ModelError` names a bad file."""
    try:
        with np.load(path, allow_pickle=False) as data:
            missing = [key for key in _KEYS if key not in data]
            if missing:
                raise ModelError(f"{path}: not a risk model file: no array {missing[0]!r}")
            arrays = {key: data[key] for key in data.files}
    except OSError as err:
        raise ModelError(f"{path}: cannot read model file: {err.strerror or err}") from err
    except ValueError as err:
        raise ModelError(f"{path}: not a risk model file: {err}") from err
    classes = tuple(str(c) for c in arrays["classes"])
    grams = tuple(str(g) for g in arrays["vocab"])
    coef = arrays["coef"].astype(np.float64)
    lex_names = tuple(str(n) for n in arrays["lex_names"])
    lex_coef = arrays["lex_coef"].astype(np.float64).reshape(len(lex_names), len(classes))
    if coef.shape != (len(grams), len(classes)) or arrays["idf"].shape != (len(grams),):
        raise ModelError(
            f"{path}: weights of shape {coef.shape} do not fit {len(grams)} n-grams and "
            f"{len(classes)} classes"
        )
    meta = json.loads(str(arrays["meta"]))
    return RiskModel(
        classes=classes,
        vocab={g: i for i, g in enumerate(grams)},
        grams=grams,
        idf=arrays["idf"].astype(np.float64),
        coef=coef,
        lex_names=lex_names,
        lex_coef=lex_coef,
        intercept=arrays["intercept"].astype(np.float64),
        lex_scale=float(arrays["lex_scale"]) if "lex_scale" in arrays else 1.0,
        meta=meta,
        source=path,
        check_texts=tuple(str(t) for t in arrays["check_texts"]),
        check_lex=arrays["check_lex"].astype(np.float64) if "check_lex" in arrays else None,
        check_proba=arrays["check_proba"].astype(np.float64),
    )


def save_model(
    path: Path,
    *,
    classes: Sequence[str],
    grams: Sequence[str],
    idf: NDArray[np.float64],
    coef: NDArray[np.float64],
    lex_names: Sequence[str],
    lex_coef: NDArray[np.float64],
    intercept: NDArray[np.float64],
    lex_scale: float,
    check_texts: Sequence[str],
    check_lex: NDArray[np.float64],
    check_proba: NDArray[np.float64],
    meta: Mapping[str, object],
) -> None:
    """Write a model file (compressed npz, float32 weights) atomically."""
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("wb") as handle:
        np.savez_compressed(
            handle,
            classes=np.array(list(classes)),
            vocab=np.array(list(grams)),
            idf=idf.astype(np.float32),
            coef=coef.astype(np.float32),
            lex_names=np.array(list(lex_names)),
            lex_coef=lex_coef.astype(np.float32),
            intercept=intercept.astype(np.float32),
            lex_scale=np.array(lex_scale),
            check_texts=np.array(list(check_texts)),
            check_lex=check_lex.astype(np.float32),
            check_proba=check_proba.astype(np.float64),
            meta=np.array(json.dumps(dict(meta), ensure_ascii=False, sort_keys=True)),
        )
    tmp.replace(path)
