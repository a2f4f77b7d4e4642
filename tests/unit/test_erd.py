"""tests/erd.py's model of the registry, its PNG text chunk reader, and the committed
Toast_ERD.png against the registry (the columns part needs a sync: tests/e2e/test_docs.py)."""

from __future__ import annotations

import json
import struct
import zlib
from collections import Counter
from pathlib import Path

import pytest

from tests import erd
from tests.replay import oracle


def _chunk(kind: bytes, body: bytes) -> bytes:
    checksum = zlib.crc32(kind + body) & 0xFFFFFFFF
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", checksum)


def test_given_a_png_with_text_chunks_when_read_then_each_kind_is_decoded(tmp_path: Path) -> None:
    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)  # 1x1 grey
    png = b"".join(
        (
            b"\x89PNG\r\n\x1a\n",
            _chunk(b"IHDR", header),
            _chunk(b"tEXt", b"plain\0latin-1 text"),
            _chunk(b"zTXt", b"packed\0\0" + zlib.compress(b"compressed text")),
            _chunk(b"iTXt", b"wide\0\0\0en\0\0" + "unicode \u2713".encode()),
            _chunk(b"iTXt", b"wide packed\0\1\0\0\0" + zlib.compress("z \u2713".encode())),
            _chunk(b"IDAT", zlib.compress(b"\0\0")),
            _chunk(b"IEND", b""),
        )
    )
    path = tmp_path / "tiny.png"
    path.write_bytes(png)
    assert erd.png_text_chunks(path) == {
        "plain": "latin-1 text",
        "packed": "compressed text",
        "wide": "unicode \u2713",
        "wide packed": "z \u2713",
    }


def test_given_a_file_that_is_not_a_png_then_reading_it_fails(tmp_path: Path) -> None:
    path = tmp_path / "not.png"
    path.write_text("hello")
    with pytest.raises(ValueError, match="not a PNG"):
        erd.png_text_chunks(path)


def test_the_registry_foreign_keys_include_every_foreign_key_of_the_contract() -> None:
    derived = {
        (table["name"], *key)
        for table in erd.build_model({})["tables"]
        for key in table["foreign_keys"]
    }
    assert set(oracle.FOREIGN_KEYS) <= derived
    extra = derived - set(oracle.FOREIGN_KEYS)
    assert all(key[1:] == ("restaurant_id", "restaurant", "id") for key in extra), extra


def test_every_table_is_in_one_group_of_the_diagram() -> None:
    groups = Counter(table["group"] for table in erd.build_model({})["tables"])
    assert groups == {
        "restaurant": 1,
        "configuration": 24,
        "labor": 7,
        "cash": 2,
        "orders": 14,
        "menus": 9,
    }


def _registry_part(model: dict) -> list[dict]:
    return [{k: v for k, v in table.items() if k != "columns"} for table in model["tables"]]


def test_the_committed_diagram_carries_its_model_and_the_registry_is_unchanged() -> None:
    texts = erd.png_text_chunks(erd.OUTPUT)
    committed = json.loads(texts[erd.MODEL_CHUNK])
    assert erd.model_sha256(committed) == texts[erd.HASH_CHUNK]
    assert _registry_part(committed) == _registry_part(erd.build_model({})), (
        "Toast_ERD.png shows another table registry than connector.py: run `make erd`"
    )
    assert all(table["columns"] for table in committed["tables"])
