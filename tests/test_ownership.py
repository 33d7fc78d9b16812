"""farmaudit deletes only what it can prove it wrote, whatever the flags.

Every command that writes (crawl, demo, worker, extract, audit) is run against a folder holding
a user's files, a read-only folder and a path with spaces and CJK characters: no foreign file
is touched, and each failure is one line naming the folder, never a traceback.
"""

from __future__ import annotations

import shutil
import subprocess
from typing import TYPE_CHECKING

import pytest

from pipelines.store.dataset import read_manifest, write_manifest
from pipelines.store.ownership import foreign_entries
from pipelines.store.start import REPLACES, StartOptions, settle_replacement, start
from tests.conftest import farmaudit
from tests.test_dataset import manifest

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

CJK_NAME = "my crawls 内容农场 审计"


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def _plant_user_files(folder: Path) -> dict[str, bytes]:
    """A user's notes at the top and inside farmaudit's own folders."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "notes.txt").write_text("my notes on this farm", "utf-8")
    (folder / "scratch").mkdir(exist_ok=True)
    (folder / "scratch" / "todo.md").write_text("- check 京东e卡回收 links", "utf-8")
    return {"notes.txt": b"", "scratch/todo.md": b""}


def _one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, (result.returncode, result.stdout[-2000:], result.stderr[-2000:])
    assert "Traceback" not in result.stdout + result.stderr
    errors = [line for line in (result.stdout + result.stderr).splitlines() if "Error:" in line]
    assert len(errors) == 1, result.stdout + result.stderr
    return errors[0]


@pytest.fixture
def read_only_dir(tmp_path: Path) -> Iterator[Path]:
    """A folder nothing can be written into, root included (chmod, else chattr +i)."""
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    probe = folder / "probe"
    try:
        probe.touch()
    except PermissionError:
        yield folder
        folder.chmod(0o755)
        return
    probe.unlink()
    folder.chmod(0o755)
    if (
        shutil.which("chattr") is None
        or subprocess.run(["chattr", "+i", str(folder)], check=False).returncode
    ):
        pytest.skip("no way to make a folder read-only for this user")
    try:
        yield folder
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=True)


# --- the rule, on the data layer -----------------------------------------------------------


def test_a_dataset_folder_holds_only_what_farmaudit_writes(crawled: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(crawled, copy)
    assert foreign_entries(copy) == []
    (copy / "pages" / "README.txt").write_text("mine", "utf-8")
    (copy / "notes.txt").write_text("mine", "utf-8")
    (copy / "exports").mkdir()
    assert foreign_entries(copy) == ["exports/", "notes.txt", "pages/README.txt"]


def test_overwrite_refuses_a_dataset_with_user_files_and_changes_nothing(tmp_path: Path) -> None:
    root = tmp_path / "out"
    start(StartOptions(root, manifest(), overwrite=False))
    (root / "links").mkdir()
    (root / "links" / "my-export.csv").write_text("a,b", "utf-8")
    before = _snapshot(root)
    other = manifest(
        crawl_id="c2", start_urls=["https://other.example/"], allowed_hosts=["other.example"]
    )
    with pytest.raises(Exception, match=r"did not write \(links/my-export\.csv\)"):
        start(StartOptions(root, other, overwrite=True))
    assert _snapshot(root) == before


def test_an_overwrite_keeps_the_old_dataset_until_the_new_one_fetched_a_page(
    tmp_path: Path,
) -> None:
    root = tmp_path / "out"
    old = manifest()
    start(StartOptions(root, old, overwrite=False))
    other = manifest(
        crawl_id="c2", start_urls=["https://other.example/"], allowed_hosts=["other.example"]
    )
    start(StartOptions(root, other, overwrite=True))
    new = read_manifest(root)
    assert new is not None and new.crawl_id == other.crawl_id
    aside = root.with_name(new.extra[REPLACES])
    assert read_manifest(aside) == old  # moved aside in one rename, not deleted
    # The new crawl fetched nothing: the old dataset comes back.
    assert settle_replacement(root) is False
    assert read_manifest(root) == old
    assert not aside.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_settled_overwrite_deletes_only_the_old_dataset(crawled: Path, tmp_path: Path) -> None:
    root = tmp_path / "out"
    old = manifest()
    start(StartOptions(root, old, overwrite=False))
    (tmp_path / "keep.txt").write_text("beside the dataset", "utf-8")
    shutil.copytree(crawled, tmp_path / "new")
    new = read_manifest(tmp_path / "new")
    assert new is not None
    new.extra[REPLACES] = root.rename(tmp_path / ".out.old-abc123").name
    write_manifest(tmp_path / "new", new)
    (tmp_path / "new").rename(root)
    assert settle_replacement(root) is True
    settled = read_manifest(root)
    assert settled is not None and REPLACES not in settled.extra
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt", "out"]


# --- every command that writes, end to end -------------------------------------------------


@pytest.mark.e2e
def test_crawl_with_overwrite_never_touches_user_files(demo_server: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    _plant_user_files(out)
    before = _snapshot(out)
    for flags in ([], ["--overwrite"]):
        result = farmaudit(
            "crawl", demo_server, "--allow-private", "--max-pages", "3", "--out", str(out), *flags
        )
        line = _one_line_error(result)
        assert f"{out} holds files farmaudit did not write (notes.txt, scratch/)" in line
        assert "--overwrite" not in line  # no flag makes farmaudit delete them
    assert _snapshot(out) == before


@pytest.mark.e2e
def test_demo_refuses_user_files_and_another_crawl(
    demo_server: str, crawled: Path, tmp_path: Path
) -> None:
    notes = tmp_path / "notes"
    _plant_user_files(notes)
    before = _snapshot(notes)
    line = _one_line_error(farmaudit("demo", "--out", str(notes)))
    assert "holds files farmaudit did not write (notes.txt, scratch/)" in line
    assert _snapshot(notes) == before

    real = tmp_path / "real"
    result = farmaudit(
        "crawl", demo_server, "--allow-private", "--max-pages", "2", "--out", str(real)
    )
    assert result.returncode == 0, result.stderr[-2000:]
    before = _snapshot(real)
    line = _one_line_error(farmaudit("demo", "--out", str(real)))
    assert "not a demo crawl; choose another --out folder" in line
    assert _snapshot(real) == before


@pytest.mark.e2e
def test_extract_and_audit_refuse_to_replace_folders_holding_user_files(
    crawled: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(crawled, copy)
    (copy / "pages" / "my-notes.txt").write_text("mine", "utf-8")
    before = _snapshot(copy)
    line = _one_line_error(farmaudit("extract", str(copy)))
    assert f"{copy / 'pages' / 'my-notes.txt'}: not a part file" in line
    assert _snapshot(copy) == before

    (copy / "pages" / "my-notes.txt").unlink()
    (copy / "audit").mkdir(exist_ok=True)
    (copy / "audit" / "ticket-1234.md").write_text("findings for the ticket", "utf-8")
    before = _snapshot(copy)
    line = _one_line_error(farmaudit("audit", str(copy)))
    assert "audit holds files farmaudit did not write (audit/ticket-1234.md)" in line
    assert _snapshot(copy) == before


@pytest.mark.e2e
def test_worker_on_a_folder_of_user_files_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "shared"
    _plant_user_files(out)
    before = _snapshot(out)
    line = _one_line_error(
        farmaudit("worker", "--redis", "redis://127.0.0.1:1/0", "--out", str(out))
    )
    assert str(out) in line
    assert _snapshot(out) == before


@pytest.mark.e2e
def test_every_writing_command_on_a_read_only_folder_is_one_line(
    demo_server: str, crawled: Path, read_only_dir: Path
) -> None:
    target = read_only_dir / "out"
    runs = {
        "crawl": farmaudit("crawl", demo_server, "--allow-private", "--out", str(target)),
        "demo": farmaudit("demo", "--out", str(target)),
        "worker": farmaudit("worker", "--redis", "redis://127.0.0.1:1/0", "--out", str(target)),
    }
    for command, result in runs.items():
        line = _one_line_error(result)
        assert str(target) in line, (command, line)
    assert list(read_only_dir.iterdir()) == []


@pytest.mark.e2e
def test_extract_and_audit_of_a_read_only_dataset_are_one_line(
    crawled: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(crawled, copy)
    before = _snapshot(copy)
    if shutil.which("chattr") is None:
        pytest.skip("chattr is needed to make a folder read-only for root")
    subprocess.run(["chattr", "+i", str(copy)], check=True)
    try:
        for command in ("extract", "audit"):
            line = _one_line_error(farmaudit(command, str(copy)))
            assert str(copy) in line, (command, line)
    finally:
        subprocess.run(["chattr", "-i", str(copy)], check=True)
    assert _snapshot(copy) == before


@pytest.mark.e2e
def test_paths_with_spaces_and_cjk_work_for_every_command(demo_server: str, tmp_path: Path) -> None:
    out = tmp_path / CJK_NAME / "站点 一"
    result = farmaudit(
        "crawl", demo_server, "--allow-private", "--max-pages", "20", "--delay", "0",
        "--out", str(out),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"rows written to {out}" in result.stdout
    for command in ("extract", "audit"):
        result = farmaudit(command, str(out))
        assert result.returncode == 0, (command, result.stderr[-2000:])
    assert (out / "audit" / "report.html").is_file()
    demo = tmp_path / CJK_NAME / "演示 demo"
    result = farmaudit("demo", "--out", str(demo))
    assert result.returncode == 0, result.stderr[-2000:]
    assert (demo / "audit" / "report.html").is_file()
    assert foreign_entries(out) == [] and foreign_entries(demo) == []
