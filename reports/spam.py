"""Spam classification of link texts with weighted term lexicons (`reports/lexicons/*.toml`).

Each lexicon file is one category: weighted terms, exclusion phrases and a threshold. Text is
normalised with `reports.textnorm.normalize_text` and every term of every category is matched in
one scan of a trie-shaped regex, so cost grows with the text, not with the number of terms.

Scoring rules, in order:
1. At each position the longest term starting there is taken; a term lying inside a longer
   matched term is dropped ("租机借款" hides its "借款"), so a specific phrase can carry a
   different category than the generic word inside it.
2. A term starting or ending with an ASCII letter or digit only matches at an ASCII word edge
   ("bet" is not in "alphabet"); Chinese text has no spaces and needs no edges.
3. A matched term lying inside a category's exclusion phrase does not count for that category
   ("回收" inside "环保回收"); the exclusion is shown in the evidence.
4. A category's score is the sum of the weights of its distinct matched terms.
5. The verdict is the highest-scoring category whose score reaches its threshold; ties go to the
   lower `priority`, then the name. Otherwise the verdict is `none`.

A lexicon file (TOML, UTF-8; the file name is the category unless `category` says otherwise):

    description = "Cash-out of credit or stored value"   # optional
    threshold = 2.0                 # required: score needed to put a text in this category
    priority = 10                   # optional tie rank, lower wins (default 100)
    exclusions = ["环保回收"]        # optional: phrases cancelling the terms inside them
    [terms]                         # required: term = positive weight
    "京东e卡回收" = 3.0

Terms and exclusions are normalised like the text, so "京東E卡" and "京东e卡" are one term.
Users copy a bundled file, edit it and pass it to `load_lexicons`; it replaces that category.

With a learned model attached (`load_lexicons` attaches the bundled one, `reports.riskmodel`),
the verdict is the model's: character n-grams of the text plus each category's lexicon score
(rules 1-4 above) go into a linear softmax trained on real titles labelled by blind reviewers
(`bench/train_risk.py`). The evidence then lists the lexicon terms of the chosen category and
the model's strongest n-grams ("model:卡回收(+0.41)"), and the score is the model's
probability. A user category the model does not know still wins by rule 5 when the model says
`none`. Each distinct normalised text is scored once (a bounded cache).
"""

from __future__ import annotations

import functools
import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

from pipelines.store.errors import FarmauditError
from reports.riskmodel import BUNDLED_MODEL, RiskModel, lexicon_features, load_model
from reports.textnorm import normalize_text

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

#: Verdict category when no lexicon category reaches its threshold.
NONE = "none"
#: Directory holding the lexicons shipped with the package.
BUNDLED_LEXICON_DIR = Path(__file__).with_name("lexicons")
#: Weight factor for terms found only in a crawled target's body (see `classify_link`).
BODY_FACTOR = 0.5
#: Default tie rank for a category file that sets no `priority`.
DEFAULT_PRIORITY = 100

_FILE_KEYS = ("category", "description", "threshold", "priority", "exclusions", "terms")
_CATEGORY_NAME = re.compile(r"[a-z][a-z0-9_]*")
# A regex that never matches, for a lexicon without terms or exclusions.
_NEVER = re.compile(r"(?!)")


class LexiconError(FarmauditError):
    """A lexicon file that cannot be read, parsed or validated; the message names file and key."""


@dataclass(frozen=True)
class Category:
    """One risk category: normalised term → weight, exclusion phrases, threshold, tie rank."""

    name: str
    threshold: float
    terms: Mapping[str, float]
    exclusions: tuple[str, ...] = ()
    priority: int = DEFAULT_PRIORITY
    description: str = ""
    source: Path | None = None
    #: Normalised term → the term as written in the file, for evidence.
    spellings: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SpamVerdict:
    """Category chosen for a text, its score, and the evidence behind it."""

    category: str
    score: float
    #: "term(+weight)" per counted term, "exclude:phrase" per exclusion that cancelled a term;
    #: fields other than the anchor are prefixed ("title:", "body:"); on a `none` verdict every
    #: item is prefixed with the category it would have counted for ("lending:还款(+1.0)").
    evidence: tuple[str, ...]

    @property
    def flagged(self) -> bool:
        """True when the text was put in a risk category."""
        return self.category != NONE


