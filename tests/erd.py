"""Toast_ERD.png: the entity-relationship diagram of the tables the connector creates.

`python tests/erd.py` (`make erd`) builds it from two sources (`--markdown` prints the table
list of README.md's Tables created instead, from the registry alone):

- the connector's registry (`connector.ALL_TABLES`): names, primary keys and foreign keys. A
  table's `foreign_keys` are ids its ancestors pass down under their `context_key`
  (`restaurantId` is the restaurant's id); a "link" table's link column holds the id of the
  table that the same source list also feeds (orders_check_payment.payment_id -> payment);
- the columns that a sync of the recorded world really creates: the SDK's runner writes a
  DuckDB warehouse in a temporary directory and information_schema lists its columns, in
  Fivetran naming (snake_case).

The PNG carries that model in two text chunks: `erd-model` (the JSON) and `erd-model-sha256`.
tests/e2e/test_docs.py rebuilds the model from a `fivetran debug` warehouse and fails when the
committed PNG's hash differs; reading the chunks needs only the standard library.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import struct
import sys
import tempfile
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # run as a script: the repository's modules are importable

from fivetran_connector_sdk_core.renaming import redshift_safe  # noqa: E402 - Fivetran naming

import connector  # noqa: E402

OUTPUT = ROOT / "Toast_ERD.png"
MODEL_CHUNK = "erd-model"
HASH_CHUNK = "erd-model-sha256"
FIVETRAN_COLUMNS = ("_fivetran_deleted", "_fivetran_synced")  # on every table: noted once
GROUP_OF_API = {
    "config": "configuration",
    "labor": "labor",
    "cashmgmt": "cash",
    "orders": "orders",
    "menus": "menus",
}

# ---------------------------------------------------------------------------------------------
# The model: tables, groups, keys and columns (no drawing library needed)
# ---------------------------------------------------------------------------------------------


def fivetran_name(name: str) -> str:
    """A source name as the destination spells it (`ordersCheckId` -> `orders_check_id`)."""
    return redshift_safe(name)


def table_groups() -> dict[str, str]:
    """Each table's group: restaurant, or the API family of the endpoint that fills it."""
    groups = {table.name: "restaurant" for table in connector.iter_tables(connector.RESTAURANT)}
    for endpoint in (*connector.ONCE_PER_SYNC, *connector.PER_WINDOW):
        api = endpoint.path.split("/")[1]
        for table in connector.iter_tables(endpoint.table):
            groups.setdefault(table.name, GROUP_OF_API[api])
    return groups


def _parents() -> dict[str, connector.Table]:
    """Each child table's parent in the registry tree."""
    return {
        (child.table or table).name: table
        for table in connector.ALL_TABLES
        for child in table.children
        if child.table is not None
    }


def foreign_keys(table: connector.Table) -> list[tuple[str, str, str]]:
    """(column, referenced table, referenced column) of a table, in destination names."""
    owners = {"restaurantId": connector.RESTAURANT.name} | {
        t.context_key: t.name for t in connector.ALL_TABLES if t.context_key
    }
    keys = [(fivetran_name(column), owners[column], "id") for column in table.foreign_keys]
    if table.key == "link" and table.link_column:
        parent = _parents()[table.name]
        source = next(child.source for child in parent.children if child.table is table)
        linked = next(
            child.table
            for child in parent.children
            if child.source == source and child.table not in (None, table)
        )
        keys.append((fivetran_name(table.link_column), linked.name, "id"))
    return keys


def build_model(columns: Mapping[str, Iterable[tuple[str, str]]]) -> dict[str, Any]:
    """The canonical model: every registry table with its group, keys and real columns."""
    groups = table_groups()
    return {
        "tables": [
            {
                "name": table.name,
                "group": groups[table.name],
                "primary_key": [fivetran_name(column) for column in table.primary_key],
                "foreign_keys": [list(key) for key in foreign_keys(table)],
                "declared": sorted(fivetran_name(column) for column in table.columns),
                "columns": sorted([name, kind] for name, kind in columns.get(table.name, ())),
            }
            for table in connector.ALL_TABLES
        ]
    }


