"""Bate-Ponto's offline tools: `python manage.py <command>` (`--help` lists them).

- `export-totals PATH` — write the totals in `DATA_FILE`'s format to PATH, from
  the store the bot is configured with (`DATA_FILE`, `.env`), journal included.

The tools read the same settings as the bot. While the bot runs it holds the
store's lock, and the tools refuse to touch its files: stop the bot first.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from config import POSTGRES_UNAVAILABLE, SettingsError, load_settings
from database import DataFileError, Store, StoreLockedError
from utils import plural

log = logging.getLogger("bate-ponto.manage")

LOG_FORMAT = "%(asctime)s - %(name)s - %(levelname)s - %(message)s"
LOG_DATE_FORMAT = "%Y-%m-%d %H:%M:%S"

EXIT_OK = 0
EXIT_FAILURE = 1
"""The tool could not do its work now (the bot holds the data, the disk failed)."""
EXIT_USAGE = 2
"""The command line or the configuration must be fixed first."""

# Console lines for whoever runs the tool (Portuguese / English).
BAD_SETTINGS = "Configuração inválida / invalid configuration: {error}"
BOT_RUNNING = (
    "O bot está usando {data_file}; pare-o antes de exportar, nada foi alterado / the bot is "
    "using {data_file}; stop it before exporting, nothing was changed"
)
PATH_IS_FOLDER = (
    "{path} é uma pasta; informe o caminho de um arquivo / is a folder, give a file path"
)
NO_FOLDER = "A pasta de {path} não existe / the folder of {path} does not exist"
NOT_WRITABLE = (
    "Não é possível gravar em {path} ({error}); nada foi exportado / cannot write {path}, "
    "nothing was exported"
)
IS_STORE_FILE = (
    "{path} é um dos arquivos do store; escolha outro caminho / is one of the store's files, "
    "choose another path"
)
FILE_ERROR = "Não foi possível usar os arquivos de dados / cannot use the data files: {error}"
EXPORTED = "Totais exportados para {path}: {members} / totals exported to {path}: {count}"


class UsageError(Exception):
    """The command line asks for something the tool cannot do (exit 2, one line)."""


class Parser(argparse.ArgumentParser):
    """argparse that says what is wrong in one line and exits 2, without the usage block."""

    def error(self, message: str) -> NoReturn:
        """Raise `UsageError` instead of printing the usage and exiting."""
        raise UsageError(f"{self.prog}: {message} (veja / see --help)")


def build_parser() -> argparse.ArgumentParser:
    """The command line: one subcommand per tool."""
    parser = Parser(
        prog="manage.py",
        description="Ferramentas offline do Bate-Ponto / Bate-Ponto's offline tools",
    )
    tools = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    tools.required = True
    export = tools.add_parser(
        "export-totals",
        help="grava os totais no formato do DATA_FILE / write the totals in DATA_FILE's format",
        description=(
            "Grava os totais do store configurado (DATA_FILE, .env), incluindo o journal, em "
            "PATH, no formato do DATA_FILE / write the configured store's totals to PATH"
        ),
    )
    export.add_argument("path", metavar="PATH", type=Path, help="arquivo a gravar / file to write")
    return parser


def check_target(path: Path) -> Path:
    """The absolute target of an export, or `UsageError` if it cannot be one."""
    target = path.expanduser().absolute()
    if target.is_dir():
        raise UsageError(PATH_IS_FOLDER.format(path=target))
    if not target.parent.is_dir():
        raise UsageError(NO_FOLDER.format(path=target))
    if not os.access(target.parent, os.W_OK | os.X_OK) or (
        target.exists() and not os.access(target, os.W_OK)
    ):
        raise UsageError(NOT_WRITABLE.format(path=target, error="sem permissão / no permission"))
    return target


async def export_totals(data_file: Path, target: Path) -> int:
    """Open the JSON store (refused while the bot runs), export its totals, close it."""
    try:
        store = Store.open(data_file)
    except StoreLockedError:
        log.error("%s", BOT_RUNNING.format(data_file=data_file))
        return EXIT_FAILURE
    try:
        if target in {path.absolute() for path in store.paths.files}:
            raise UsageError(IS_STORE_FILE.format(path=target))
        try:
            members = store.export_totals(target)
        except OSError as error:
            raise UsageError(NOT_WRITABLE.format(path=target, error=error)) from error
    finally:
        await store.close()
    log.info(
        "%s",
        EXPORTED.format(
            path=target,
            members=plural(members, "membro", "membros"),
            count=f"{members} member{'' if members == 1 else 's'}",
        ),
    )
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """`python manage.py ...`: parse, check the settings, run the tool; the exit code."""
    logging.basicConfig(level="INFO", format=LOG_FORMAT, datefmt=LOG_DATE_FORMAT, force=True)
    try:
        arguments = build_parser().parse_args(argv)
        settings = load_settings()
        logging.getLogger().setLevel(settings.log_level)
        if settings.database_url:
            log.error("%s", POSTGRES_UNAVAILABLE)
            return EXIT_USAGE
        target = check_target(arguments.path)
        return asyncio.run(export_totals(settings.data_file, target))
    except SettingsError as error:
        log.error("%s", BAD_SETTINGS.format(error=error))
        return EXIT_USAGE
    except (UsageError, DataFileError) as error:
        log.error("%s", error)
        return EXIT_USAGE
    except OSError as error:
        log.error("%s", FILE_ERROR.format(error=error))
        return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())
