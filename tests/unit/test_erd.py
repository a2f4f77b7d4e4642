"""tests/erd.py: its model of the registry, its PNG text chunk reader, what its pictures show
(drawn afresh from the committed model's columns, and as committed), and the committed pictures
against the registry (the columns part needs a sync: tests/e2e/test_docs.py)."""

from __future__ import annotations

import itertools
import json
import math
import struct
import zlib
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

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
    derived = ("columns", "lookups")  # from a sync's columns
    return [{k: v for k, v in table.items() if k not in derived} for table in model["tables"]]


def test_the_committed_diagram_carries_its_model_and_the_registry_is_unchanged() -> None:
    texts = erd.png_text_chunks(erd.OUTPUT)
    committed = json.loads(texts[erd.MODEL_CHUNK])
    assert erd.model_sha256(committed) == texts[erd.HASH_CHUNK]
    assert _registry_part(committed) == _registry_part(erd.build_model({})), (
        "Toast_ERD.png shows another table registry than connector.py: run `make erd`"
    )
    assert all(table["columns"] for table in committed["tables"])


# The lookup joins an analyst needs first (issue 15): they must be in the model and drawn.
REQUIRED_LOOKUPS = {
    ("orders_check_selection", "item_id", "menu_item"),
    ("orders_check_selection", "item_group_id", "menu_group"),
    ("time_entry", "employee_reference_id", "employee"),
    ("time_entry", "job_reference_id", "job"),
    ("shift", "employee_reference_id", "employee"),
    ("shift", "job_reference_id", "job"),
    ("orders", "server_id", "employee"),
}


def _committed_model() -> dict[str, Any]:
    return json.loads(erd.png_text_chunks(erd.OUTPUT)[erd.MODEL_CHUNK])


def _model_now() -> dict[str, Any]:
    """The model of today's registry and rules with the committed sync's columns."""
    columns = {table["name"]: table["columns"] for table in _committed_model()["tables"]}
    return erd.build_model(columns)


def _drawn(path: Path) -> dict[str, list]:
    return json.loads(erd.png_text_chunks(path)[erd.DRAWN_CHUNK])


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, list]]:
    """What every picture draws now (file name -> its erd-drawn chunk), drawn at scale 1 into
    a temporary folder."""
    directory = tmp_path_factory.mktemp("erd")
    model = _model_now()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(erd, "OUTPUT", directory / "Toast_ERD.png")
        patch.setattr(erd, "PARTS_DIRECTORY", directory / "erd")
        patch.setattr(erd, "SCALE", 1)
        paths = erd.draw(model)
    return {path.name: _drawn(path) for path in paths}


def _links(drawn: dict[str, list], kind: str) -> set[tuple[str, ...]]:
    return {tuple(link[1:]) for link in drawn["links"] if link[0] == kind}


def test_the_lookups_an_analyst_needs_are_derived_from_the_columns() -> None:
    derived = {
        (table["name"], column, target)
        for table in _model_now()["tables"]
        for column, target, _ in table["lookups"]
    }
    assert derived >= REQUIRED_LOOKUPS


def test_every_table_is_in_the_overview_and_in_full_in_exactly_one_part(
    fresh: dict[str, dict[str, list]],
) -> None:
    registry = [table["name"] for table in erd.build_model({})["tables"]]
    assert sorted(fresh[erd.OUTPUT.name]["tables"]) == sorted(registry)
    in_parts = Counter(name for part in erd.PARTS for name in fresh[part.path.name]["tables"])
    assert in_parts == Counter(registry)


def test_every_foreign_key_and_lookup_is_drawn(fresh: dict[str, dict[str, list]]) -> None:
    model = _model_now()
    overview = fresh[erd.OUTPUT.name]
    for table in model["tables"]:
        part = fresh[erd.part_of(table).path.name]
        for column, target, _ in table["foreign_keys"]:
            if target == "restaurant":  # one line per group in the overview
                assert (table["group"], column, target) in _links(overview, "fk")
            else:
                assert (table["name"], column, target) in _links(part, "fk")
        for column, target, _ in table["lookups"]:
            assert (table["name"], column, target) in _links(part, "lookup")
            assert (table["name"], column, target) in _links(overview, "lookup")
    drawn_lookups = set().union(*(_links(drawn, "lookup") for drawn in fresh.values()))
    assert drawn_lookups >= REQUIRED_LOOKUPS


