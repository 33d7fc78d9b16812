"""`farmaudit classify`: texts in, CSV or JSON lines out (reports/textlist.py and the CLI)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from click.testing import CliRunner

from scraper.cli import main


def _csv(output: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(output)))


def test_classify_file_to_csv(tmp_path: Path) -> None:
    texts = tmp_path / "titles.txt"
    texts.write_text("京东e卡回收平台\n\n  红烧肉的做法  \n京东e卡回收平台\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["classify", str(texts)])
    assert result.exit_code == 0, result.output
    rows = _csv(result.output)
    # Blank lines skipped, the text stripped, a repeated text repeated in the output.
    assert [r["text"] for r in rows] == ["京东e卡回收平台", "红烧肉的做法", "京东e卡回收平台"]
    assert list(rows[0]) == ["text", "category", "score", "evidence"]
    assert rows[0]["category"] == "cashout"
    assert 0.5 < float(rows[0]["score"]) <= 1
    assert "e卡回收(+3.0)" in rows[0]["evidence"].split("; ")
    assert any(e.startswith("model:") for e in rows[0]["evidence"].split("; "))
    assert rows[1]["category"] == "none"
    assert rows[2] == rows[0]


def test_classify_stdin_to_jsonl() -> None:
    result = CliRunner().invoke(
        main, ["classify", "--format", "jsonl"], input="\ufeffUSDT怎么买\n=1+2\n".encode()
    )
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    # The byte-order mark is dropped; JSON keeps a formula-like text exactly.
    assert [r["text"] for r in rows] == ["USDT怎么买", "=1+2"]
    assert rows[0]["category"] == "crypto"
    assert isinstance(rows[0]["evidence"], list)


def test_csv_cells_never_run_as_formulas() -> None:
    result = CliRunner().invoke(main, ["classify"], input='=HYPERLINK("x")\n@SUM(1)\n-2\n')
    assert result.exit_code == 0, result.output
    assert [r["text"] for r in _csv(result.output)] == ['\'=HYPERLINK("x")', "'@SUM(1)", "'-2"]


def test_lexicons_only_and_a_user_lexicon(tmp_path: Path) -> None:
    terms = tmp_path / "pyramid.toml"
    terms.write_text('threshold = 2.0\n[terms]\n"传销" = 3.0\n', encoding="utf-8")
    result = CliRunner().invoke(
        main, ["classify", "--lexicons-only", "--lexicon", str(terms)], input="传销拉人头\n"
    )
    assert result.exit_code == 0, result.output
    (row,) = _csv(result.output)
    assert (row["category"], row["score"], row["evidence"]) == ("pyramid", "3", "传销(+3.0)")


def test_input_that_is_not_utf8_is_named_with_its_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes("京东e卡回收\n".encode() + b"caf\xe9\n")
    result = CliRunner().invoke(main, ["classify", str(bad)])
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {bad}: line 2 is not UTF-8 text (byte 0xe9 at column 4); "
        "expected one UTF-8 text per line\n"
    )


def test_missing_file_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "absent.txt"
    result = CliRunner().invoke(main, ["classify", str(missing)])
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {missing}: no such file; expected a text file with one text a line\n"
    )


def test_empty_input_writes_the_header_only() -> None:
    result = CliRunner().invoke(main, ["classify"], input="")
    assert result.exit_code == 0
    assert result.output == "text,category,score,evidence\n"
