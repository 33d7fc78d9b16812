"""The audit as stages: one stage re-run alone, resume after a SIGKILL, --stage errors."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from pipelines.store.ownership import foreign_entries
from pipelines.store.schema import AUDIT_TABLES
from reports.audit import (
    STAGE_NAMES,
    AuditError,
    read_findings,
    run_audit,
    run_audit_stage,
    shuffle,
)
from reports.audit.config import AuditConfig
from reports.audit.stage import WORK_DIR, WORK_MARKER, ProcessRunner, Runner, peak_rss_mb
from scraper.cli import main
from tests.test_audit import _dataset, _demo_rows, _write_parts

REPO = Path(__file__).resolve().parents[1]


def _rows(folder: Path) -> list[str]:
    """A table folder's rows as sorted reprs (part and row order do not matter)."""
    parts = sorted(folder.glob("part-*.parquet"))
    return sorted(repr(row) for part in parts for row in pq.read_table(part).to_pylist())


def _findings(root: Path) -> dict[str, list[str]]:
    return {name: sorted(map(repr, read_findings(root, name).to_pylist())) for name in AUDIT_TABLES}


def _audited_then_copied(root: Path, copy: Path) -> dict[str, list[str]]:
    """The findings of a one-process audit of `root`; its crawl tables copied to `copy`
    (without the audit) for another way of auditing them."""
    run_audit(root)
    shutil.copytree(root, copy, ignore=shutil.ignore_patterns(WORK_DIR, "audit"))
    return _findings(root)


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    """A dataset of the demo site's articles and related links, in three committed batches."""
    pages, links = _demo_rows()
    root = tmp_path / "demo"
    _write_parts(root, pages, links, parts=3)
    return root


def test_a_stage_rerun_alone_writes_the_same_table(demo: Path) -> None:
    run_audit(demo)
    work = demo / WORK_DIR
    before = {t: _rows(work / t) for t in ("link_findings", "duplicate_clusters", "page_findings")}
    assert len(before["link_findings"]) > 1000
    for stage, table in (
        ("links", "link_findings"),
        ("duplicates", "duplicate_clusters"),
        ("pages", "page_findings"),
    ):
        counts = run_audit_stage(demo, stage)
        assert counts.rows_out[table] == len(before[table])
        assert _rows(work / table) == before[table], stage
    # The audit published before is untouched by a stage's re-run: its parts are its own.
    assert sorted(map(repr, read_findings(demo, "link_findings").to_pylist())) == sorted(
        before["link_findings"]
    )


def test_the_links_stage_with_caches_that_start_over_writes_the_same_table(
    demo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A 1M-page crawl outgrows the verdict and profile caches, which then start over: the
    # link findings must be the ones found with room to spare.
    from reports.audit import keyindex, links
    from reports.offtopic import model

    run_audit(demo)
    before = _rows(demo / WORK_DIR / "link_findings")
    monkeypatch.setattr(links, "VERDICT_CACHE", 50)
    monkeypatch.setattr(keyindex.IntMap, "MERGE", 7)  # verdicts sorted in, found by search
    monkeypatch.setattr(links, "VERDICT_CHUNKS", 2)
    monkeypatch.setattr(links, "LINK_BATCH", 500)
    monkeypatch.setattr(model, "_ANCHOR_CACHE", 200)
    monkeypatch.setattr(model, "_PAGE_CACHE", 20)
    run_audit_stage(demo, "links")
    assert len(before) > 1000
    assert _rows(demo / WORK_DIR / "link_findings") == before


def test_rerunning_a_stage_marks_the_later_ones_unfinished(demo: Path) -> None:
    run_audit(demo)
    run_audit_stage(demo, "links")
    said: list[str] = []
    run_audit(demo, progress=said.append)
    started = [m.split(":")[0].removeprefix("stage ") for m in said if m.endswith(": started")]
    # The stages reading link findings, directly or not; graph reads the links table only,
    # and duplicates the pages' texts and the crawl's anchors (not link_findings).
    assert started == ["pages", "changes", "report"]


def test_a_killed_audit_resumes_after_its_last_finished_stage(demo: Path, tmp_path: Path) -> None:
    fresh = tmp_path / "fresh" / "demo"
    shutil.copytree(demo, fresh)
    expected = _audit_outputs_of(fresh)
    # The child stops (sleeps) right after the links stage has finished, and is SIGKILLed.
    script = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from reports.audit import run_audit\n"
        "def say(m):\n"
        "    print(m, flush=True)\n"
        "    if m.startswith('stage links: done'):\n"
        "        time.sleep(120)\n"
        "run_audit(Path(sys.argv[1]), progress=say)\n"
    )
    with subprocess.Popen(
        [sys.executable, "-c", script, str(demo)], cwd=REPO, stdout=subprocess.PIPE, text=True
    ) as child:
        assert child.stdout is not None
        for line in child.stdout:
            if line.startswith("stage links: done"):
                os.kill(child.pid, signal.SIGKILL)
                break
        assert child.wait(timeout=60) == -signal.SIGKILL
    assert not (demo / "audit").exists()
    said: list[str] = []
    run_audit(demo, progress=said.append)
    skipped = [m.split(":")[0].removeprefix("stage ") for m in said if "finished earlier" in m]
    assert skipped == ["targets", "topics", "profiles", "links"]
    assert any(m.startswith("stage graph: started") for m in said)
    assert _findings(demo) == expected
    assert foreign_entries(demo) == []  # the work folder is farmaudit's own


