"""The Chinese article-page corpus: building it, the reviewer's texts, and its scoring.

The three fixture pages in tests/fixtures/zhcorpus are minimal hand-written pages: a GBK
page with a byline date, a script date, a hidden date and a sidebar date; a UTF-8 page whose
included header closes </html> before the article; a Big5 page without a date.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import subprocess
from datetime import date
from pathlib import Path

import pytest

from bench import extract_real, zhpages

CORPUS = Path(__file__).resolve().parent / "fixtures" / "zhcorpus"


def _text(name: str) -> str:
    return zhpages.visible_text((CORPUS / "pages" / f"{name}.html").read_bytes())


def test_visible_text_is_title_then_the_visible_blocks() -> None:
    text = _text("byline-gbk")
    lines = text.splitlines()
    assert lines[:2] == ["示例新闻：城市公园改造完成_示例日报", ""]
    assert "2023年11月08日 10:05 来源：示例日报" in lines
    assert "经过一年施工，城市公园改造于近日完成，市民可以免费入园。" in lines
    # The sidebar's date stays (the reviewer must tell it apart); script, style and hidden
    # text never reach the reviewer.
    assert "另一篇文章 2023-10-01" in lines
    assert "2020-01-01" not in text and "color:red" not in text and "2019-09-09" not in text


def test_visible_text_goes_on_after_a_stray_end_html_and_parts_adjacent_spans() -> None:
    lines = _text("stray-end-html").splitlines()
    assert "2021-03-04 09:30" in lines
    assert "三月四日，春季植树活动在市郊启动。" in lines


def test_visible_text_decodes_big5() -> None:
    assert _text("no-date-big5").startswith("颱風過後的海邊\n\n")


def test_texts_labels_and_instructions(tmp_path: Path) -> None:
    texts = tmp_path / "zhdates" / "texts"
    assert zhpages.write_texts(CORPUS, texts) == 3
    assert sorted(p.name for p in texts.iterdir()) == [
        "byline-gbk.txt",
        "no-date-big5.txt",
        "stray-end-html.txt",
    ]
    labels = tmp_path / "zhdates" / "labels.csv"
    with labels.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["id"] for r in rows] == ["byline-gbk", "stray-end-html", "no-date-big5"]
    assert all(r["published_date"] == "" and r["note"] == "" for r in rows)
    assert "YYYY-MM-DD HH:MM" in (tmp_path / "zhdates" / "INSTRUCTIONS.md").read_text()

    # The reviewer's work is never overwritten by a second run.
    labels.write_text("id,published_date,note\nbyline-gbk,2023-11-08,\n", encoding="utf-8")
    zhpages.write_texts(CORPUS, texts)
    assert "2023-11-08" in labels.read_text(encoding="utf-8")


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True
    ).stdout.strip()


def test_build_reads_each_file_at_its_commit_and_checks_its_hash(tmp_path: Path) -> None:
    page = (CORPUS / "pages" / "byline-gbk.html").read_bytes()
    repo = tmp_path / "src" / "samples"
    repo.mkdir(parents=True)
    _git(repo, "init", "-q")
    (repo / "a.html.gz").write_bytes(gzip.compress(page))
    _git(repo, "add", ".")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "sample")
    commit = _git(repo, "rev-parse", "HEAD")
    # Later commits change the file: the manifest's commit is what counts.
    (repo / "a.html.gz").write_bytes(gzip.compress(b"<html>changed</html>"))
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qam", "change")
    manifest = tmp_path / "zh.csv"
    sha1 = hashlib.sha1(page, usedforsecurity=False).hexdigest()
    row = ["p1", "someone/samples", commit, "a.html.gz", "example.com.cn", "", sha1]
    with manifest.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([zhpages.FIELDS, row])

    out = tmp_path / "zh"
    assert zhpages.build(tmp_path / "src", out, manifest) == 1
    assert (out / "pages" / "p1.html").read_bytes() == page
    assert (out / "manifest.csv").read_bytes() == manifest.read_bytes()

    row[-1] = "0" * 40
    with manifest.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([zhpages.FIELDS, row])
    with pytest.raises(SystemExit, match="SHA-1"):
        zhpages.build(tmp_path / "src", out, manifest)


def test_the_split_is_by_the_sites_sha1() -> None:
    # SHA-1 hex: example.com.cn 6d7…, example.com.tw 265…, example.org.cn c7f…
    assert extract_real.split_of("example.com.cn") == "dev"
    assert extract_real.split_of("example.com.tw") == "dev"
    assert extract_real.split_of("example.org.cn") == "test"


def test_zh_gold_reads_days_none_and_skips_blank_labels(tmp_path: Path) -> None:
    gold = tmp_path / "labels.csv"
    gold.write_text(
        "id,published_date,note\na,2023-11-08 10:05,\nb,None,no date\nc,,\nd,2021-03-04,\n",
        encoding="utf-8",
    )
    assert extract_real.read_zh_gold(gold) == {
        "a": date(2023, 11, 8),
        "b": None,
        "d": date(2021, 3, 4),
    }


def test_a_date_counts_when_its_day_is_the_golds() -> None:
    kind, pages = extract_real.load_corpus(CORPUS, CORPUS / "gold.csv")
    assert kind == "zh"
    page = next(p for p in pages if p.page_id == "byline-gbk")
    tally = extract_real.Tally()
    tally.add(page, extract_real.Result(0.1, days=(date(2023, 11, 8),)), body=False)
    tally.add(page, extract_real.Result(0.1, days=(date(2023, 11, 7),)), body=False)
    tally.add(page, extract_real.Result(0.1), body=False)
    assert (tally.date_pages, tally.dates, tally.no_date) == (3, 1, 1)


def test_extract_real_scores_the_zh_corpus_per_split(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "scores.jsonl"
    args = ["--corpus", str(CORPUS), "--zh-gold", str(CORPUS / "gold.csv"), "--json", str(out)]
    assert extract_real.main([*args, "--no-peers"]) == 0
    printed = capsys.readouterr().out
    assert "zh dev: 2 pages from 2 sites, 1 with a gold date, 1 'none', 0 unlabelled" in printed
    assert "zh test: 1 pages from 1 sites, 1 with a gold date, 0 'none', 0 unlabelled" in printed
    for heading in ("## zh (3 unique pages)", "## zh dev (2 unique pages)", "## zh test (1 unique"):
        assert heading in printed
    rows = {row["id"]: row for row in map(json.loads, out.read_text().splitlines())}
    assert rows["byline-gbk"]["gold_date"] == "2023-11-08"
    assert rows["byline-gbk"]["url"] == "https://www.example.com.cn/news/a.html"
    assert rows["stray-end-html"]["gold_date"] == "2021-03-04"
    assert rows["stray-end-html"]["url"] == "https://example.org.cn/article.html"
    assert "gold_date" not in rows["no-date-big5"]  # 'none': not scored for dates


def test_extract_real_runs_the_peers_on_the_zh_corpus(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("trafilatura")
    pytest.importorskip("htmldate")
    args = ["--corpus", str(CORPUS), "--zh-gold", str(CORPUS / "gold.csv")]
    assert extract_real.main(args) == 0
    printed = capsys.readouterr().out
    for section in printed.split("\n## ")[1:]:
        assert "| farmaudit |" in section
        assert "| trafilatura |" in section
        assert "| htmldate |" in section
