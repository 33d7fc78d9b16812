"""The crawl's progress line: total and ETA when known, robots apart, counts across resumes."""

from __future__ import annotations

from scraper.extensions import progress_line


def test_progress_line_with_a_limit_a_resume_and_robots_refusals() -> None:
    stats = {
        "farmaudit/pages_extracted": 100,
        "farmaudit/pages_before": 400,
        "farmaudit/pages_limit": 1000,
        "farmaudit/sitemap_pages": 5000,
        "farmaudit/rows_written": 2500,
        "farmaudit/fetch_errors/robots": 5,
        "farmaudit/fetch_errors/http_404": 2,
    }
    assert progress_line(stats, 10.0) == (
        "pages 500 of 1,000 (400 in earlier runs) | rows written 2,500 | errors 2 | "
        "robots refused 5 | 10.0 pages/s | ETA 50s"
    )


def test_progress_line_without_a_total_has_no_eta() -> None:
    stats = {"farmaudit/pages_extracted": 30, "farmaudit/fetch_errors/timeout": 1}
    assert progress_line(stats, 3.0) == (
        "pages 30 | rows written 0 | errors 1 | robots refused 0 | 10.0 pages/s"
    )