def model_sha256(model: Mapping[str, Any]) -> str:
    """The hash the PNG carries: of the model's canonical JSON."""
    canonical = json.dumps(model, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def warehouse_columns(warehouse: Path) -> dict[str, list[tuple[str, str]]]:
    """Columns (name, DuckDB type) of every table of schema `tester`."""
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as database:
        rows = database.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'tester' ORDER BY table_name, column_name"
        ).fetchall()
    columns: dict[str, list[tuple[str, str]]] = {}
    for table, column, kind in rows:
        columns.setdefault(table, []).append((column, kind))
    return columns


def sync_recorded_world(directory: Path) -> Path:
    """Sync the recorded world through the SDK's runner into `directory`, as tests/conftest.py
    does (offline SDK, the client's waits in virtual time); return the warehouse path."""
    from tests.conftest import Project, make_configuration, virtual_time
    from tests.fake_toast import FakeToast, World

    with (
        FakeToast(World.load()) as server,
        virtual_time(),
        contextlib.redirect_stdout(io.StringIO()),  # the SDK's log lines
    ):
        result = Project(directory / "project").sync(make_configuration(server))
    return result.warehouse.path


def png_text_chunks(path: Path) -> dict[str, str]:
    """The tEXt, zTXt and iTXt chunks of a PNG, read with the standard library."""
    data = path.read_bytes()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path} is not a PNG file")
    texts: dict[str, str] = {}
    position = 8
    while position + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        body = data[position + 8 : position + 8 + length]
        position += 12 + length  # length, type, body, CRC
        key, _, rest = body.partition(b"\0")
        if kind == b"tEXt":
            texts[key.decode("latin-1")] = rest.decode("latin-1")
        elif kind == b"zTXt":
            texts[key.decode("latin-1")] = zlib.decompress(rest[1:]).decode("latin-1")
        elif kind == b"iTXt":
            compressed, text = rest[0], rest[2:].split(b"\0", 2)[2]
            texts[key.decode("latin-1")] = (zlib.decompress(text) if compressed else text).decode(
                "utf-8"
            )
        elif kind == b"IEND":
            break
    return texts


# ---------------------------------------------------------------------------------------------
# Drawing: the only part that needs Pillow
# ---------------------------------------------------------------------------------------------

# Shown in a box right after the keys: the columns the destination contract names.
CONTRACT_COLUMNS = (
    "name",
    "time_zone",
    "closeout_hour",
    "management_group_guid",
    "archived",
    "employee_reference_id",
    "job_reference_id",
    "pricing_feature",
)
MAX_ROWS = 12  # columns shown per box; the rest are counted in a last row
MAX_RESTAURANT_ROWS = 18
TYPE_NAMES = {
    "VARCHAR": "text",
    "BIGINT": "bigint",
    "INTEGER": "int",
    "DOUBLE": "double",
    "FLOAT": "float",
    "BOOLEAN": "bool",
    "JSON": "json",
    "DATE": "date",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
    "TIMESTAMP": "timestamp",
}
COLORS = {
    "restaurant": ("#37474f", "#eceff1"),
    "configuration": ("#00695c", "#e0f2f1"),
    "labor": ("#2e7d32", "#e8f5e9"),
    "cash": ("#a05a00", "#fff3e0"),
    "orders": ("#1f4e99", "#e3ecf9"),
    "menus": ("#6a1b9a", "#f3e5f5"),
}
INK = "#263238"
MUTED = "#607d8b"
LINE = "#455a64"
FK_INK = "#8e24aa"
PK_INK = "#c62828"

