"""The import contracts: each one breaks when the code takes the import it forbids."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("tracking", "store", "ui", "cogs", "monitoring", "tools")


@pytest.fixture
def tree(tmp_path) -> Path:
    """A copy of the code and its pyproject.toml, free to be spoiled."""
    for module in REPO.glob("*.py"):
        shutil.copy2(module, tmp_path)
    for package in PACKAGES:
        shutil.copytree(REPO / package, tmp_path / package, ignore=shutil.ignore_patterns("*.pyc"))
    shutil.copy2(REPO / "pyproject.toml", tmp_path)
    return tmp_path


def lint(tree: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(tree / "tools" / "lint_imports.py")],
        cwd=tree,
        capture_output=True,
        text=True,
        timeout=120,
    )


def add_import(tree: Path, module: str, statement: str) -> None:
    with (tree / module).open("a", encoding="utf-8") as file:
        file.write(f"\n{statement}\n")


@pytest.mark.slow
def test_the_contracts_hold_for_the_code_as_it_is(tree):
    result = lint(tree)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.slow
@pytest.mark.parametrize(
    ("module", "statement", "complaint"),
    [
        ("tracking/periods.py", "from discord.ext import commands", "discord.ext.commands"),
        ("tracking/sessions.py", "import discord.ext.tasks", "discord.ext.tasks"),
        ("store/journal.py", "from ui import texts", "store.journal -> ui.texts"),
        ("database.py", "import cogs.owner", "database -> cogs.owner"),
        ("database_lock.py", "import events", "database_lock -> events"),
        ("ui/texts.py", "import commands", "ui is not allowed to import commands"),
        ("tracking/ledger.py", "import store.journal", "tracking is not allowed to import store"),
        ("utils.py", "import config", "utils is not allowed to import config"),
        ("cogs/admin.py", "import cogs.charts", "cogs.admin -> cogs.charts"),
        ("cogs/cooldowns.py", "import cogs.help", "cogs.cooldowns -> cogs.help"),
        ("cogs/charts.py", "from store import journal", "cogs is not allowed to import store"),
        ("ui/ranking.py", "import store.audit", "ui is not allowed to import store"),
        ("ui/names.py", "from ui import ranking", "No cycles are allowed in ui"),
    ],
)
def test_a_contract_breaks_on_the_import_it_forbids(tree, module, statement, complaint):
    add_import(tree, module, statement)
    result = lint(tree)
    assert result.returncode == 1
    assert complaint in result.stdout


@pytest.mark.slow
def test_a_root_module_left_out_of_the_contracts_fails_the_check(tree):
    (tree / "extra.py").write_text('"""Not listed in root_packages."""\n', encoding="utf-8")
    result = lint(tree)
    assert result.returncode == 1
    assert "['extra']" in result.stderr
