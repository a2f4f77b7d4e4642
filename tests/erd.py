"""The entity-relationship diagrams of the tables the connector creates.

`python tests/erd.py` (`make erd`) draws Toast_ERD.png, an overview of every table by name, and
one picture per part under tests/erd/ (PARTS: orders, selections, labor, cash, configuration),
each table with its keys and the columns analysts use first. `--markdown` prints the table list
of README.md's Tables created instead, from the registry alone. It also writes the column
dictionary, analytics/COLUMNS.md, from the same model (tests/columns.py). Everything comes from:

- the connector's registry (`connector.ALL_TABLES`): names, primary keys and foreign keys. A
  table's `foreign_keys` are ids its ancestors pass down under their `context_key`
  (`restaurantId` is the restaurant's id); a "link" table's link column holds the id of the
  table that the same source list also feeds (orders_check_payment.payment_id -> payment);
- the columns that a sync of the recorded world really creates: the SDK's runner writes a
  DuckDB warehouse in a temporary directory and information_schema lists its columns, in
  Fivetran naming (snake_case);
- three short lists here: LOOKUPS (which columns join to a configuration, job or employee row
  of the same restaurant), ANALYST_COLUMNS (which columns a box shows first) and PARTS (which
  tables each picture shows). A table or column added to the registry lands in the pictures by
  these rules, with no change here.

Every picture carries the model's hash in a text chunk (`erd-model-sha256`) and what it drew
(`erd-drawn`: its tables and its lines); Toast_ERD.png also carries the model (`erd-model`).
tests/e2e/test_docs.py rebuilds the model from a `fivetran debug` warehouse and fails when a
committed picture's hash differs; tests/unit/test_erd.py checks that the pictures show every
table and draw every link. Reading the chunks needs only the standard library.
"""

from __future__ import annotations

import contextlib
import fnmatch
import hashlib
import io
import itertools
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
PARTS_DIRECTORY = ROOT / "tests" / "erd"
MODEL_CHUNK = "erd-model"
HASH_CHUNK = "erd-model-sha256"
DRAWN_CHUNK = "erd-drawn"
FIVETRAN_COLUMNS = ("_fivetran_deleted", "_fivetran_synced")  # on every table: noted once
GROUP_OF_API = {
    "config": "configuration",
    "labor": "labor",
    "cashmgmt": "cash",
    "orders": "orders",
    "menus": "menus",
}

# ---------------------------------------------------------------------------------------------
# What the pictures show: data, so that new tables and columns need no code
# ---------------------------------------------------------------------------------------------

# Lookup joins: a column of this name (in any table but its target) holds the id of a row of
# the target table at the same restaurant. Configuration tables, jobs and employees are keyed
# per restaurant, so the join is (column, restaurant_id) = (target.id, target.restaurant_id).
# A column `<table>_id` naming such a table looks it up without being listed (tax_rate_id,
# service_charge_id, break_type_id, ...); LOOKUPS names the others: Toast's reference names that
# differ from the table's.
LOOKUPS = {
    "item_id": "menu_item",
    "item_group_id": "menu_group",
    "sales_category_id": "sale_category",
    "discount_id": "discounts",
    "dining_option_id": "dining_option",
    "revenue_center_id": "revenue_center",
    "server_id": "employee",
    "employee_id": "employee",
    "employee_reference_id": "employee",
    "job_reference_id": "job",
    "cash_drawer_id": "cash_drawer",
    "other_payment_id": "alternate_payment_types",  # a payment of type OTHER
    "void_reason_id": "void_reason",
    "void_info_void_reason_id": "void_reason",
    "payout_reason_id": "payout_reason",
    "no_sale_reason_id": "no_sale_reason",
    "table_id": "tables",
    "option_group_id": "menu_option_group",
    # the employee in a role (Toast's RestaurantUser references)
    "opened_by_id": "employee",
    "approver_id": "employee",
    "void_info_void_user_id": "employee",
    "void_info_void_approver_id": "employee",
    "delivery_info_delivery_employee_id": "employee",
    "employee_1_id": "employee",
    "employee_2_id": "employee",
    "creator_id": "employee",
    "creator_or_shift_review_subject_id": "employee",
    "approver_or_shift_review_subject_id": "employee",
}

# The columns a box shows first, after its keys and lookups, most used first (fnmatch patterns
# of destination names); then the other columns alphabetically, and NOISE_COLUMNS last.
ANALYST_COLUMNS = (
    "restaurant_id",  # with `id`, the key of every lookup join
    "business_date",
    "quantity",
    "*price",
    "tax",
    "amount",
    "tip_amount",
    "*amount",
    "*_hours",
    "*wage",
    "*tips*",
    "*_sales",
    "voided",
    "deleted",
    "display_number",
    "number_of_guests",
    "type",
    "undoes",
    "name",
    "display_name",
    "title",
    "*first_name",
    "*last_name",
    "location_name",
    "time_zone",
    "closeout_hour",
    "date",
    "opened_date",
    "paid_date",
    "closed_date",
    "in_date",
    "out_date",
    "*_business_date",
    "*_date",
)
NOISE_COLUMNS = ("*entity_type", "*multi_location_id", "*_device_id")
LABEL_COLUMNS = ("name", "title", "first_name", "last_name")  # a lookup target's few rows
# The groups whose rows look up: what happened (orders, labor, cash) refers to what is set up.
LOOKUP_SOURCES = ("orders", "labor", "cash")


@dataclass(frozen=True)
class Part:
    """One picture under tests/erd/: the tables of `groups`, or of the registry subtrees rooted
    at `subtrees` (which take their tables out of their group's picture)."""

    name: str
    title: str
    groups: tuple[str, ...] = ()
    subtrees: tuple[str, ...] = ()

    @property
    def path(self) -> Path:
        return PARTS_DIRECTORY / f"{self.name}.png"


PARTS = (
    Part("orders", "Orders, checks, payments, check discounts, service charges", ("orders",)),
    Part(
        "selections",
        "Item selections, their modifiers, taxes and discounts",
        subtrees=("orders_check_selection",),
    ),
    Part("labor", "Labor: jobs, employees, time entries, breaks, shifts", ("labor",)),
    Part("cash", "Cash management: cash entries and deposits", ("cash",)),
    Part("configuration", "The restaurant and its configuration", ("restaurant", "configuration")),
    Part(
        "menus", "The published menu (menus API v2): groups, items, modifiers, prices", ("menus",)
    ),
)