_NOTHING = SpamVerdict(NONE, 0.0, ())
# A character trie; the "" key marks the end of a word.
_Trie = dict[str, "_Trie"]
# Per category index: counted term spelling → (weight, evidence prefix), and exclusion phrases.
_Scores = dict[int, dict[str, tuple[float, str]]]
_Excluded = dict[int, dict[str, str]]


# eq=False: a compiled lexicon compares and hashes by identity, so it can key a cache.
@dataclass(frozen=True, eq=False)
class Lexicon:
    """All categories compiled into one term scan; build with `load_lexicons` or from categories."""

    categories: tuple[Category, ...]
    #: The learned model deciding verdicts; None: the lexicons alone decide (rules 1-5).
    model: RiskModel | None = field(default=None, compare=False)
    _term_re: re.Pattern[str] = field(init=False, repr=False, compare=False)
    _exclusion_re: re.Pattern[str] = field(init=False, repr=False, compare=False)
    # Normalised term → (category index, weight, spelling) for every category holding it.
    _term_entries: dict[str, tuple[tuple[int, float, str], ...]] = field(
        init=False, repr=False, compare=False
    )
    # Normalised exclusion phrase → indexes of the categories it belongs to.
    _exclusion_entries: dict[str, tuple[int, ...]] = field(init=False, repr=False, compare=False)
    # Terms with an ASCII letter or digit at the (start, end): matched at word edges only.
    _edged_terms: dict[str, tuple[bool, bool]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        ordered = tuple(sorted(self.categories, key=lambda c: (c.priority, c.name)))
        names = [c.name for c in ordered]
        if len(set(names)) != len(names):
            dupes = sorted({n for n in names if names.count(n) > 1})
            raise LexiconError(f"categories defined more than once: {', '.join(dupes)}")
        terms: dict[str, list[tuple[int, float, str]]] = {}
        exclusions: dict[str, list[int]] = {}
        for index, category in enumerate(ordered):
            seen: dict[str, str] = {}
            for raw, weight in category.terms.items():
                # load_category normalises already; a Category built in code may not be.
                term = normalize_text(raw)
                if term in seen:
                    raise LexiconError(
                        f"category {category.name!r}: terms {seen[term]!r} and {raw!r} both "
                        f"normalise to {term!r}; keep one"
                    )
                seen[term] = raw
                spelling = category.spellings.get(raw, raw)
                terms.setdefault(term, []).append((index, weight, spelling))
            for phrase in dict.fromkeys(normalize_text(p) for p in category.exclusions):
                exclusions.setdefault(phrase, []).append(index)
        # The dataclass is frozen for callers; the compiled scan is derived state set once here.
        object.__setattr__(self, "categories", ordered)
        object.__setattr__(self, "_term_entries", {t: tuple(e) for t, e in terms.items()})
        object.__setattr__(self, "_exclusion_entries", {p: tuple(e) for p, e in exclusions.items()})
        edged = {t: (_is_word_char(t[0]), _is_word_char(t[-1])) for t in terms}
        object.__setattr__(self, "_edged_terms", {t: e for t, e in edged.items() if any(e)})
        object.__setattr__(self, "_term_re", _compile_trie(terms))
        object.__setattr__(self, "_exclusion_re", _compile_trie(exclusions))

    @property
    def category_names(self) -> tuple[str, ...]:
        """Category names in tie order (priority, then name)."""
        return tuple(c.name for c in self.categories)

    def category(self, name: str) -> Category:
        """The category called `name`; KeyError names the known ones."""
        for category in self.categories:
            if category.name == name:
                return category
        known = ", ".join(self.category_names)
        raise KeyError(f"no lexicon category {name!r}; known: {known}")


def classify(text: str, lexicon: Lexicon) -> SpamVerdict:
    """Classify one text (a link's anchor or a title) into a risk category or `none`."""
    norm = normalize_text(text)
    if lexicon.model is not None:
        return _model_verdict(norm, lexicon)
    # Most link texts hold no term at all: answer those without building any state.
    if lexicon._term_re.search(norm) is None:
        return _NOTHING
    scores: _Scores = {}
    excluded: _Excluded = {}
    _collect(norm, lexicon, 1.0, "", scores, excluded)
    return _verdict(lexicon, scores, excluded)


def classify_texts(texts: Iterable[str], lexicon: Lexicon) -> list[SpamVerdict]:
    """`classify` over many texts; each distinct text is classified once."""
    done: dict[str, SpamVerdict] = {}
    verdicts = []
    for text in texts:
        verdict = done.get(text)
        if verdict is None:
            verdict = done[text] = classify(text, lexicon)
        verdicts.append(verdict)
    return verdicts


def classify_link(
    anchor_text: str,
    target_title: str | None,
    target_body: str | None,
    lexicon: Lexicon,
    *,
    title_verdict: SpamVerdict | None = None,
) -> SpamVerdict:
    """Classify a link from its anchor and, when crawled, its target's title and body.

    Lexicons alone: the three fields are scanned separately and their evidence pooled per
    category. A term counts once per category, at its best weight: full weight when it is in
    the anchor or the target title, `BODY_FACTOR` times its weight when it is only in the body
    (a body names many things in passing; an anchor or title names what the page is about).

    With a model: the anchor and the title are classified on their own and the risk verdict
    with the higher probability wins (the title's evidence prefixed "title:"); the body never
    decides, it only adds the chosen category's body terms to the evidence.

    `title_verdict` is the title's own verdict (`classify(target_title)`) when the caller
    kept it; a model then classifies neither the title nor an anchor that reads the same.
    """
    if lexicon.model is not None:
        return _model_link_verdict(anchor_text, target_title, target_body, lexicon, title_verdict)
    scores: _Scores = {}
    excluded: _Excluded = {}
    _collect(normalize_text(anchor_text), lexicon, 1.0, "", scores, excluded)
    if target_title:
        _collect(normalize_text(target_title), lexicon, 1.0, "title:", scores, excluded)
    if target_body:
        _collect(normalize_text(target_body), lexicon, BODY_FACTOR, "body:", scores, excluded)
    return _verdict(lexicon, scores, excluded)


def load_lexicons(
    paths: Sequence[Path] | None = None,
    *,
    bundled: bool = True,
    model: Path | None = BUNDLED_MODEL,
) -> Lexicon:
    """Load the bundled lexicons, then each file of `paths`; a file replaces a same-named category.

    With `bundled=False` only `paths` are read. Two files in `paths` defining the same category
    are an error, as is any malformed file (`LexiconError` names the file and the key).
    `model` is the learned model file attached to the lexicons (`reports.riskmodel`; the bundled
    one by default); None leaves the verdicts to the lexicons alone.
    """
    categories: dict[str, Category] = {}
    if bundled:
        for path in bundled_lexicon_paths():
            category = load_category(path)
            categories[category.name] = category
    seen: dict[str, Path] = {}
    for path in paths or ():
        category = load_category(path)
        if category.name in seen:
            raise LexiconError(
                f"{path}: category {category.name!r} is already defined by {seen[category.name]}"
            )
        seen[category.name] = path
        categories[category.name] = category
    if model is None:
        attached = None
    elif model == BUNDLED_MODEL:
        attached = _bundled_model()
    else:
        attached = load_model(model)
    return Lexicon(tuple(categories.values()), model=attached)


@functools.cache
def _bundled_model() -> RiskModel:
    return load_model(BUNDLED_MODEL)


def bundled_lexicon_paths() -> tuple[Path, ...]:
    """The lexicon files shipped in `reports/lexicons/`, sorted by name."""
    return tuple(sorted(BUNDLED_LEXICON_DIR.glob("*.toml")))


def load_category(path: Path) -> Category:
    """Read and validate one lexicon TOML file into a `Category`."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise LexiconError(f"{path}: cannot read lexicon file: {err.strerror or err}") from err
    except UnicodeDecodeError as err:
        raise LexiconError(f"{path}: lexicon file is not UTF-8: {err.reason}") from err
    except tomllib.TOMLDecodeError as err:
        raise LexiconError(f"{path}: malformed TOML: {err}") from err
    unknown = sorted(set(data) - set(_FILE_KEYS))
    if unknown:
        raise LexiconError(
            f"{path}: unexpected key {unknown[0]!r}; expected one of: {', '.join(_FILE_KEYS)}"
        )
    name = data.get("category", path.stem)
    if not isinstance(name, str) or not _CATEGORY_NAME.fullmatch(name) or name == NONE:
        raise LexiconError(
            f"{path}: category: {name!r} is not a valid name; expected lower-case letters, "
            f"digits and '_', not {NONE!r}"
        )
    description = data.get("description", "")
    if not isinstance(description, str):
        raise LexiconError(f"{path}: description: {description!r} is not a string")
    if "threshold" not in data:
        raise LexiconError(f"{path}: missing key 'threshold'; expected a positive number")
    threshold = _positive_number(path, "threshold", data["threshold"])
    priority = data.get("priority", DEFAULT_PRIORITY)
    if isinstance(priority, bool) or not isinstance(priority, int):
        raise LexiconError(f"{path}: priority: {priority!r} is not an integer")
    if "terms" not in data:
        raise LexiconError(f"{path}: missing table [terms]; expected term = weight lines")
    terms, spellings = _read_terms(path, data["terms"])
    exclusions = _read_exclusions(path, data.get("exclusions", []))
    return Category(
        name=name,
        threshold=threshold,
        terms=MappingProxyType(terms),
        exclusions=exclusions,
        priority=priority,
        description=description,
        source=path,
        spellings=MappingProxyType(spellings),
    )


def _read_terms(path: Path, table: object) -> tuple[dict[str, float], dict[str, str]]:
    if not isinstance(table, dict):
        raise LexiconError(f"{path}: terms: expected a table of term = weight, got {table!r}")
    terms: dict[str, float] = {}
    spellings: dict[str, str] = {}
    for raw, weight in table.items():
        key = f"terms.{raw!r}"
        norm = normalize_text(raw)
        if not norm:
            raise LexiconError(f"{path}: {key}: a term must contain text")
        if norm in terms:
            raise LexiconError(
                f"{path}: {key}: normalises to {norm!r} like {spellings[norm]!r}; keep one"
            )
        terms[norm] = _positive_number(path, key, weight)
        spellings[norm] = raw
    return terms, spellings


def _read_exclusions(path: Path, value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise LexiconError(f"{path}: exclusions: expected a list of phrases, got {value!r}")
    phrases: list[str] = []
    for i, phrase in enumerate(value):
        norm = normalize_text(phrase) if isinstance(phrase, str) else ""
        if not norm:
            raise LexiconError(f"{path}: exclusions[{i}]: {phrase!r} is not a non-empty phrase")
        phrases.append(norm)
    return tuple(dict.fromkeys(phrases))


def _positive_number(path: Path, key: str, value: object) -> float:
    # bool is an int subclass: `true` must not read as weight 1.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise LexiconError(f"{path}: {key}: {value!r} is not a number; expected e.g. 2.0")
    if not math.isfinite(value) or value <= 0:
        raise LexiconError(f"{path}: {key}: {value!r} must be a positive finite number")
    return float(value)


def _compile_trie(words: Iterable[str]) -> re.Pattern[str]:
    """A regex matching any of `words`, the longest one where several start at a position."""
    trie: _Trie = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}
    if not trie:
        return _NEVER
    return re.compile(_trie_pattern(trie))


def _longest_per_start(pattern: re.Pattern[str], text: str) -> list[tuple[int, int, str]]:
    """(start, end, word) for the longest word starting at each position, overlaps included."""
    # A search loop rather than finditer over a lookahead: plain search keeps the regex
    # engine's first-character skip, several times faster on text with few terms.
    found: list[tuple[int, int, str]] = []
    match = pattern.search(text)
    while match is not None:
        start, end = match.span()
        found.append((start, end, match.group()))
        match = pattern.search(text, start + 1)
    return found


def _trie_pattern(node: _Trie) -> str:
    """Regex for a trie node; alternatives try the longer continuation before ending here."""
    ends_here = "" in node
    branches: list[str] = []
    single_chars: list[str] = []
    for char, child in sorted(node.items()):
        if not char:
            continue
        if set(child) == {""}:
            single_chars.append(char)
        else:
            branches.append(re.escape(char) + _trie_pattern(child))
    if single_chars:
        if len(single_chars) == 1:
            branches.append(re.escape(single_chars[0]))
        else:
            branches.append("[" + "".join(_escape_in_class(c) for c in single_chars) + "]")
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if ends_here:
        return f"(?:{body})?"
    return body


def _escape_in_class(char: str) -> str:
    return "\\" + char if char in "\\]^-[" else char


def _is_word_char(char: str) -> bool:
    return char.isascii() and char.isalnum()


def _at_word_edges(text: str, span: tuple[int, int, str], edges: tuple[bool, bool]) -> bool:
    """False when an ASCII-edged term continues an ASCII word ("bet" in "alphabet")."""
    start, end, _ = span
    if edges[0] and start > 0 and _is_word_char(text[start - 1]):
        return False
    return not (edges[1] and end < len(text) and _is_word_char(text[end]))


def _collect(
    text: str,
    lexicon: Lexicon,
    factor: float,
    prefix: str,
    scores: _Scores,
    excluded: _Excluded,
) -> None:
    """Add the terms found in normalised `text` (weights times `factor`) to `scores`."""
    edged = lexicon._edged_terms
    spans = [
        span
        for span in _longest_per_start(lexicon._term_re, text)
        if span[2] not in edged or _at_word_edges(text, span, edged[span[2]])
    ]
    if not spans:
        return
    # Drop a term lying inside a longer one that starts earlier ("借款" inside "租机借款").
    reach = -1
    outer: list[tuple[int, int, str]] = []
    for span in spans:
        if span[1] > reach:
            outer.append(span)
            reach = span[1]
    cancelling = [
        (start, end, phrase, lexicon._exclusion_entries[phrase])
        for start, end, phrase in _longest_per_start(lexicon._exclusion_re, text)
    ]
    spans = outer
    for start, end, term in spans:
        for index, weight, spelling in lexicon._term_entries[term]:
            phrase = _cancelled_by(cancelling, index, start, end)
            if phrase is not None:
                excluded.setdefault(index, {}).setdefault(phrase, prefix)
                continue
            counted = scores.setdefault(index, {})
            value = weight * factor
            if spelling not in counted or counted[spelling][0] < value:
                counted[spelling] = (value, prefix)


def _cancelled_by(
    cancelling: Sequence[tuple[int, int, str, tuple[int, ...]]], index: int, start: int, end: int
) -> str | None:
    for ex_start, ex_end, phrase, indexes in cancelling:
        if ex_start <= start and end <= ex_end and index in indexes:
            return phrase
    return None


def _verdict(lexicon: Lexicon, scores: _Scores, excluded: _Excluded) -> SpamVerdict:
    best_index = -1
    best_score = 0.0
    totals: dict[int, float] = {}
    for index, counted in scores.items():
        total = round(sum(value for value, _ in counted.values()), 6)
        totals[index] = total
        category = lexicon.categories[index]
        # Categories are in tie order, so a later one must score strictly more to win.
        if total >= category.threshold and (
            best_index < 0 or total > best_score or (total == best_score and index < best_index)
        ):
            best_index, best_score = index, total
    if best_index >= 0:
        return SpamVerdict(
            lexicon.categories[best_index].name,
            best_score,
            _evidence(scores.get(best_index, {}), excluded.get(best_index, {}), ""),
        )
    evidence: list[str] = []
    for index in sorted(set(scores) | set(excluded)):
        name = lexicon.categories[index].name
        evidence.extend(
            _evidence(scores.get(index, {}), excluded.get(index, {}), f"{name}:"),
        )
    return SpamVerdict(NONE, 0.0, tuple(evidence))


def _evidence(
    counted: Mapping[str, tuple[float, str]], excluded: Mapping[str, str], label: str
) -> tuple[str, ...]:
    items = [
        f"{label}{prefix}{spelling}(+{_format_weight(value)})"
        for spelling, (value, prefix) in counted.items()
    ]
    items.extend(f"{label}{prefix}exclude:{phrase}" for phrase, prefix in excluded.items())
    return tuple(items)


@functools.lru_cache(maxsize=1024)
def _format_weight(value: float) -> str:
    text = f"{value:.2f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


def category_descriptions(lexicon: Lexicon) -> dict[str, str]:
    """Category name → its lexicon's description (empty when the file gives none), in the
    lexicon's order: the legend of a report."""
    return {c.name: c.description for c in lexicon.categories}


def lexicon_features_of(text: str, lexicon: Lexicon, names: Sequence[str]) -> list[float]:
    """The model's lexicon features of a text: per category of `names`, its capped score ratio."""
    scores, _ = _scan(normalize_text(text), lexicon)
    return _features(scores, lexicon, names)


def _features(scores: _Scores, lexicon: Lexicon, names: Sequence[str]) -> list[float]:
    categories = lexicon.categories
    totals = {
        categories[i].name: round(sum(v for v, _ in counted.values()), 6)
        for i, counted in scores.items()
    }
    return lexicon_features(totals, {c.name: c.threshold for c in categories}, names)


def _scan(
    norm: str, lexicon: Lexicon, factor: float = 1.0, prefix: str = ""
) -> tuple[_Scores, _Excluded]:
    scores: _Scores = {}
    excluded: _Excluded = {}
    if lexicon._term_re.search(norm) is not None:
        _collect(norm, lexicon, factor, prefix, scores, excluded)
    return scores, excluded


# Keyed by (text, lexicon): a lexicon compares by identity, so each loaded one has its own
# entries. Farms repeat the same anchors on every page, and every page's title is an anchor
# elsewhere: 262,144 texts hold a 100k-page crawl's anchors and titles (a smaller cache
# starts missing on every target once the site outgrows it). `forget_verdicts` empties it.
@functools.lru_cache(maxsize=1 << 18)
def _model_verdict(norm: str, lexicon: Lexicon) -> SpamVerdict:
    """The model's verdict on a normalised text, with lexicon terms and n-grams as evidence."""
    model = lexicon.model
    assert model is not None  # callers check; the cache key needs the lexicon, not the model
    scores, excluded = _scan(norm, lexicon)
    categories = lexicon.categories
    vector = model.vector(norm)  # once: the probabilities and the evidence both read it
    probabilities = model.probabilities(norm, _features(scores, lexicon, model.lex_names), vector)
    best = int(probabilities.argmax())
    name = model.classes[best]
    if name == NONE:
        # A category the model was not trained on (a user's lexicon) decides by rule 5.
        by_rules = _verdict(lexicon, scores, excluded)
        if by_rules.category not in model.classes:
            return by_rules
        evidence = [f"model:{NONE}({probabilities[best]:.2f})", *by_rules.evidence]
        return SpamVerdict(NONE, 0.0, tuple(evidence))
    index = next((i for i, c in enumerate(categories) if c.name == name), -1)
    items = list(_evidence(scores.get(index, {}), excluded.get(index, {}), ""))
    strongest = model.strongest(norm, name, vector=vector)
    items.extend(f"model:{gram}(+{weight:.2f})" for gram, weight in strongest)
    return SpamVerdict(name, round(float(probabilities[best]), 4), tuple(items))


def _model_link_verdict(
    anchor_text: str,
    target_title: str | None,
    target_body: str | None,
    lexicon: Lexicon,
    title_verdict: SpamVerdict | None = None,
) -> SpamVerdict:
    anchor = normalize_text(anchor_text)
    if target_title:
        norm = normalize_text(target_title)
        title = _model_verdict(norm, lexicon) if title_verdict is None else title_verdict
        # A related link's anchor is mostly its target's title: one verdict serves both.
        verdict = title if anchor == norm else _model_verdict(anchor, lexicon)
        if title.flagged and (not verdict.flagged or title.score > verdict.score):
            verdict = SpamVerdict(
                title.category, title.score, tuple(f"title:{e}" for e in title.evidence)
            )
    else:
        verdict = _model_verdict(anchor, lexicon)
    if not verdict.flagged or not target_body:
        return verdict
    shown = set(verdict.evidence)
    extra = [e for e in _body_evidence(target_body, lexicon, verdict.category) if e not in shown]
    return SpamVerdict(verdict.category, verdict.score, verdict.evidence + tuple(extra))


def forget_verdicts() -> None:
    """Empty the verdict caches (a stage classifying many texts is over)."""
    _model_verdict.cache_clear()
    _body_evidence.cache_clear()


def body_evidence(body: str, lexicon: Lexicon, category: str) -> tuple[str, ...]:
    """The terms of `category` in a target's body, as `classify_link` adds them to a model
    verdict's evidence (uncached: callers keep what they need, by page rather than by text)."""
    return _body_evidence.__wrapped__(body, lexicon, category)


# Many links lead to one target: its body is scanned once per category asked for.
@functools.lru_cache(maxsize=16_384)
def _body_evidence(body: str, lexicon: Lexicon, category: str) -> tuple[str, ...]:
    """The terms of `category` in a target's body, at `BODY_FACTOR` weight, as evidence."""
    index = next((i for i, c in enumerate(lexicon.categories) if c.name == category), -1)
    scores, excluded = _scan(normalize_text(body), lexicon, BODY_FACTOR, "body:")
    return _evidence(scores.get(index, {}), excluded.get(index, {}), "")