ROW_HEIGHT = 22
HEADER_HEIGHT = 30
PAD = 10
KEY_WIDTH = 52
GAP_X = 96  # between depth columns: the lines run here
GAP_Y = 26
GROUP_PAD = 24
GROUP_TITLE_HEIGHT = 56
MARGIN = 40
TOP = MARGIN + 130  # below the heading
GROUP_GAP = 70


@dataclass
class Fonts:
    title: Any
    subtitle: Any
    group: Any
    header: Any
    row: Any
    small: Any

    @classmethod
    def load(cls) -> Fonts:
        from PIL import ImageFont

        def font(size: int, bold: bool = False) -> Any:
            # DejaVu where the system has it (Linux), else the font Pillow ships.
            try:
                return ImageFont.truetype(
                    "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf", size
                )
            except OSError:
                return ImageFont.load_default(size=size)

        return cls(font(30, True), font(16), font(19, True), font(15, True), font(14), font(13))


@dataclass
class Row:
    name: str
    kind: str  # type, or "-> table" for a foreign key
    marker: str  # "PK", "FK", "PK FK" or ""


@dataclass
class Box:
    table: dict[str, Any]
    rows: list[Row]
    x: int = 0
    y: int = 0
    width: int = 0
    height: int = 0

    @property
    def name(self) -> str:
        return self.table["name"]

    @property
    def right(self) -> int:
        return self.x + self.width

    def row_y(self, column: str) -> int:
        """The vertical centre of a column's row (the header's when the column is not shown)."""
        for index, row in enumerate(self.rows):
            if row.name == column:
                return self.y + HEADER_HEIGHT + index * ROW_HEIGHT + ROW_HEIGHT // 2
        return self.y + HEADER_HEIGHT // 2


def box_rows(table: Mapping[str, Any]) -> list[Row]:
    """Keys first, then the contract's and the declared columns, then the others, up to
    MAX_ROWS (more for restaurant, only keys for configuration tables)."""
    kinds = dict(table["columns"])
    targets = {column: target for column, target, _ in table["foreign_keys"]}
    keys = [*table["primary_key"], *(c for c in targets if c not in table["primary_key"])]

    def marker(column: str) -> str:
        return " ".join(
            tag
            for tag, on in (("PK", column in table["primary_key"]), ("FK", column in targets))
            if on
        )

    def kind(column: str) -> str:
        # Lines to restaurant are drawn once per group: the row names its target instead.
        if targets.get(column) == connector.RESTAURANT.name:
            return f"-> {connector.RESTAURANT.name}"
        return short(kinds.get(column))

    rows = [Row(column, kind(column), marker(column)) for column in keys]
    if table["group"] == "configuration":
        return rows
    rest = [c for c in kinds if c not in keys and c not in FIVETRAN_COLUMNS]
    ranked = sorted(rest, key=lambda c: (c not in CONTRACT_COLUMNS, c not in table["declared"], c))
    room = (MAX_RESTAURANT_ROWS if table["group"] == "restaurant" else MAX_ROWS) - len(rows)
    shown = ranked if len(ranked) <= room else ranked[: room - 1]
    rows += [Row(column, short(kinds[column]), "") for column in shown]
    if len(shown) < len(ranked):
        rows.append(Row(f"+ {len(ranked) - len(shown)} more columns", "", ""))
    return rows


def short(kind: str | None) -> str:
    return TYPE_NAMES.get(kind or "", (kind or "").lower())


def measure(box: Box, fonts: Fonts) -> None:
    """Set the box's size from its text."""
    widths = [fonts.header.getlength(box.name) + 2 * PAD]
    for row in box.rows:
        kind_width = fonts.small.getlength(row.kind)
        widths.append(PAD + KEY_WIDTH + fonts.row.getlength(row.name) + 24 + kind_width + PAD)
    box.width = int(max(max(widths), 230))
    box.height = HEADER_HEIGHT + len(box.rows) * ROW_HEIGHT + 6