def test_the_committed_pictures_are_those_drawn_now_and_fit_the_readme(
    fresh: dict[str, dict[str, list]],
) -> None:
    committed = [erd.OUTPUT, *sorted(erd.PARTS_DIRECTORY.glob("*.png"))]
    assert sorted(path.name for path in committed) == sorted(fresh)
    digest = erd.model_sha256(_committed_model())
    for path in committed:
        texts = erd.png_text_chunks(path)
        assert texts[erd.HASH_CHUNK] == digest, f"{path.name}: run `make erd`"
        assert _drawn(path) == fresh[path.name], f"{path.name}: run `make erd`"
        with Image.open(path) as image:
            assert image.width <= erd.MAX_WIDTH * erd.SCALE, f"{path.name} is too wide"


def test_a_box_lists_keys_then_lookups_then_the_analyst_columns_then_the_rest() -> None:
    table = {
        "name": "orders_check_selection",
        "group": "orders",
        "primary_key": ["id"],
        "foreign_keys": [["orders_check_id", "orders_check", "id"]],
        "lookups": [["item_id", "menu_item", "id"]],
        "declared": [],
        "columns": [
            [name, "VARCHAR"]
            for name in (
                "id",
                "orders_check_id",
                "item_id",
                "item_entity_type",
                "created_date",
                "fulfillment_status",
                "price",
                "quantity",
                "business_date",
                "_fivetran_synced",
            )
        ],
    }
    rows = [row.name for row in erd.box_rows(table, limit=8)]
    assert rows == [
        "id",
        "orders_check_id",
        "item_id",
        "business_date",
        "quantity",
        "price",
        "created_date",
        "+ 2 more columns",
    ]


def test_the_overview_draws_the_lookups_to_tenders_and_reasons() -> None:
    drawn = {tuple(link) for link in _drawn(erd.OUTPUT)["links"] if link[0] == "lookup"}
    for link in (
        ("payment", "other_payment_id", "alternate_payment_types"),
        ("payment", "void_info_void_reason_id", "void_reason"),
        ("orders_check_selection", "void_reason_id", "void_reason"),
        ("cash_entry", "payout_reason_id", "payout_reason"),
        ("cash_entry", "no_sale_reason_id", "no_sale_reason"),
    ):
        assert ("lookup", *link) in drawn, link


# `_id` columns of orders, labor and cash that look up no per-restaurant table, by pattern: the
# partner's own ids, Toast's ids of other kinds, and references to objects the connector does
# not sync (no table to join). Any other `_id` column must be a drawn lookup.
NOT_LOOKUPS = {
    "*external_id": "the integration partner's id, not a Toast guid",
    "external_employee_id": "the payroll system's employee id",
    "*multi_location_id": "Toast's id across locations, not a row's key",
    "*device_id": "a POS device: no table",
    "restaurant_id": "the restaurant: the solid lines",
    "selection_id": "a selection of the same check (triggers): not per restaurant",
    "shift_reference_id": "a shift: keyed by guid alone, a plain join",
    "split_origin_id": "the selection it was split from: a guid of the same order",
    "*refund_transaction_id": "a refund transaction: no table",
    "applied_discount_reason_discount_reason_id": "discount reasons: no endpoint synced",
    "applied_loyalty_info_id": "loyalty: no table",
    "loyalty_details_reference_id": "the loyalty vendor's id",
    "applied_packaging_info_id": "packaging: no table",
    "card_payment_id": "the card processor's id",
    "curbside_pickup_info_id": "curbside pickup: no table",
    "customer_id": "guest data: no table",
    "delivery_service_info_*": "the delivery service: no table",
    "house_account_id": "house accounts: no endpoint synced",
    "schedule_config_id": "the schedule's configuration: no table",
}


def test_every_id_column_of_orders_labor_and_cash_is_a_lookup_or_explained() -> None:
    """A new `<name>_id` reference a sync writes is drawn as a lookup (LOOKUPS or a table of
    that name) or is listed here with why not: none goes undrawn silently."""
    import fnmatch

    undrawn = sorted(
        (table["name"], column)
        for table in _model_now()["tables"]
        if table["group"] in erd.LOOKUP_SOURCES
        for column, _ in table["columns"]
        if column.endswith("_id")
        and column not in table["primary_key"]
        and column not in {c for c, _, _ in (*table["foreign_keys"], *table["lookups"])}
        and not any(fnmatch.fnmatchcase(column, pattern) for pattern in NOT_LOOKUPS)
    )
    assert undrawn == []