# ---------------------------------------------------------------------------------------------
# The model: tables, groups, keys, lookups and columns (no drawing library needed)
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


def per_restaurant_tables() -> set[str]:
    """Tables keyed (id, restaurant_id): configuration, jobs, employees, the published menu."""
    return {
        t.name
        for t in connector.ALL_TABLES
        if [fivetran_name(c) for c in t.primary_key] == ["id", "restaurant_id"]
    }


def lookup_target(column: str, targets: set[str]) -> str | None:
    """The per-restaurant table a column looks up: LOOKUPS', else the table `<name>` of a
    column `<name>_id`, else None."""
    target = LOOKUPS.get(column) or (column[: -len("_id")] if column.endswith("_id") else None)
    return target if target in targets else None


def lookups(table: connector.Table, columns: Iterable[str]) -> list[list[str]]:
    """[column, target table, "id"] of the table's columns that look up a per-restaurant table
    (lookup_target), keys excepted, for a table of LOOKUP_SOURCES."""
    if table_groups()[table.name] not in LOOKUP_SOURCES:
        return []
    keys = {fivetran_name(c) for c in (*table.primary_key, *table.foreign_keys)}
    targets = per_restaurant_tables() - {table.name}
    found = ((column, lookup_target(column, targets)) for column in sorted(columns))
    return [[column, target, "id"] for column, target in found if target and column not in keys]


def build_model(columns: Mapping[str, Iterable[tuple[str, str]]]) -> dict[str, Any]:
    """The canonical model: every registry table with its group, keys, lookups and columns."""
    groups = table_groups()
    model_tables = []
    for table in connector.ALL_TABLES:
        real = sorted([name, kind] for name, kind in columns.get(table.name, ()))
        model_tables.append(
            {
                "name": table.name,
                "group": groups[table.name],
                "primary_key": [fivetran_name(column) for column in table.primary_key],
                "foreign_keys": [list(key) for key in foreign_keys(table)],
                "lookups": lookups(table, (name for name, _ in real)),
                "declared": sorted(fivetran_name(column) for column in table.columns),
                "columns": real,
            }
        )
    return {"tables": model_tables}


def model_sha256(model: Mapping[str, Any]) -> str:
    """The hash the pictures carry: of the model's canonical JSON."""
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


def tree_children() -> dict[str, list[str]]:
    """Each table's children in the registry tree (the modifier's own nesting left out)."""
    children: dict[str, list[str]] = {}
    for table in connector.ALL_TABLES:
        names = [c.table.name for c in table.children if c.table not in (None, table)]
        children[table.name] = list(dict.fromkeys(names))
    return children


def part_of(table: Mapping[str, Any]) -> Part:
    """The picture that shows a table with its columns: the part of the nearest ancestor (or
    itself) named in a part's `subtrees`, else the part of its group."""
    parents = _parents()
    name: str | None = table["name"]
    while name is not None:
        for part in PARTS:
            if name in part.subtrees:
                return part
        name = parents[name].name if name in parents else None
    for part in PARTS:
        if table["group"] in part.groups:
            return part
    raise ValueError(f"{table['name']}: no picture shows group {table['group']}: extend PARTS")


def rank(column: str) -> tuple[int, str]:
    """A column's place in a box: ANALYST_COLUMNS in order, then the others, then the noise."""
    if any(fnmatch.fnmatchcase(column, pattern) for pattern in NOISE_COLUMNS):
        return len(ANALYST_COLUMNS) + 1, column
    for index, pattern in enumerate(ANALYST_COLUMNS):
        if fnmatch.fnmatchcase(column, pattern):
            return index, column
    return len(ANALYST_COLUMNS), column


# ---------------------------------------------------------------------------------------------
# Boxes and their rows
# ---------------------------------------------------------------------------------------------

MAX_ROWS = 16  # rows of a box; the remaining columns are counted in a last row
MAX_RESTAURANT_ROWS = 16
MAX_CONFIGURATION_ROWS = 7
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


@dataclass
class Row:
    name: str
    kind: str  # type, or "-> table" for a lookup or restaurant_id
    marker: str = ""  # "PK", "FK", "PK FK" or ""
    lookup: bool = False


@dataclass
class Box:
    table: Mapping[str, Any]
    rows: list[Row]
    ghost: bool = False  # shown in full in another picture: keys and a label only
    x: int = 0
    y: int = 0
    width: int = 0
    height: int = 0

    @property
    def name(self) -> str:
        return self.table["name"]

    @property
    def group(self) -> str:
        return self.table["group"]

    @property
    def right(self) -> int:
        return self.x + self.width

    @property
    def bottom(self) -> int:
        return self.y + self.height

    def row_y(self, column: str) -> int:
        """The vertical centre of a column's row (the header's when the column is not shown)."""
        for index, row in enumerate(self.rows):
            if row.name == column:
                return self.y + HEADER_HEIGHT + index * ROW_HEIGHT + ROW_HEIGHT // 2
        return self.y + HEADER_HEIGHT // 2

    def shows(self, column: str) -> bool:
        return any(row.name == column for row in self.rows)


def short(kind: str | None) -> str:
    return TYPE_NAMES.get(kind or "", (kind or "").lower())


def box_rows(table: Mapping[str, Any], limit: int) -> list[Row]:
    """Keys, then lookups, then the columns ranked by ANALYST_COLUMNS, up to `limit` rows."""
    kinds = dict(table["columns"])
    targets = {column: target for column, target, _ in table["foreign_keys"]}
    looked_up = {column: target for column, target, _ in table["lookups"]}
    keys = [*table["primary_key"], *(c for c in targets if c not in table["primary_key"])]

    def key_row(column: str) -> Row:
        marker = " ".join(
            tag
            for tag, on in (("PK", column in table["primary_key"]), ("FK", column in targets))
            if on
        )
        if targets.get(column) == connector.RESTAURANT.name:  # lines to it: Toast_ERD.png
            return Row(column, f"-> {connector.RESTAURANT.name}", marker)
        return Row(column, short(kinds.get(column)), marker)

    rows = [key_row(column) for column in keys]
    rows += [Row(column, f"-> {target}", lookup=True) for column, target in looked_up.items()]
    rest = sorted(
        (c for c in kinds if c not in keys and c not in looked_up and c not in FIVETRAN_COLUMNS),
        key=rank,
    )
    room = limit - len(rows)
    shown = rest if len(rest) <= room else rest[: max(room - 1, 0)]
    rows += [Row(column, short(kinds[column])) for column in shown]
    if len(shown) < len(rest):
        rows.append(Row(f"+ {len(rest) - len(shown)} more columns", ""))
    return rows