def _audit_outputs_of(root: Path) -> dict[str, list[str]]:
    run_audit(root)
    return _findings(root)


def test_a_finished_audit_run_again_starts_over(demo: Path) -> None:
    run_audit(demo)
    said: list[str] = []
    run_audit(demo, progress=said.append)
    assert not [m for m in said if "finished earlier" in m]
    assert [m for m in said if m.endswith(": started")] == [
        f"stage {name}: started" for name in STAGE_NAMES
    ]


def test_stage_nosuch_is_a_one_line_error_listing_the_stages(demo: Path) -> None:
    result = CliRunner().invoke(main, ["audit", str(demo), "--stage", "nosuch"])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert "nosuch" in lines[0]
    for name in STAGE_NAMES:
        assert name in lines[0]


def test_a_stage_names_the_earlier_stages_it_needs(tmp_path: Path) -> None:
    root = _dataset(tmp_path / "planted")
    with pytest.raises(AuditError, match=r"--stage links .* stages topics, profiles"):
        run_audit_stage(root, "links")
    result = CliRunner().invoke(main, ["audit", str(root), "--stage", "pages"])
    assert result.exit_code == 1
    assert "stages targets, profiles, links, not finished" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_other_options_make_the_finished_stages_stale(demo: Path) -> None:
    run_audit(demo)
    result = CliRunner().invoke(
        main, ["audit", str(demo), "--stage", "pages", "--offtopic-threshold", "0.9"]
    )
    assert result.exit_code == 1
    assert "not finished for this dataset and these options" in result.output


def test_a_work_folder_farmaudit_did_not_make_is_refused(demo: Path) -> None:
    work = demo / WORK_DIR
    work.mkdir()
    (work / "notes.txt").write_text("mine")
    result = CliRunner().invoke(main, ["audit", str(demo)])
    assert result.exit_code == 1
    assert WORK_MARKER in result.output
    assert (work / "notes.txt").read_text() == "mine"


def test_stage_progress_says_parts_elapsed_and_time_left(monkeypatch: pytest.MonkeyPatch) -> None:
    from reports.audit import stage

    clock = iter([100.0, 130.0, 190.0])  # start, after 10 parts, after 20 (the last)
    monkeypatch.setattr(stage.time, "monotonic", lambda: next(clock))
    said: list[str] = []
    tick = stage.batches_progress(said.append, "links", 20, every=10)
    tick(5)  # not on the beat: silent
    tick(10)
    tick(20)
    assert said == [
        "stage links: 10/20 parts, 30 s, about 30 s left",
        "stage links: 20/20 parts, 1 min 30 s",
    ]


class _Shuffling(Runner):
    """The in-process runner, asked to split global steps by key as a Dask runner does."""

    shuffles = True


