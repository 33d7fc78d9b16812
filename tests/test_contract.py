"""The Arrow schemas are the one contract: records mirror them, the README is generated."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pyarrow as pa
import pytest

from pipelines.store import records
from pipelines.store.contract import render_contract
from pipelines.store.schema import CRAWL_TABLES

ROOT = Path(__file__).resolve().parent.parent
RECORD_OF_TABLE = {
    "raw": records.RawPage,
    "pages": records.PageRecord,
    "steps": records.StepRecord,
    "links": records.LinkRecord,
    "fetches": records.FetchRecord,
}


@pytest.mark.parametrize("table", sorted(CRAWL_TABLES))
def test_record_fields_mirror_schema(table: str) -> None:
    names = [f.name for f in dataclasses.fields(RECORD_OF_TABLE[table])]
    assert names == CRAWL_TABLES[table].names


@pytest.mark.parametrize("table", sorted(CRAWL_TABLES))
def test_every_field_is_described_and_timestamps_are_utc_micros(table: str) -> None:
    schema = CRAWL_TABLES[table]
    assert schema.metadata[b"name"] == table.encode()
    assert schema.metadata[b"version"]
    for field in schema:
        assert field.metadata and field.metadata[b"description"].strip(), field.name
        if pa.types.is_timestamp(field.type):
            assert field.type == pa.timestamp("us", tz="UTC"), field.name


def test_datasets_readme_is_generated_from_the_schemas() -> None:
    readme = (ROOT / "datasets" / "README.md").read_text("utf-8")
    assert readme == render_contract(), (
        "datasets/README.md is stale: run `farmaudit schema --write datasets/README.md`"
    )