def ghost_rows(table: Mapping[str, Any]) -> list[Row]:
    """A table shown in full elsewhere: its primary key and its label columns."""
    kinds = dict(table["columns"])
    rows = [Row(c, short(kinds.get(c)), "PK") for c in table["primary_key"]]
    rows += [Row(c, short(kinds[c])) for c in LABEL_COLUMNS if c in kinds]
    rows.append(Row(f"in tests/erd/{part_of(table).path.name}", ""))
    return rows


# ---------------------------------------------------------------------------------------------
# Drawing: the only part that needs Pillow
# ---------------------------------------------------------------------------------------------

SCALE = 2  # pixels per layout unit: sharp on high-density screens, and at README width
MAX_WIDTH = 1000  # layout units: GitHub shows a README picture at most about this wide
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
LINE = "#37474f"  # foreign keys of the registry: solid
LOOKUP_INK = "#d84315"  # lookup joins: dashed
# One ink per lookup target, in the order of the targets' names, so that where lines cross, each
# line's colour says which lane (and target) it belongs to; the same target has the same ink in
# every picture. Every two inks (and each ink and LINE) differ by at least MIN_INK_DELTA_E in
# CIE76 (the distance in CIE L*a*b*; about 2.3 is a just noticeable difference, and 20 to 25
# tells colours apart at a glance even as thin dashes): any two lines that run side by side
# differ clearly, whichever lanes they get. L* 30 to 65 (dark enough on white and on the
# frames' pale fills) and some chroma (no greys beside LINE); tests/unit/test_erd.py checks.
MIN_INK_DELTA_E = 25
LOOKUP_INKS = (
    "#d84315",
    "#1565c0",
    "#2e7d32",
    "#8e24aa",
    "#c2185b",
    "#00838f",
    "#827717",
    "#c378b4",
    "#b4695a",
    "#f04bb4",
    "#c37800",
    "#782d4b",
    "#69a50f",
    "#9678f0",
    "#693c87",
    "#2d96d2",
    "#783c00",
    "#00a587",
    "#960f1e",
    "#1e3cb4",
    "#ff5a69",
    "#960069",
)
PK_INK = "#c62828"
FK_INK = "#6a1b9a"

ROW_HEIGHT = 19
HEADER_HEIGHT = 25
PAD = 8
KEY_WIDTH = 38
INDENT = 30  # a child's box sits this far right of its parent's
GAP_Y = 16
# Between two lookup lines that run side by side (lanes, and lines leaving one box). A README
# shows the overview at most MAX_WIDTH CSS pixels wide, on GitHub's page nearer 850: some 0.9
# pixel per unit. Lines 10 units apart (2 wide) leave 7 clear pixels between them, twice the
# gaps between the dashes of one line (4 units), so the eye keeps to a line; at 4 units apart
# they left under 2 pixels and ran together into bands. tests/unit/test_erd.py checks.
LANE = 10
MARGIN = 24
GROUP_PAD = 14


@dataclass
class Fonts:
    title: Any
    text: Any
    group: Any
    header: Any
    row: Any
    small: Any

    @classmethod
    def load(cls) -> Fonts:
        from PIL import ImageFont

        def font(size: int, *names: str) -> Any:
            # DejaVu where the system has it (Linux), else the font Pillow ships.
            for name in names:
                with contextlib.suppress(OSError):
                    return ImageFont.truetype(name, size * SCALE)
            return ImageFont.load_default(size=size * SCALE)

        bold = ("DejaVuSansCondensed-Bold.ttf", "DejaVuSans-Bold.ttf")
        regular = ("DejaVuSans.ttf",)
        return cls(
            font(20, *bold),
            font(12, *regular),
            font(14, *bold),
            font(13, *bold),
            font(12, *regular),
            font(11, *regular),
        )

    def length(self, font: Any, text: str) -> int:
        """Text width in layout units."""
        return int(font.getlength(text) / SCALE) + 1


def measure(box: Box, fonts: Fonts) -> None:
    """Set the box's size from its text."""
    widths = [fonts.length(fonts.header, box.name) + 2 * PAD]
    for row in box.rows:
        name = fonts.length(fonts.row, row.name)
        widths.append(PAD + KEY_WIDTH + name + 16 + fonts.length(fonts.small, row.kind) + PAD)
    box.width = max(*widths, 180)
    box.height = HEADER_HEIGHT + len(box.rows) * ROW_HEIGHT + (4 if box.rows else 0)


@dataclass(frozen=True)
class Route:
    """A dashed lookup line as drawn: (table, column, target), its corners in layout units and
    its ink."""

    record: tuple[str, ...]
    points: tuple[tuple[float, float], ...]
    ink: str