@dataclass
class Group:
    name: str
    title: str
    note: str
    boxes: list[Box] = field(default_factory=list)
    x: int = 0
    y: int = 0
    width: int = 0
    height: int = 0
    channels: int = 0  # lines that run above the boxes, inside the group

    @property
    def right(self) -> int:
        return self.x + self.width

    @property
    def bottom(self) -> int:
        return self.y + self.height

    @property
    def content_top(self) -> int:
        return self.y + GROUP_TITLE_HEIGHT + self.channels * 14


def tree_children() -> dict[str, list[str]]:
    """Each table's children in the registry tree (the modifier's own nesting left out)."""
    children: dict[str, list[str]] = {}
    for table in connector.ALL_TABLES:
        names = [c.table.name for c in table.children if c.table not in (None, table)]
        children[table.name] = list(dict.fromkeys(names))
    return children


def layout_subtree(
    boxes: Mapping[str, Box], root: str, children: Mapping[str, list[str]], left: int, top: int
) -> tuple[int, int]:
    """Place a table and its descendants: a column per depth, each child's subtree stacked
    below the previous one. Returns the right and bottom edges used."""
    depth: dict[str, int] = {}

    def visit(name: str, level: int) -> None:
        depth[name] = level
        for child in children.get(name, []):
            if child in boxes:
                visit(child, level + 1)

    visit(root, 0)
    levels = range(max(depth.values()) + 1)
    widths = [max(boxes[name].width for name in depth if depth[name] == level) for level in levels]
    lefts = [left + sum(widths[:level]) + GAP_X * level for level in levels]

    def place(name: str, top: int) -> int:
        box = boxes[name]
        box.x, box.y = lefts[depth[name]], top
        bottom, child_top = top + box.height, top
        for child in children.get(name, []):
            if child in boxes:
                child_bottom = place(child, child_top)
                bottom = max(bottom, child_bottom)
                child_top = child_bottom + GAP_Y
        return bottom

    return lefts[-1] + widths[-1], place(root, top)


def layout_forest(
    group: Group, roots: Sequence[str], children: Mapping[str, list[str]], side_by_side: bool
) -> None:
    """The group's trees stacked top to bottom, or side by side; the group's size follows."""
    boxes = {box.name: box for box in group.boxes}
    left, top = group.x + GROUP_PAD, group.content_top
    right, bottom = left, top
    for root in roots:
        tree_right, tree_bottom = layout_subtree(boxes, root, children, left, top)
        right, bottom = max(right, tree_right), max(bottom, tree_bottom)
        if side_by_side:
            left = tree_right + GAP_X
        else:
            top = tree_bottom + GAP_Y
    group.width = right + GROUP_PAD - group.x
    group.height = bottom + GROUP_PAD - group.y


