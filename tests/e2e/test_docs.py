"""The documentation against the connector: Toast_ERD.png and the pictures under tests/erd/
against the registry and the columns of a `fivetran debug` warehouse; README.md's table list,
configuration keys, length and the code it refers to against connector.py and
configuration.json.example. Only the ERD test needs a sync (it reuses the e2e runs'); the others
are fast and not marked e2e."""

from __future__ import annotations

import functools
import json
import re

import pytest

import connector
from tests import erd
from tests.conftest import ROOT
from tests.e2e.conftest import CliRuns

README = (ROOT / "README.md").read_text(encoding="utf-8")


def section(title: str) -> str:
    """The text of README.md's `## title` section."""
    start = README.index(f"\n## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start : end if end != -1 else len(README)]


def table_rows(text: str) -> dict[str, list[str]]:
    """Markdown table rows whose first cell is a `name`: name -> cells."""
    rows = {}
    for line in text.splitlines():
        if line.startswith("| `"):
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            rows[cells[0].strip("`")] = cells
    return rows


# Ten minutes of reading (issue 15: at most about 3,000 words, counted as `wc -w` counts); the
# analyst models and the new configuration keys allow up to 3,300.
MAX_README_WORDS = 3_300
FIRST_SCREEN_LINES = 25


def test_readme_reads_in_ten_minutes() -> None:
    assert len(README.split()) <= MAX_README_WORDS, (
        "README.md is too long to read in ten minutes: say it shorter, or move details to a "
        "file under tests/ that it links"
    )


def test_the_first_screen_of_readme_says_what_to_run() -> None:
    first_screen = "\n".join(README.splitlines()[:FIRST_SCREEN_LINES])
    sandbox, tests, against_toast = "bash tests/sandbox.sh", "bash tests/run.sh", "fivetran debug"
    for command in (sandbox, tests, "cp configuration.json.example configuration.json"):
        assert command in first_screen
    assert re.search(rf"^(source .+ && )?{against_toast}\b", first_screen, flags=re.MULTILINE)


def test_every_file_readme_links_exists() -> None:
    targets = re.findall(r"\]\(([^)#:]+)\)", README)
    assert "tests/bench/RESULTS.md" in targets
    assert [target for target in targets if not (ROOT / target).exists()] == []


def test_readme_keeps_no_measurement_log() -> None:
    """Benchmark runs name commits: they belong in tests/bench/RESULTS.md, not in README.md."""
    assert re.findall(r"`[0-9a-f]{7}`", README) == []


def test_given_the_registry_then_readme_lists_every_table_with_its_keys() -> None:
    documented = {name: cells[:3] for name, cells in table_rows(section("Tables created")).items()}
    registry = table_rows("\n".join(erd.markdown_rows(erd.build_model({}))))
    assert documented == {name: cells[:3] for name, cells in registry.items()}, (
        "README.md's Tables created differs from the registry: see `python tests/erd.py "
        "--markdown`"
    )


def test_given_the_example_configuration_then_readme_describes_every_key() -> None:
    example = json.loads((ROOT / "configuration.json.example").read_text())
    assert set(connector._REQUIRED_KEYS) <= set(example)
    documented = table_rows(section("Configuration file"))
    assert set(documented) == set(example)
    required = {name for name, cells in documented.items() if cells[1] == "yes"}
    assert required == set(connector._REQUIRED_KEYS)


def test_given_the_code_then_every_name_readme_refers_to_exists() -> None:
    sentences = re.findall(r"Refer to (.+?)\s+in\s+`connector\.py`", README, flags=re.DOTALL)
    names = [name for sentence in sentences for name in re.findall(r"`([\w.]+)`", sentence)]
    assert len(names) > 10
    missing = []
    for name in names:
        try:
            functools.reduce(getattr, name.split("."), connector)
        except AttributeError:
            missing.append(name)
    assert missing == [], "README.md refers to names connector.py does not have"


@pytest.mark.e2e
@pytest.mark.slow  # a second full sync for this one check: `bash tests/run.sh -m slow`
def test_given_a_fivetran_debug_warehouse_then_the_erd_shows_its_model(cli_runs: CliRuns) -> None:
    model = erd.build_model(erd.warehouse_columns(cli_runs.project.warehouse.path))
    digest = erd.model_sha256(model)
    pictures = (erd.OUTPUT, *(part.path for part in erd.PARTS))
    stale = [p.name for p in pictures if erd.png_text_chunks(p)[erd.HASH_CHUNK] != digest]
    if not stale:
        return
    texts = erd.png_text_chunks(erd.OUTPUT)
    shown = {table["name"]: table for table in json.loads(texts[erd.MODEL_CHUNK])["tables"]}
    changed = sorted(
        table["name"] for table in model["tables"] if shown.get(table["name"]) != table
    )
    pytest.fail(f"{', '.join(stale)} out of date (tables {', '.join(changed)}): run `make erd`")