class Canvas:
    """Pillow drawing in layout units (times SCALE), recording the links it draws."""

    def __init__(self, width: int, height: int, fonts: Fonts) -> None:
        from PIL import Image, ImageDraw

        self.width, self.height = width, height
        self.image = Image.new("RGB", (width * SCALE, height * SCALE), "white")
        self.draw = ImageDraw.Draw(self.image)
        self.fonts = fonts
        self.drawn: dict[str, list[Any]] = {"tables": [], "ghosts": [], "links": []}
        self.inks: dict[str, str] = {}  # lookup target -> its ink (lookup_inks)
        self.routes: list[Route] = []  # the lookup lines drawn, for tests/unit/test_erd.py

    @staticmethod
    def _xy(points: Iterable[tuple[float, float]]) -> list[tuple[float, float]]:
        return [(x * SCALE, y * SCALE) for x, y in points]

    def text(
        self, xy: tuple[float, float], text: str, font: Any, fill: str, anchor: str = "lm"
    ) -> None:
        self.draw.text(self._xy([xy])[0], text, font=font, fill=fill, anchor=anchor)

    def rectangle(self, box: tuple[float, float, float, float], **kwargs: Any) -> None:
        x0, y0, x1, y1 = box
        if "width" in kwargs:
            kwargs["width"] *= SCALE
        self.draw.rectangle((*self._xy([(x0, y0)])[0], *self._xy([(x1, y1)])[0]), **kwargs)

    def frame(self, frame: Frame) -> None:
        """A group's rounded frame with its title and note."""
        dark, light = COLORS[frame.group]
        corners = (*self._xy([(frame.x, frame.y)])[0], *self._xy([(frame.right, frame.bottom)])[0])
        self.draw.rounded_rectangle(corners, radius=10 * SCALE, fill=light, outline=dark, width=2)
        self.text((frame.x + GROUP_PAD, frame.y + 17), frame.title, self.fonts.group, dark)
        for index, line in enumerate(frame.notes):
            self.text(
                (frame.x + GROUP_PAD, frame.y + 35 + 14 * index), line, self.fonts.small, MUTED
            )

    def box(self, box: Box) -> None:
        dark, light = COLORS[box.group]
        x, y, right, bottom = box.x, box.y, box.right, box.bottom
        self.drawn["ghosts" if box.ghost else "tables"].append(box.name)
        if box.ghost:
            self.rectangle((x, y, right, bottom), fill="white")
            self.dashed([(x, y), (right, y), (right, bottom), (x, bottom), (x, y)], dark, 1)
            self.rectangle((x, y, right, y + HEADER_HEIGHT), fill=light, outline=dark, width=1)
            self.text((x + PAD, y + HEADER_HEIGHT / 2), box.name, self.fonts.header, dark)
        else:
            self.rectangle((x, y, right, bottom), fill="white", outline=dark, width=2)
            self.rectangle((x, y, right, y + HEADER_HEIGHT if box.rows else bottom), fill=dark)
            self.text((x + PAD, y + HEADER_HEIGHT / 2), box.name, self.fonts.header, "white")
        for index, row in enumerate(box.rows):
            top = y + HEADER_HEIGHT + index * ROW_HEIGHT
            middle = top + ROW_HEIGHT / 2 + 1
            if index % 2:
                self.rectangle((x + 2, top, right - 2, top + ROW_HEIGHT), fill="#f4f6f7")
            marker_ink = PK_INK if row.marker.startswith("PK") else FK_INK
            self.text((x + PAD, middle), row.marker, self.fonts.small, marker_ink)
            plain = row.kind or row.marker
            name_ink = INK if plain else MUTED
            self.text((x + PAD + KEY_WIDTH, middle), row.name, self.fonts.row, name_ink)
            kind_ink = FK_INK if row.kind.startswith("->") else MUTED
            if row.lookup:
                kind_ink = self.inks.get(row.kind.removeprefix("-> "), LOOKUP_INK)
            kind = row.kind.replace("->", "\u2192")
            self.text((right - PAD, middle), kind, self.fonts.small, kind_ink, anchor="rm")

    def dashed(self, points: Sequence[tuple[float, float]], ink: str, width: int = 2) -> None:
        """A polyline of horizontal and vertical segments in dashes of 6 units with gaps of 4,
        in step with the grid of the picture: lines that share a lane share their dashes."""
        for (x0, y0), (x1, y1) in itertools.pairwise(points):
            vertical = x0 == x1
            low, high = sorted((y0, y1) if vertical else (x0, x1))
            start = low - low % 10
            while start < high:
                a, b = max(start, low), min(start + 6, high)
                if a < b:
                    segment = [(x0, a), (x0, b)] if vertical else [(a, y0), (b, y0)]
                    self.draw.line(self._xy(segment), fill=ink, width=width * SCALE)
                start += 10

    def link(
        self, points: Sequence[tuple[float, float]], kind: str, record: Sequence[str] = ()
    ) -> None:
        """A line from a referencing row (a dot) to the row it references (an arrow): solid for
        a foreign key of the registry, dashed for a lookup join. `record` (table, column,
        target) is noted in the picture's `erd-drawn` chunk."""
        ink = LINE
        if kind == "lookup":
            ink = self.inks.get(record[2], LOOKUP_INK) if record else LOOKUP_INK
            self.dashed(points, ink)
            if record:
                self.routes.append(Route(tuple(record), tuple(points), ink))
        else:
            self.draw.line(self._xy(points), fill=ink, width=2 * SCALE, joint="curve")
        x, y = points[0]
        self.draw.ellipse(self._xy([(x - 3.5, y - 3.5), (x + 3.5, y + 3.5)]), fill=ink)
        (x0, y0), (x1, y1) = points[-2], points[-1]
        across = 1 if x1 > x0 else -1 if x1 < x0 else 0
        down = 1 if y1 > y0 else -1
        if across:
            tip = [(x1, y1), (x1 - 9 * across, y1 - 5), (x1 - 9 * across, y1 + 5)]
        else:
            tip = [(x1, y1), (x1 - 5, y1 - 9 * down), (x1 + 5, y1 - 9 * down)]
        self.draw.polygon(self._xy(tip), fill=ink)
        if record:
            self.drawn["links"].append([kind, *record])

    def save(self, path: Path, model: Mapping[str, Any], with_model: bool) -> None:
        from PIL.PngImagePlugin import PngInfo

        info = PngInfo()
        info.add_text(HASH_CHUNK, model_sha256(model))
        drawn = {key: sorted(values) for key, values in self.drawn.items()}
        info.add_text(DRAWN_CHUNK, json.dumps(drawn, sort_keys=True), zip=True)
        if with_model:
            canonical = json.dumps(model, sort_keys=True, separators=(",", ":"))
            info.add_text(MODEL_CHUNK, canonical, zip=True)
        info.add_text("Software", "tests/erd.py")
        path.parent.mkdir(parents=True, exist_ok=True)
        image = self.image.quantize(colors=128, dither=0)  # a few inks: a quarter of the bytes
        image.save(path, pnginfo=info, optimize=True)


# ---------------------------------------------------------------------------------------------
# Layout: a tree of boxes, indented like an outline, with lanes for the lines
# ---------------------------------------------------------------------------------------------


