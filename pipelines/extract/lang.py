"""Language guess from the script of the text: zh, en or None."""

from __future__ import annotations

from pipelines.extract.selectors import (
    CJK_RE,
    EN_MIN_SHARE,
    KANA_HANGUL_RE,
    LANG_MIN_LETTERS,
    LATIN_EXTENDED_RE,
    NOT_ASCII_LETTER_BYTES,
    ZH_MIN_SHARE,
)

#: Characters read; a few thousand decide the script as well as the whole page.
_SAMPLE_CHARS = 5000


def detect_lang(text: str) -> str | None:
    """zh when Han characters are at least half the letters, en when Latin letters dominate.

    Kana or Hangul (Japanese, Korean) and mixed scripts give None, as does too little text.
    """
    sample = text[:_SAMPLE_CHARS]
    han = len(CJK_RE.findall(sample))
    other = len(KANA_HANGUL_RE.findall(sample))
    latin = _latin_letters(sample)
    letters = han + other + latin
    if letters < LANG_MIN_LETTERS:
        return None
    if han / letters >= ZH_MIN_SHARE and other / letters < 0.05:
        return "zh"
    if latin / letters >= EN_MIN_SHARE:
        return "en"
    return None


def _latin_letters(text: str) -> int:
    """`len(LATIN_RE.findall(text))`: the ASCII letters counted as bytes, the rest by regex."""
    ascii_letters = text.encode("ascii", "ignore").translate(None, NOT_ASCII_LETTER_BYTES)
    return len(ascii_letters) + len(LATIN_EXTENDED_RE.findall(text))
