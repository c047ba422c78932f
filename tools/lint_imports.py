"""Check the import contracts in pyproject.toml, with the root modules seen as packages.

import-linter builds its graph with grimp, which only walks packages: a single file such as
``bot.py`` cannot be a root package. The original design keeps ``bot``, ``events``,
``commands``, ``database``, ``utils``, ... as files at the repository root, so this script
copies the tree into a temporary folder where each root module ``name.py`` becomes
``name/__init__.py`` and each package keeps its folder. Module names stay the same, so the
contracts read exactly as the code imports (``bot``, ``tracking.ledger``, ...).
"""

import os
import shutil
import sys
import tempfile
import tomllib
from pathlib import Path

from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "pyproject.toml"


def root_packages(config: Path) -> list[str]:
    """Return the ``root_packages`` listed in the ``[tool.importlinter]`` table."""
    with config.open("rb") as file:
        table = tomllib.load(file)["tool"]["importlinter"]
    names: list[str] = table["root_packages"]
    return names


def lay_out(source: Path, target: Path, names: list[str]) -> None:
    """Copy each named root module or package from ``source`` into ``target`` as a package."""
    for name in names:
        module = source / f"{name}.py"
        package = source / name
        if module.is_file():
            (target / name).mkdir()
            shutil.copy2(module, target / name / "__init__.py")
        elif (package / "__init__.py").is_file():
            shutil.copytree(package, target / name, ignore=shutil.ignore_patterns("__pycache__"))
        # Anything else is an installed package (discord.ext.*), found on sys.path as usual.


def main() -> int:
    """Run import-linter over the laid-out copy and return its exit code."""
    names = root_packages(CONFIG)
    unlisted = sorted(path.stem for path in ROOT.glob("*.py") if path.stem not in names)
    if unlisted:
        sys.stderr.write(f"lint_imports: root modules missing from root_packages: {unlisted}\n")
        return 1
    before = Path.cwd()
    with tempfile.TemporaryDirectory(prefix="lint-imports-") as folder:
        lay_out(ROOT, Path(folder), names)
        # Only the copy may answer for our module names, never the real root.
        sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != ROOT]
        os.chdir(folder)
        try:
            return lint_imports(config_filename=str(CONFIG), no_cache=True, no_logo=True)
        finally:
            os.chdir(before)


if __name__ == "__main__":
    sys.exit(main())