def outline(
    names: Sequence[str], children: Mapping[str, list[str]], extra_roots: Mapping[str, str]
) -> list[tuple[str, int]]:
    """(table, depth) in outline order: each table of `names` after its parent, its registry
    children after it. A table whose parent is not in `names` hangs under `extra_roots[table]`
    (a ghost of its parent) when it has one."""
    members = set(names)
    order: list[tuple[str, int]] = []

    def visit(name: str, depth: int) -> None:
        order.append((name, depth))
        for child in children.get(name, []):
            if child in members:
                visit(child, depth + 1)

    nested = {child for name in names for child in children.get(name, []) if child in members}
    for name in names:
        if name in nested:
            continue
        parent = extra_roots.get(name)
        if parent is not None:
            if (parent, 0) not in order:
                order.append((parent, 0))
            visit(name, 1)
        else:
            visit(name, 0)
    return order


def place_outline(
    order: Sequence[tuple[str, int]], boxes: Mapping[str, Box], x: int, y: int
) -> int:
    """Stack the boxes top to bottom, each indented by its depth; return the bottom."""
    for name, depth in order:
        box = boxes[name]
        box.x, box.y = x + depth * INDENT, y
        y = box.bottom + GAP_Y
    return y - GAP_Y


def tree_lines(
    canvas: Canvas, boxes: Mapping[str, Box], children: Mapping[str, list[str]]
) -> None:
    """Parent to children: a trunk down from the parent's bottom, a branch into each child's
    foreign key row (from its left); the arrow points at the parent."""
    for parent in boxes.values():
        kids = [boxes[name] for name in children.get(parent.name, []) if name in boxes]
        for child in kids:
            column = next(
                (c for c, target, _ in child.table["foreign_keys"] if target == parent.name), None
            )
            trunk = parent.x + INDENT // 2
            start = (child.x, child.row_y(column) if column else child.y + HEADER_HEIGHT // 2)
            record = (child.name, column, parent.name) if column else ()
            canvas.link([start, (trunk, start[1]), (trunk, parent.bottom)], "fk", record)


def self_lines(canvas: Canvas, boxes: Iterable[Box]) -> None:
    """A table's foreign key to itself (modifiers of modifiers): a loop on its right."""
    for box in boxes:
        for column, target, _ in box.table["foreign_keys"]:
            if target == box.name and box.shows(column):
                loop = box.right + 10
                points = [(box.right, box.row_y(column)), (loop, box.row_y(column))]
                points += [(loop, box.row_y("id")), (box.right, box.row_y("id"))]
                canvas.link(points, "fk", (box.name, column, target))


def other_keys(boxes: Mapping[str, Box], children: Mapping[str, list[str]]) -> list[tuple]:
    """Foreign keys between boxes of one picture that are not parent to child, not to the
    table itself and not to restaurant: (box, column, target box)."""
    found = []
    for box in boxes.values():
        for column, target, _ in box.table["foreign_keys"]:
            inside = target in boxes and target != box.name
            if inside and box.name not in children[target] and box.shows(column):
                found.append((box, column, boxes[target]))
    return found


def left_lines(canvas: Canvas, keys: Sequence[tuple], lane_right: int) -> None:
    """other_keys, each in its own lane left of the boxes: out of the row's left side, up or
    down the lane, into the referenced id from the left."""
    for index, (box, column, target) in enumerate(keys):
        lane = lane_right - index * LANE
        start = (box.x, box.row_y(column))
        end = (target.x, target.row_y("id"))
        canvas.link(
            [start, (lane, start[1]), (lane, end[1]), end], "fk", (box.name, column, target.name)
        )


def lookup_links(boxes: Mapping[str, Box]) -> list[tuple[Box, str, str]]:
    """(box, column, target) of every lookup a box shows."""
    return [
        (box, column, target)
        for box in boxes.values()
        if not box.ghost
        for column, target, _ in box.table["lookups"]
        if box.shows(column)
    ]


def line_starts(
    links: Sequence[tuple[Box, str, str]], targets: Mapping[str, Box]
) -> list[tuple[int, float]]:
    """Where each lookup leaves its box: its row's right end. A box that shows no rows (the
    overview) sends one line per target, from points LANE apart down its right side (see
    port_height), the line to the highest target first: its lookups to one target share a line."""
    hidden = {box.name: [] for box, column, _ in links if not box.shows(column)}
    for box, _, target in links:
        if box.name in hidden and target not in hidden[box.name]:
            hidden[box.name].append(target)
    for names in hidden.values():
        names.sort(key=lambda target: (targets[target].row_y("id"), target))
    starts = []
    for box, column, target in links:
        if box.name in hidden:
            ports = hidden[box.name]
            offset = (ports.index(target) - (len(ports) - 1) / 2) * LANE
            starts.append((box.right, box.y + box.height / 2 + offset))
        else:
            starts.append((box.right, box.row_y(column)))
    return starts


def port_height(box: Box) -> int:
    """The height of a box of the overview: room for its lines to leave LANE apart."""
    return max(box.height, LANE * len({target for _, target, _ in box.table["lookups"]}))


def lane_order(spans: Mapping[str, tuple[Sequence[float], float]]) -> list[str]:
    """Lookup targets in the order of their lanes, left to right, for lines that run right from
    their starts to their target's lane and then right into the target's row (`spans`: target
    -> (the heights its lines start at, the height of its row)). A line passes over the lanes
    left of its own, and a row over those right of its lane; so target A goes left of target B
    when a line to A starts within LANE of B's row (else they run side by side: a must), and
    when A's lane spans B's row (else they cross: a wish). Among the targets free to go next:
    the fewest wishes left out, then the lowest row."""

    def beside(a: str, b: str) -> bool:
        return any(abs(y - spans[b][1]) < LANE for y in spans[a][0])

    def crossed(a: str, b: str) -> bool:
        heights = [*spans[a][0], spans[a][1]]
        return min(heights) <= spans[b][1] <= max(heights)

    order: list[str] = []
    left = set(spans)
    while left:
        free = [t for t in left if not any(beside(o, t) for o in left - {t})] or list(left)
        best = min(free, key=lambda t: (sum(crossed(o, t) for o in left - {t}), -spans[t][1], t))
        order.append(best)
        left.remove(best)
    return order


def lanes_from(
    x: int, links: Sequence[tuple[Box, str, str]], targets: Mapping[str, Box]
) -> dict[str, int]:
    """Each target's lane, LANE apart from `x` rightwards, in lane_order."""
    spans: dict[str, tuple[list[float], float]] = {}
    for (_, _, target), (_, y) in zip(links, line_starts(links, targets), strict=True):
        spans.setdefault(target, ([], targets[target].row_y("id")))[0].append(y)
    return {target: x + index * LANE for index, target in enumerate(lane_order(spans))}


def lookup_lines(
    canvas: Canvas,
    links: Sequence[tuple[Box, str, str]],
    targets: Mapping[str, Box],
    lanes: Mapping[str, int],
) -> None:
    """Each lookup: out of its row's right side to its target's lane, along it, into the
    target's id row: from the left when the target lies right of the lane, else from the right.
    Where they leave: line_starts."""
    for (box, column, target_name), start in zip(links, line_starts(links, targets), strict=True):
        target, lane = targets[target_name], lanes[target_name]
        end_y = target.row_y("id")
        end = (target.x, end_y) if target.x > lane else (target.right, end_y)
        canvas.link(
            [start, (lane, start[1]), (lane, end_y), end],
            "lookup",
            (box.name, column, target_name),
        )


# ---------------------------------------------------------------------------------------------
# The pictures
# ---------------------------------------------------------------------------------------------

LEGEND = (
    "PK primary key, FK foreign key. Each table lists its keys, its lookups, then the columns "
    "analysts use most (amounts, quantities, dates); the rest are counted.",
    "Every table also has _fivetran_deleted (soft deletes) and _fivetran_synced. A dashed box "
    "is a table shown in full in another picture.",
)
SAMPLES = (
    ("fk", "foreign key, to the parent's id"),
    ("lookup", "lookup join, per restaurant: (column, restaurant_id) = (id, restaurant_id)"),
)
MIN_WIDTH = 640


def wrap(fonts: Fonts, text: str, width: int, font: Any = None) -> list[str]:
    """Words of `text` in lines at most `width` units wide (in `font`, else the text font)."""
    lines, line = [], ""
    for word in text.split(" "):
        candidate = f"{line} {word}".strip()
        if line and fonts.length(font or fonts.text, candidate) > width:
            lines.append(line)
            line = word
        else:
            line = candidate
    return [*lines, line]


@dataclass
class Heading:
    """A picture's title, its legend wrapped to the picture's width, and the line samples."""

    title: str
    lines: list[str]
    stacked: bool  # the two line samples one below the other
    height: int

    @classmethod
    def plan(cls, fonts: Fonts, title: str, texts: Sequence[str], width: int) -> Heading:
        inner = width - 2 * MARGIN
        lines = [line for text in texts for line in wrap(fonts, text, inner)]
        samples = sum(54 + fonts.length(fonts.text, text) + 30 for _, text in SAMPLES)
        stacked = samples > inner
        height = MARGIN + 36 + 18 * len(lines) + (2 if stacked else 1) * 22 + 16
        return cls(title, lines, stacked, height)

    def width(self, fonts: Fonts) -> int:
        return fonts.length(fonts.title, self.title) + 2 * MARGIN

    def draw(self, canvas: Canvas) -> None:
        fonts = canvas.fonts
        canvas.text((MARGIN, MARGIN + 10), self.title, fonts.title, INK)
        y = MARGIN + 36
        for line in self.lines:
            canvas.text((MARGIN, y), line, fonts.text, MUTED)
            y += 18
        x, y = MARGIN, y + 8
        for kind, text in SAMPLES:
            canvas.link([(x, y), (x + 40, y)], kind)
            canvas.text((x + 50, y), text, fonts.text, LOOKUP_INK if kind == "lookup" else INK)
            if self.stacked:
                y += 22
            else:
                x += 50 + fonts.length(fonts.text, text) + 30


def finish(
    fonts: Fonts,
    title: str,
    texts: Sequence[str],
    content: tuple[int, int],
    movable: Iterable[Any],
) -> tuple[Canvas, Heading]:
    """The canvas for content laid out from y = 0 (`content`: its right and bottom edges): the
    heading goes on top, and every box or frame in `movable` moves down below it."""
    width = max(content[0] + MARGIN, MIN_WIDTH, fonts.length(fonts.title, title) + 2 * MARGIN)
    heading = Heading.plan(fonts, title, texts, width)
    for item in movable:
        item.y += heading.height
        if isinstance(item, Frame):
            item.bottom += heading.height
    return Canvas(width, content[1] + heading.height + MARGIN, fonts), heading


def full_box(table: Mapping[str, Any]) -> Box:
    limit = {"restaurant": MAX_RESTAURANT_ROWS, "configuration": MAX_CONFIGURATION_ROWS}
    return Box(table, box_rows(table, limit.get(table["group"], MAX_ROWS)))


def draw_part(
    model: Mapping[str, Any], part: Part, fonts: Fonts, inks: Mapping[str, str]
) -> Canvas:
    """One part: its tables in full, as an outline (or a grid when no line joins them), with
    dashed ghosts of the tables they hang under (on top) or look up (on the right)."""
    by_name = {table["name"]: table for table in model["tables"]}
    children, parents = tree_children(), _parents()
    members = [table["name"] for table in model["tables"] if part_of(table) == part]
    boxes = {name: full_box(by_name[name]) for name in members}
    extra_roots = {
        name: parents[name].name
        for name in members
        if name in parents and parents[name].name not in boxes
    }
    for parent in extra_roots.values():
        boxes[parent] = Box(by_name[parent], ghost_rows(by_name[parent]), ghost=True)
    for box in boxes.values():
        measure(box, fonts)
    links = lookup_links(boxes)
    nested = any(child in boxes for name in members for child in children[name])
    if not nested and not links:
        content = grid(list(boxes.values()))
        canvas, heading = finish(fonts, part.title, LEGEND, content, boxes.values())
        canvas.inks = dict(inks)
        heading.draw(canvas)
        for box in boxes.values():
            canvas.box(box)
        return canvas

    keys = other_keys(boxes, children)
    main_left = MARGIN + len(keys) * LANE + (10 if keys else 0)
    bottom = place_outline(outline(members, children, extra_roots), boxes, main_left, 0)
    main_right = max(box.right for box in boxes.values()) + 10  # self loops
    targets = list(dict.fromkeys(target for _, _, target in links))
    side_x = main_right + 8 + len(targets) * LANE + 14
    ghosts = {
        name: Box(by_name[name], ghost_rows(by_name[name]), ghost=True)
        for name in targets
        if name not in boxes
    }
    first_use = {
        name: min(box.row_y(column) for box, column, target in links if target == name)
        for name in ghosts
    }
    y = 0
    for name in sorted(ghosts, key=first_use.__getitem__):  # level with its first row, if free
        ghost = ghosts[name]
        measure(ghost, fonts)
        ghost.x, ghost.y = side_x, max(first_use[name] - HEADER_HEIGHT - ROW_HEIGHT // 2, y)
        y = ghost.bottom + GAP_Y
    everything = {**boxes, **ghosts}
    lanes = lanes_from(main_right + 8, links, everything)
    content = (
        max(box.right for box in everything.values()),
        max(bottom, *(box.bottom for box in everything.values())),
    )
    canvas, heading = finish(fonts, part.title, LEGEND, content, everything.values())
    canvas.inks = dict(inks)
    heading.draw(canvas)
    tree_lines(canvas, boxes, children)
    self_lines(canvas, boxes.values())
    left_lines(canvas, keys, main_left - 10)
    lookup_lines(canvas, links, everything, lanes)
    for box in everything.values():
        canvas.box(box)
    return canvas


def grid(boxes: Sequence[Box]) -> tuple[int, int]:
    """Boxes of one width in as many columns as fit MAX_WIDTH, each box into the shortest
    column, from y = 0; returns the right and bottom edges."""
    width = max(box.width for box in boxes)
    gap = 16
    columns = max(1, (MAX_WIDTH - 2 * MARGIN + gap) // (width + gap))
    bottoms = [0] * columns
    for box in boxes:
        column = bottoms.index(min(bottoms))
        box.width = width
        box.x, box.y = MARGIN + column * (width + gap), bottoms[column]
        bottoms[column] = box.bottom + gap
    return MARGIN + columns * width + (columns - 1) * gap, max(bottoms) - gap


GROUP_TITLES = {
    "orders": "ORDERS  /orders/v2/ordersBulk",
    "cash": "CASH  /cashmgmt/v1",
    "labor": "LABOR  /labor/v1",
    "configuration": "CONFIGURATION  /config/v2",
    "menus": "PUBLISHED MENU  /menus/v2",
}
OVERVIEW_LEFT = ("orders", "cash", "menus")  # the groups on the left; the others under restaurant
OVERVIEW_INDENT = 14


@dataclass
class Frame:
    """A group's frame in the overview."""

    group: str
    title: str
    texts: tuple[str, ...]  # notes under the title, wrapped to the frame's width
    boxes: list[Box] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    x: int = 0
    y: int = 0
    right: int = 0
    bottom: int = 0


def draw_overview(model: Mapping[str, Any], fonts: Fonts, inks: Mapping[str, str]) -> Canvas:
    """Every table by name, in group frames: orders and cash on the left; restaurant, labor and
    configuration on the right. Lines: parent to child in each group, lookups (across the gap,
    or on the right within the right column), and each group's restaurant_id to restaurant."""
    children = tree_children()
    boxes = {table["name"]: Box(table, []) for table in model["tables"]}
    for box in boxes.values():
        measure(box, fonts)
        box.height = port_height(box)
    frames = {}
    for group, title in GROUP_TITLES.items():
        shown_in = {part_of(table) for table in model["tables"] if table["group"] == group}
        pictures = ", ".join(part.path.name for part in PARTS if part in shown_in)
        members = [table for table in model["tables"] if table["group"] == group]
        carry = [
            table["name"]
            for table in members
            if any(target == connector.RESTAURANT.name for _, target, _ in table["foreign_keys"])
        ]
        carriers = "every table" if len(carry) == len(members) else ", ".join(carry)
        texts = (f"in full: tests/erd/{pictures}", f"restaurant_id on {carriers}")
        frames[group] = Frame(group, title, texts)
        frames[group].boxes = [box for box in boxes.values() if box.group == group]

    def header(frame: Frame, content_width: int) -> int:
        """Wrap the frame's notes to its width; return the height of its title and notes."""
        width = max(content_width, fonts.length(fonts.group, frame.title))
        frame.notes = [
            line for text in frame.texts for line in wrap(fonts, text, width, fonts.small)
        ]
        return 36 + 14 * len(frame.notes)

    def title_right(frame: Frame) -> int:
        notes = max(fonts.length(fonts.small, line) for line in frame.notes)
        return frame.x + 2 * GROUP_PAD + max(fonts.length(fonts.group, frame.title), notes)

    def outline_frame(frame: Frame, x: int, y: int) -> None:
        frame.x, frame.y = x, y
        order = outline([box.name for box in frame.boxes], children, {})
        y += header(frame, max(depth * OVERVIEW_INDENT + boxes[n].width for n, depth in order))
        for name, depth in order:
            box = boxes[name]
            box.x, box.y = x + GROUP_PAD + depth * OVERVIEW_INDENT, y
            y = box.bottom + 10
        frame.right = max(max(box.right for box in frame.boxes) + GROUP_PAD, title_right(frame))
        frame.bottom = max(box.bottom for box in frame.boxes) + GROUP_PAD

    y = 0
    for group in OVERVIEW_LEFT:
        outline_frame(frames[group], MARGIN, y)
        y = frames[group].bottom + 20
    left_edge = max(frames[group].right for group in OVERVIEW_LEFT)
    links = [
        (boxes[table["name"]], column, target)
        for table in model["tables"]
        for column, target, _ in table["lookups"]
    ]
    left_boxes = {box.name for group in OVERVIEW_LEFT for box in frames[group].boxes}
    across = [link for link in links if link[0].name in left_boxes]
    within = [link for link in links if link[0].name not in left_boxes]
    across_targets = list(dict.fromkeys(target for _, _, target in across))
    within_targets = list(dict.fromkeys(target for _, _, target in within))
    bus_x = left_edge + 12  # restaurant_id of every group
    right_x = bus_x + (len(across_targets) + 1) * LANE

    restaurant = boxes[connector.RESTAURANT.name]
    restaurant.x, restaurant.y = right_x, 0
    y = restaurant.bottom + 20
    right_groups = [group for group in GROUP_TITLES if group not in OVERVIEW_LEFT]
    for group in right_groups:
        frame = frames[group]
        if any(child in boxes for box in frame.boxes for child in children[box.name]):
            outline_frame(frame, right_x, y)
        else:  # two columns if they fit, filled top to bottom: the first holds every target
            # of a line from the left, the second those of lines from the right (no line passes
            # behind a box); else one column in that order
            frame.x, frame.y = right_x, y
            from_right = {target for _, _, target in within} - set(across_targets)
            ordered = sorted(
                frame.boxes,
                key=lambda box: (
                    0 if box.name in across_targets else 2 if box.name in from_right else 1
                ),
            )
            reached = sum(box.name in across_targets for box in ordered)
            per_column = max(-(-len(ordered) // 2), reached)
            columns = [ordered[:per_column], ordered[per_column:]]
            widths = [max((box.width for box in column), default=0) for column in columns]
            lanes_width = 12 + len(within_targets) * LANE + MARGIN
            if right_x + 2 * GROUP_PAD + sum(widths) + 12 + lanes_width > MAX_WIDTH:
                per_column = len(ordered)
                widths = [max(box.width for box in ordered), -12]  # and no gap after it
            top = y + header(frame, sum(widths) + 12)
            for index, box in enumerate(ordered):
                box.width = widths[index // per_column]
                box.x = right_x + GROUP_PAD + (index // per_column) * (widths[0] + 12)
                box.y = top + (index % per_column) * (HEADER_HEIGHT + 10)
            frame.right = max(right_x + 2 * GROUP_PAD + sum(widths) + 12, title_right(frame))
            frame.bottom = max(box.bottom for box in ordered) + GROUP_PAD
        y = frame.bottom + 20
    ends = {box.name for box, _, _ in within} | set(within_targets)
    lanes_x = 12 + max(
        (frame.right for frame in frames.values() if ends & {box.name for box in frame.boxes}),
        default=0,
    )
    # lines from the right column end leftwards, into their target's right side: highest first
    within_targets.sort(key=lambda target: boxes[target].row_y("id"))
    right_lanes = {n: lanes_x + i * LANE for i, n in enumerate(within_targets)}
    gap_lanes = lanes_from(bus_x + LANE, across, boxes)
    content = (
        max(lanes_x + len(within_targets) * LANE, *(f.right for f in frames.values())),
        max(frame.bottom for frame in frames.values()),
    )
    texts = (
        "Every table with its lines; the pictures under tests/erd/ show each group's tables "
        "with their keys and main columns.",
        "restaurant_id -> restaurant: one line per group, whose frame says which tables carry it. "
        "Every table also has _fivetran_deleted and _fivetran_synced.",
        "Configuration tables, jobs and employees are keyed (id, restaurant_id): Toast reuses a "
        "guid across the locations of a group, so join them per restaurant.",
    )
    title = f"Toast connector: the {len(boxes)} tables it creates (schema tester)"
    canvas, heading = finish(fonts, title, texts, content, [*boxes.values(), *frames.values()])
    canvas.inks = dict(inks)
    heading.draw(canvas)
    for frame in frames.values():
        canvas.frame(frame)
    middle = restaurant.y + HEADER_HEIGHT // 2
    for frame in frames.values():
        joint = (frame.right if frame.x < bus_x else frame.x, frame.y + 18)
        points = [joint, (bus_x, joint[1]), (bus_x, middle), (restaurant.x, middle)]
        canvas.link(points, "fk", (frame.group, "restaurant_id", restaurant.name))
    tree_lines(canvas, boxes, children)
    lookup_lines(canvas, across, boxes, gap_lanes)
    lookup_lines(canvas, within, boxes, right_lanes)
    for box in boxes.values():
        canvas.box(box)
    return canvas


def lookup_inks(model: Mapping[str, Any]) -> dict[str, str]:
    """Each lookup target's ink (LOOKUP_INKS in the order of the targets' names)."""
    targets = sorted({target for t in model["tables"] for _, target, _ in t["lookups"]})
    return {name: LOOKUP_INKS[i % len(LOOKUP_INKS)] for i, name in enumerate(targets)}


def draw(model: Mapping[str, Any]) -> list[Path]:
    """Draw Toast_ERD.png and every part; remove part pictures PARTS no longer names."""
    unplaced = {t["group"] for t in model["tables"]} - {*GROUP_TITLES, connector.RESTAURANT.name}
    if unplaced:
        raise ValueError(f"the overview has no frame for {sorted(unplaced)}: extend GROUP_TITLES")
    fonts = Fonts.load()
    written = [OUTPUT]
    inks = lookup_inks(model)
    overview = draw_overview(model, fonts, inks)
    overview.save(OUTPUT, model, with_model=True)
    for part in PARTS:
        draw_part(model, part, fonts, inks).save(part.path, model, with_model=False)
        written.append(part.path)
    for stale in set(PARTS_DIRECTORY.glob("*.png")) - set(written):
        stale.unlink()
    return written


def markdown_rows(model: Mapping[str, Any]) -> list[str]:
    """README's table list, first three columns: table, primary key, foreign keys. Neighbours
    of one group with the same keys share a row (the 23 configuration tables: one row)."""
    rows: list[tuple[str, list[str], str, str]] = []  # group, names, keys, foreign keys
    for table in model["tables"]:
        key = ", ".join(f"`{column}`" for column in table["primary_key"])
        links = ", ".join(f"`{column}` -> {target}" for column, target, _ in table["foreign_keys"])
        if rows and rows[-1][0] == table["group"] and rows[-1][2:] == (key, links):
            rows[-1][1].append(table["name"])
        else:
            rows.append((table["group"], [table["name"]], key, links))
    return [
        f"| {', '.join(f'`{name}`' for name in names)} | {key} | {links} |"
        for _, names, key, links in rows
    ]


def main() -> None:
    if sys.argv[1:] == ["--markdown"]:
        print("\n".join(markdown_rows(build_model({}))))
        return
    with tempfile.TemporaryDirectory(prefix="toast-erd-") as directory:
        warehouse = sync_recorded_world(Path(directory))
        model = build_model(warehouse_columns(warehouse))
    for path in draw(model):
        print(f"Wrote {path.relative_to(ROOT)}")
    from tests import columns  # the column dictionary, from the same model

    if columns.SPEC_DIR.is_dir():
        print(f"Wrote {columns.write(model).relative_to(ROOT)}")
    print(f"{len(model['tables'])} tables, model sha256 {model_sha256(model)}")


if __name__ == "__main__":
    main()