def layout_grid(group: Group, columns: int) -> None:
    """Boxes of equal size in a grid (the configuration tables)."""
    width = max(box.width for box in group.boxes)
    height = max(box.height for box in group.boxes)
    for index, box in enumerate(group.boxes):
        box.width, box.height = width, height
        box.x = group.x + GROUP_PAD + (index % columns) * (width + 18)
        box.y = group.content_top + (index // columns) * (height + 16)
    rows = -(-len(group.boxes) // columns)
    group.width = GROUP_PAD * 2 + columns * width + (columns - 1) * 18
    group.height = GROUP_TITLE_HEIGHT + rows * (height + 16) - 16 + GROUP_PAD


class Canvas:
    """Drawing helpers over a Pillow image."""

    def __init__(self, width: int, height: int, fonts: Fonts) -> None:
        from PIL import Image, ImageDraw

        self.image = Image.new("RGB", (width, height), "white")
        self.draw = ImageDraw.Draw(self.image)
        self.fonts = fonts

    def text(
        self, xy: tuple[float, float], text: str, font: Any, fill: str, anchor: str = "lm"
    ) -> None:
        self.draw.text(xy, text, font=font, fill=fill, anchor=anchor)

    def group(self, group: Group) -> None:
        dark, light = COLORS[group.name]
        self.draw.rounded_rectangle(
            (group.x, group.y, group.right, group.bottom),
            radius=14,
            fill=light,
            outline=dark,
            width=2,
        )
        self.text((group.x + GROUP_PAD, group.y + 20), group.title, self.fonts.group, dark)
        self.text((group.x + GROUP_PAD, group.y + 42), group.note, self.fonts.small, MUTED)

    def box(self, box: Box) -> None:
        dark, _ = COLORS[box.table["group"]]
        x, y, right, bottom = box.x, box.y, box.right, box.y + box.height
        self.draw.rectangle((x, y, right, bottom), fill="white", outline=dark, width=2)
        self.draw.rectangle((x, y, right, y + HEADER_HEIGHT), fill=dark)
        self.text((x + PAD, y + HEADER_HEIGHT / 2), box.name, self.fonts.header, "white")
        for index, row in enumerate(box.rows):
            top = y + HEADER_HEIGHT + index * ROW_HEIGHT
            middle = top + ROW_HEIGHT / 2 + 1
            if index % 2:
                self.draw.rectangle((x + 2, top, right - 2, top + ROW_HEIGHT), fill="#f5f7f8")
            marker_ink = PK_INK if row.marker.startswith("PK") else FK_INK
            self.text((x + PAD, middle), row.marker, self.fonts.small, marker_ink)
            name_ink = MUTED if row.name.startswith("+ ") else INK
            self.text((x + PAD + KEY_WIDTH, middle), row.name, self.fonts.row, name_ink)
            kind_ink = FK_INK if row.kind.startswith("->") else MUTED
            self.text((right - PAD, middle), row.kind, self.fonts.small, kind_ink, anchor="rm")

    def path(self, points: Sequence[tuple[int, int]]) -> None:
        """A foreign key line from the referencing row (a dot) to the referenced key (an arrow)."""
        self.draw.line(points, fill=LINE, width=2, joint="curve")
        x, y = points[0]
        self.draw.ellipse((x - 4, y - 4, x + 4, y + 4), fill=LINE)
        (x0, y0), (x1, y1) = points[-2], points[-1]
        across = 1 if x1 > x0 else -1 if x1 < x0 else 0
        down = 1 if y1 > y0 else -1
        if across:
            tip = [(x1, y1), (x1 - 10 * across, y1 - 6), (x1 - 10 * across, y1 + 6)]
        else:
            tip = [(x1, y1), (x1 - 6, y1 - 10 * down), (x1 + 6, y1 - 10 * down)]
        self.draw.polygon(tip, fill=LINE)


def draw(model: Mapping[str, Any], output: Path) -> None:
    """Lay out and draw the model; write the PNG with the model in its text chunks.

    Left column: restaurant, configuration, cash. Right: orders. Below both: labor, its
    trees side by side. Lines to restaurant run in the gap between the columns.
    """
    from PIL.PngImagePlugin import PngInfo

    fonts = Fonts.load()
    boxes = {table["name"]: Box(table, box_rows(table)) for table in model["tables"]}
    for box in boxes.values():
        measure(box, fonts)
    children = tree_children()
    groups = {
        name: make_group(name, boxes, children)
        for name in ("configuration", "orders", "labor", "cash", "menus")
    }
    config, orders, labor, cash, menus = (
        groups[n] for n in ("configuration", "orders", "labor", "cash", "menus")
    )

    restaurant = boxes[connector.RESTAURANT.name]
    restaurant.x, restaurant.y = MARGIN, TOP
    config.x, config.y = MARGIN, restaurant.y + restaurant.height + GROUP_GAP
    layout_grid(config, 2)
    cash.x, cash.y = MARGIN, config.bottom + GROUP_GAP
    layout_forest(cash, roots(cash, children), children, side_by_side=False)
    orders.x, orders.y = max(restaurant.right, config.right, cash.right) + GAP_X, TOP
    layout_forest(orders, [connector.ORDERS.name], children, side_by_side=False)
    labor.x, labor.y = MARGIN, max(orders.bottom, cash.bottom) + GROUP_GAP
    layout_forest(labor, roots(labor, children), children, side_by_side=True)
    menus.x, menus.y = MARGIN, labor.bottom + GROUP_GAP
    layout_forest(menus, roots(menus, children), children, side_by_side=True)

    canvas = Canvas(
        max(orders.right, labor.right, menus.right) + MARGIN,
        max(menus.bottom, orders.bottom) + MARGIN,
        fonts,
    )
    title(canvas, len(boxes))
    for group in groups.values():
        canvas.group(group)
    bus_x = orders.x - GAP_X // 2
    restaurant_lines(canvas, restaurant, bus_x, groups.values())
    for group in groups.values():
        group_lines(canvas, group, {box.name: box for box in group.boxes}, children)
    for box in boxes.values():
        canvas.box(box)

    info = PngInfo()
    info.add_text(HASH_CHUNK, model_sha256(model))
    info.add_text(MODEL_CHUNK, json.dumps(model, sort_keys=True, separators=(",", ":")), zip=True)
    info.add_text("Software", "tests/erd.py")
    canvas.image.save(output, pnginfo=info, optimize=True)


GROUP_TITLES = {
    "configuration": "CONFIGURATION  (/config/v2, {count} tables)",
    "orders": "ORDERS  (/orders/v2/ordersBulk)",
    "labor": "LABOR  (/labor/v1)",
    "cash": "CASH  (/cashmgmt/v1)",
    "menus": "PUBLISHED MENU  (/menus/v2/menus)",
}


def make_group(name: str, boxes: Mapping[str, Box], children: Mapping[str, list[str]]) -> Group:
    """A group frame with its boxes; its note names the tables that reference restaurant, and
    it keeps room above its boxes for the lines that do not go to a parent or to itself."""
    members = [box for box in boxes.values() if box.table["group"] == name]
    if name == "configuration":
        note = (
            "each: PK (id, restaurant_id), restaurant_id -> restaurant; plus the object's fields"
        )
    else:
        referencing = [
            box.name
            for box in members
            if any(
                target == connector.RESTAURANT.name for _, target, _ in box.table["foreign_keys"]
            )
        ]
        note = f"restaurant_id -> restaurant: {', '.join(referencing)}"
    parent_of = {child: parent for parent, names in children.items() for child in names}
    channels = sum(
        1
        for box in members
        for _, target, _ in box.table["foreign_keys"]
        if boxes.get(target) in members and target not in (box.name, parent_of.get(box.name))
    )
    title = GROUP_TITLES[name].format(count=len(members))
    return Group(name, title, note, members, channels=channels)


def roots(group: Group, children: Mapping[str, list[str]]) -> list[str]:
    """The group's tables that are nobody's child, in registry order."""
    nested = {name for names in children.values() for name in names}
    return [box.name for box in group.boxes if box.name not in nested]


def title(canvas: Canvas, count: int) -> None:
    """The heading and the legend."""
    fonts = canvas.fonts
    heading = f"Toast connector: the {count} tables it creates (schema tester in `fivetran debug`)"
    canvas.text((MARGIN, MARGIN + 12), heading, fonts.title, INK)
    lines = (
        "Columns as a sync of the recorded world creates them: Fivetran names, DuckDB types. "
        "Long tables show their keys, then the columns the contract names, the declared "
        "types, and others.",
        "PK primary key, FK foreign key. A line runs from a foreign key column (dot) to the id "
        "it references (arrow); restaurant_id lines are drawn once per group.",
        "Every table also has _fivetran_deleted (soft deletes) and _fivetran_synced. Built by "
        "tests/erd.py (make erd) from connector.py's registry and a synced warehouse.",
    )
    for index, line in enumerate(lines):
        canvas.text((MARGIN, MARGIN + 52 + index * 22), line, fonts.subtitle, MUTED)


def restaurant_lines(canvas: Canvas, restaurant: Box, bus_x: int, groups: Iterable[Group]) -> None:
    """One restaurant_id line per group: from the group's frame to restaurant.id, through the
    gap between the left column and orders (groups below it are entered from the top)."""
    id_y = restaurant.row_y("id")
    to_restaurant = [(bus_x, id_y), (restaurant.right, id_y)]
    for group in groups:
        if group.y < restaurant.y + restaurant.height or group.x > bus_x:
            canvas.path([(group.x, group.y + 20), (bus_x, group.y + 20), *to_restaurant])
        elif group.right < bus_x:
            canvas.path([(group.right, group.y + 20), (bus_x, group.y + 20), *to_restaurant])
        else:
            canvas.path([(bus_x, group.y), *to_restaurant])


def group_lines(
    canvas: Canvas, group: Group, boxes: Mapping[str, Box], children: Mapping[str, list[str]]
) -> None:
    """Foreign keys between tables of one group, each kind in its own lane of the gaps between
    depth columns: to the tree parent (the middle of the gap right of the parent); to a table
    in the same column (near the column, in the gap on its left); to a table further left
    (up the left of the gap, over the boxes, down into the target's top, or into its right side
    when it is not in the top row); to the table itself (a loop on its right)."""
    parent_of = {child: parent for parent, names in children.items() for child in names}
    channel = 0
    for box in boxes.values():
        for column, target_name, _ in box.table["foreign_keys"]:
            target = boxes.get(target_name)
            if target is None:
                continue  # restaurant: drawn once per group
            start = (box.x, box.row_y(column))
            end_y = target.row_y("id")
            if target is box:
                loop_x = box.right + 18
                loop = [
                    (box.right, start[1]),
                    (loop_x, start[1]),
                    (loop_x, end_y),
                    (box.right, end_y),
                ]
                canvas.path(loop)
            elif parent_of.get(box.name) == target_name:
                bus_x = target.right + GAP_X // 2
                canvas.path([start, (bus_x, start[1]), (bus_x, end_y), (target.right, end_y)])
            elif target.x == box.x:
                lane_x = box.x - GAP_X // 5
                canvas.path([start, (lane_x, start[1]), (lane_x, end_y), (target.x, end_y)])
            else:
                channel += 1
                lane_x = box.x - (GAP_X * 4) // 5
                over_y = group.y + GROUP_TITLE_HEIGHT + channel * 12 - 4
                up_and_over = [start, (lane_x, start[1]), (lane_x, over_y)]
                if target.y <= group.content_top:
                    drop_x = target.right - 40
                    canvas.path([*up_and_over, (drop_x, over_y), (drop_x, target.y)])
                else:
                    back_x = target.right + (GAP_X * 2) // 3
                    down = [(back_x, over_y), (back_x, end_y), (target.right, end_y)]
                    canvas.path([*up_and_over, *down])


def markdown_rows(model: Mapping[str, Any]) -> list[str]:
    """README's table list, first three columns: table, primary key, foreign keys."""
    rows = []
    for table in model["tables"]:
        key = ", ".join(f"`{column}`" for column in table["primary_key"])
        links = ", ".join(f"`{column}` -> {target}" for column, target, _ in table["foreign_keys"])
        rows.append(f"| `{table['name']}` | {key} | {links} |")
    return rows


def main() -> None:
    if sys.argv[1:] == ["--markdown"]:
        print("\n".join(markdown_rows(build_model({}))))
        return
    with tempfile.TemporaryDirectory(prefix="toast-erd-") as directory:
        warehouse = sync_recorded_world(Path(directory))
        model = build_model(warehouse_columns(warehouse))
    draw(model, OUTPUT)
    digest = png_text_chunks(OUTPUT)[HASH_CHUNK]
    print(f"Wrote {OUTPUT.name}: {len(model['tables'])} tables, model sha256 {digest}")


if __name__ == "__main__":
    main()