def test_lookup_lines_to_different_targets_have_different_inks() -> None:
    inks = erd.lookup_inks(_model_now())
    assert len(inks) >= 20
    assert len(set(inks.values())) == len(inks), "two lookup targets share an ink"


@pytest.fixture(scope="module")
def routes() -> dict[str, list[erd.Route]]:
    """The lookup lines of every picture (file name -> its routes), drawn at scale 1."""
    model = _model_now()
    inks = erd.lookup_inks(model)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(erd, "SCALE", 1)
        fonts = erd.Fonts.load()
        canvases = {erd.OUTPUT.name: erd.draw_overview(model, fonts, inks)}
        for part in erd.PARTS:
            canvases[part.path.name] = erd.draw_part(model, part, fonts, inks)
    return {name: canvas.routes for name, canvas in canvases.items()}


def _segments(route: erd.Route) -> list[tuple[str, float, float, float]]:
    """A route's straight pieces as (direction, position across, start along, end along)."""
    pieces = []
    for (x0, y0), (x1, y1) in zip(route.points, route.points[1:], strict=False):
        if x0 == x1:
            pieces.append(("|", x0, min(y0, y1), max(y0, y1)))
        else:
            pieces.append(("-", y0, min(x0, x1), max(x0, x1)))
    return pieces


def _crowded(routes: list[erd.Route], spacing: float) -> list[tuple]:
    """Pairs of parallel pieces of two lines that run side by side (their spans overlap) less
    than `spacing` apart, unless they coincide on the way to one target (a shared lane)."""
    pieces = [(route, piece) for route in routes for piece in _segments(route)]
    found = []
    for (route, a), (other, b) in itertools.combinations(pieces, 2):
        if a[0] != b[0] or route is other or min(a[3], b[3]) <= max(a[2], b[2]):
            continue
        distance = abs(a[1] - b[1])
        shared = distance == 0 and route.record[2] == other.record[2]
        if distance < spacing and not shared:
            found.append((route.record, a, other.record, b))
    return found


def test_lookup_lines_that_run_side_by_side_are_a_lane_apart(
    routes: dict[str, list[erd.Route]],
) -> None:
    assert routes[erd.OUTPUT.name], "the overview draws no lookup line"
    for name, drawn in routes.items():
        crowded = _crowded(drawn, erd.LANE)
        assert not crowded, f"{name}: {len(crowded)} pairs closer than {erd.LANE}: {crowded[:3]}"


def _lab(ink: str) -> tuple[float, float, float]:
    """CIE L*a*b* (D65) of an sRGB colour `#rrggbb`."""
    linear = []
    for channel in (int(ink[i : i + 2], 16) / 255 for i in (1, 3, 5)):
        linear.append(
            channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4
        )
    red, green, blue = linear
    xyz = (
        (0.4124 * red + 0.3576 * green + 0.1805 * blue) / 0.95047,
        0.2126 * red + 0.7152 * green + 0.0722 * blue,
        (0.0193 * red + 0.1192 * green + 0.9505 * blue) / 1.08883,
    )
    fx, fy, fz = (t ** (1 / 3) if t > 216 / 24389 else (24389 / 27 * t + 16) / 116 for t in xyz)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def test_cie76_of_known_colours() -> None:
    assert _lab("#ffffff") == pytest.approx((100, 0, 0), abs=0.05)
    assert _lab("#ff0000") == pytest.approx((53.24, 80.09, 67.20), abs=0.05)
    assert math.dist(_lab("#000000"), _lab("#ffffff")) == pytest.approx(100, abs=0.05)


def test_lookup_inks_differ_clearly_from_each_other_and_from_the_solid_lines() -> None:
    inks = (*erd.LOOKUP_INKS, erd.LINE)
    close = [
        (a, b, round(math.dist(_lab(a), _lab(b)), 1))
        for a, b in itertools.combinations(inks, 2)
        if math.dist(_lab(a), _lab(b)) < erd.MIN_INK_DELTA_E
    ]
    assert not close, f"inks closer than CIE76 {erd.MIN_INK_DELTA_E}: {close}"
    assert len(erd.lookup_inks(_model_now())) <= len(erd.LOOKUP_INKS), "an ink is used twice"