def test_the_graph_as_a_shuffle_by_key_writes_the_same_tables(
    demo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_audit(demo)
    work = demo / WORK_DIR
    tables = ("link_targets", "anchor_findings")
    before = {t: pq.read_table(work / t).to_pylist() for t in tables}
    monkeypatch.setattr(shuffle, "buckets_for", lambda parts: 5)  # more buckets than parts
    said: list[str] = []
    run_audit_stage(demo, "graph", runner=_Shuffling(), progress=said.append)
    assert any(
        m.startswith("stage graph: 21,187 links shuffled into 5 buckets by target and anchor")
        for m in said
    )
    for table in tables:  # the same rows in the same order
        assert pq.read_table(work / table).to_pylist() == before[table], table
    assert not (work / "graph_shuffle").exists()


def test_jobs_run_the_part_tasks_in_worker_processes_with_the_same_findings(
    demo: Path, tmp_path: Path
) -> None:
    other = tmp_path / "jobs"
    before = _audited_then_copied(demo, other)
    result = CliRunner().invoke(main, ["audit", str(other), "--jobs", "2"])
    assert result.exit_code == 0, result.output
    assert _findings(other) == before


def test_jobs_run_graph_and_duplicates_beside_links_with_the_same_findings(
    demo: Path, tmp_path: Path
) -> None:
    other = tmp_path / "beside"
    before = _audited_then_copied(demo, other)
    said: list[str] = []
    run_audit(other, progress=said.append, runner=ProcessRunner(2))
    assert _findings(other) == before
    started = [m.removeprefix("stage ") for m in said if ": started" in m]
    # duplicates and graph start with links, in another process (duplicates first), and are
    # done before the stages reading them (changes reads duplicate_clusters).
    at = started.index("links: started")
    assert started[at - 2 : at] == [
        "duplicates: started beside links",
        "graph: started beside links",
    ]
    done = [m.split(":")[0].removeprefix("stage ") for m in said if ": done" in m]
    assert done.index("duplicates") < done.index("changes")
    assert done.index("links") < done.index("pages")
    beside = [m for m in said if ": done beside," in m]
    assert [m.split(":")[0] for m in beside] == ["stage duplicates", "stage graph"]
    # Its journal is the one-process audit's: resumed, nothing runs again.
    said.clear()
    run_audit_stage(other, "links")
    run_audit(other, progress=said.append, runner=ProcessRunner(2))
    assert [m for m in said if ": started" in m] == [
        "stage pages: started",
        "stage changes: started",
        "stage report: started",
    ]
    assert _findings(other) == before


def test_work_beside_runs_each_item_in_a_fresh_process_in_order() -> None:
    # duplicates then graph beside links: the graph must not start from the high-water mark
    # duplicates left in its process.
    side = ProcessRunner(2).side(os.getpid, [(), (), ()])
    pids = side.results()
    assert len(set(pids)) == 3
    assert os.getpid() not in pids
    assert Runner().side(divmod, [(7, 2), (9, 4)]).results() == [(3, 1), (2, 1)]


def test_jobs_and_dask_together_are_refused(demo: Path) -> None:
    result = CliRunner().invoke(main, ["audit", str(demo), "--jobs", "2", "--dask", "local:2"])
    assert result.exit_code == 2
    assert "--jobs or --dask, not both" in result.output


def test_the_links_stage_keeps_each_category_and_evidence_term_once(demo: Path) -> None:
    # A 1M-page audit's links stage holds every page's own category and evidence: read as
    # they come, 4.4M copies of 298 distinct terms took 570 MB.
    from reports.audit.profiles import _read_pages
    from reports.offtopic import OfftopicConfig

    run_audit(demo)
    parts = sorted((demo / WORK_DIR / "profiles").glob("part-*.parquet"))
    pages = _read_pages(parts, OfftopicConfig().buckets)
    evidence = [e for e in pages.evidence if e]
    assert len({id(c) for c in pages.categories if c}) == len({c for c in pages.categories if c})
    assert len(evidence) > 10
    assert len({id(e) for e in evidence}) == len(set(evidence)) < len(evidence)
    terms = [t for e in evidence for t in e]
    assert len({id(t) for t in terms}) == len(set(terms))


def test_the_peak_memory_of_a_spawned_process_is_its_own() -> None:
    # ru_maxrss of a spawned process starts at its parent's size when it forked: work
    # beside a 1 GB links stage would report 1 GB. 400 MB held here must not show there.
    held = bytearray(400 << 20)
    held[:: 1 << 12] = b"\1" * len(held[:: 1 << 12])
    assert peak_rss_mb() > 400
    child = ProcessRunner(2).side(peak_rss_mb, [()]).results()[0]
    assert child < 300


def test_the_links_stage_reads_the_title_verdicts_the_profiles_kept(demo: Path) -> None:
    # At 1M pages the titles outgrow the verdict cache: the links stage reads each title's
    # verdict from the profiles instead of classifying it again, with the same findings as
    # classifying it (profiles parts of an older farmaudit, without the columns).
    from reports.audit.profiles import _read_pages, lexicon_of
    from reports.audit.stage import StageContext
    from reports.offtopic import OfftopicConfig
    from reports.spam import classify

    run_audit(demo)
    work = demo / WORK_DIR
    before = _rows(work / "link_findings")
    parts = sorted((work / "profiles").glob("part-*.parquet"))
    pages = _read_pages(parts, OfftopicConfig().buckets)
    lexicon = lexicon_of(StageContext(demo, work, AuditConfig(), print))
    kept = [(row, pages.title_verdict(row)) for row, t in enumerate(pages.titles) if t]
    assert kept and all(v is not None for _, v in kept)
    flagged = [(row, v) for row, v in kept if v is not None and v.flagged]
    assert 10 < len(flagged) < len(kept)
    for row, verdict in flagged:
        assert verdict == classify(pages.titles[row] or "", lexicon)

    def as_written_before() -> None:  # by a farmaudit without the title verdict's columns
        for part in parts:
            columns = ["title_category", "title_score", "title_evidence"]
            pq.write_table(pq.read_table(part).drop_columns(columns), part)

    as_written_before()
    old = _read_pages(parts, OfftopicConfig().buckets)
    assert old.title_verdict(kept[0][0]) is None
    run_audit_stage(demo, "profiles")  # written again by this farmaudit: the columns are back
    assert "title_evidence" in pq.read_schema(parts[0]).names
    as_written_before()
    run_audit_stage(demo, "links")
    assert _rows(work / "link_findings") == before
