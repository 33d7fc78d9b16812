"""The links stage's URL → page row lookup (`reports.audit.keyindex`)."""

from __future__ import annotations

import pyarrow as pa

from reports.audit.keyindex import KeyIndex, string_hashes


def _thue_morse(n: int, letters: str = "ab") -> str:
    # The Thue-Morse string and its complement collide under any polynomial hash modulo 2^64.
    return "".join(letters[bin(i).count("1") % 2] for i in range(n))


def test_each_url_finds_its_page_row_and_unknown_or_null_ones_none() -> None:
    keys = [f"https://farm.test/{c}/{i}.html" for c in ("ka", "dai", "币") for i in range(500)]
    index = KeyIndex(pa.array(keys))
    asked = [keys[1200], "https://farm.test/ka/500.html", None, keys[0], "", keys[1499] + "?x"]
    assert index.rows(pa.array(asked)).tolist() == [1200, -1, -1, 0, -1, -1]
    # A slice of a larger array (an offset into its buffers) hashes as the strings alone.
    sliced = pa.array(["other", *keys[10:20]]).slice(1)
    assert index.rows(sliced).tolist() == list(range(10, 20))
    assert string_hashes(sliced).tolist() == string_hashes(pa.array(keys[10:20])).tolist()


def test_a_crafted_hash_collision_costs_a_lookup_not_a_wrong_row() -> None:
    text = _thue_morse(2048)
    twin = _thue_morse(2048, "ba")
    assert text != twin
    assert string_hashes(pa.array([text]))[0] == string_hashes(pa.array([twin]))[0]
    index = KeyIndex(pa.array(["https://farm.test/", text, "中文页"]))
    assert index.rows(pa.array([twin, text, "中文页"])).tolist() == [-1, 1, 2]
    both = KeyIndex(pa.array([twin, text]))
    assert both.rows(pa.array([text, twin, "x"])).tolist() == [1, 0, -1]


def test_no_keys_and_no_strings() -> None:
    assert KeyIndex(pa.array([], pa.string())).rows(pa.array(["a"])).tolist() == [-1]
    assert KeyIndex(pa.array(["a"])).rows(pa.array([], pa.string())).tolist() == []


def test_int_map_finds_what_was_put_before_and_after_settling() -> None:
    import numpy as np

    from reports.audit.keyindex import IntMap

    rng = np.random.default_rng(7)
    keys = rng.choice(10**12, size=5000, replace=False)
    mapping = IntMap()
    mapping.MERGE = 300
    expected: dict[int, int] = {}
    for batch in np.array_split(keys, 40):
        mapping.settle()
        asked = np.concatenate([batch, rng.choice(keys, 50)])
        got = mapping.get_many(asked)
        assert got.tolist() == [expected.get(int(k), -1) for k in asked]
        for k in batch.tolist():
            if k not in expected:
                expected[k] = len(expected) % 97
                mapping.put(k, expected[k])
    assert len(mapping) == len(expected) == 5000
    assert len(mapping.keys) >= 4700  # most were sorted in, not left in the dict
    mapping.clear()
    assert mapping.get_many(keys[:3]).tolist() == [-1, -1, -1]
