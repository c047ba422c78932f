"""Bate-Ponto's offline tools: `python manage.py <command>` (`--help` lists them).

- `export-totals PATH` — write the totals in `DATA_FILE`'s format to PATH, from
  the store the bot is configured with (`DATA_FILE`, or `DATABASE_URL`; `.env`), journal
  or change log included. From PostgreSQL it reads one snapshot, so bots may keep running.
- `verify` — read every file of the JSON store (`store.verify`), or the PostgreSQL
  database (`store.pg.verify`), and print a short report;
  exit 0 when sound, 1 when something is damaged. Read-only, it runs beside the bot.
- `import-json [PATH] [--replace]` — move the JSON store at PATH (default: `DATA_FILE`)
  into the PostgreSQL database of `DATABASE_URL`, in one transaction; the JSON files are
  left as they are. The rules for data already in the database: `store.pg.importer`.

The tools read the same settings as the bot. While the bot runs it holds the JSON
store's lock, and the tools refuse to touch its files: stop the bot first.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

import psycopg

import log_output
from config import Settings, SettingsError, load_settings
from database import (
    DatabaseUnavailableError,
    DataFileError,
    Store,
    StoreLockedError,
    export_database_totals,
)
from store.pg import importer
from store.pg.importer import ImportConflictError, ImportSummary
from store.pg.migrate import MigrationError, migrate
from store.pg.verify import verify_database
from store.recovery import StorePaths
from store.verify import verify_json_store
from utils import plural

log = logging.getLogger("bate-ponto.manage")

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
NEEDS_DATABASE = (
    "import-json precisa de DATABASE_URL (postgresql://...) para saber para onde importar; "
    "nada foi alterado / import-json needs DATABASE_URL, nothing was changed"
)
MISSING_STORE = (
    "{path} não existe; informe o DATA_FILE do store JSON a importar / does not exist, give "
    "the DATA_FILE of the JSON store to import"
)
BOT_RUNNING_IMPORT = (
    "O bot está usando {data_file}; pare-o antes de importar, nada foi alterado / the bot is "
    "using {data_file}; stop it before importing, nothing was changed"
)
DATABASE_ERROR = (
    "Não foi possível usar o PostgreSQL de DATABASE_URL ({error}); nada foi importado / "
    "cannot use the PostgreSQL database, nothing was imported"
)
CONFLICT = (
    "O PostgreSQL já tem dados de {servers}{members} deste store JSON (o bot já rodou com "
    "DATABASE_URL, ou outro store foi importado); nada foi importado. Para substituir esses "
    "dados pelos do JSON, rode de novo com --replace / the database already holds data for "
    "this JSON store's servers or members; nothing was imported; --replace overwrites them"
)
PROGRESS = "Importando {what}: {done} de {total} linhas ({percent}%)"
PROGRESS_UNSIZED = "Importando {what}: {done} linhas até agora"
IMPORTED = (
    "Importação concluída de {path}: {servers}, {members}, {days}, {sessions}, {audit}"
    "{settings}{unattributed}{replaced}. {files}"
)
FILES_UNCHANGED = (
    "Os arquivos JSON não foram alterados / import done, the JSON files were not changed"
)
FILES_REPAIRED = (
    "Os arquivos JSON foram só reparados ou convertidos ao abrir, como o bot faria ao iniciar; "
    "os dados deles não mudaram / import done; opening the JSON files repaired or converted "
    "them as the bot's start would, their data is the same"
)
ALREADY_IMPORTED = (
    "{path} já tinha sido importado com estes mesmos dados ({servers}, {members}, {days}, "
    "{sessions}, {audit}); nada mudou no PostgreSQL. {files}"
)
UNREADABLE_AUDIT = (
    "Linhas do registro de auditoria {path} que não puderam ser importadas (ilegíveis ou "
    "incompletas): {count} / audit lines that could not be imported"
)
VERIFY_SOUND = "Verificação concluída: os dados estão íntegros ({notes})"
VERIFY_DAMAGED = "Verificação concluída: {damage} nos dados ({notes})"
VERIFY_DATABASE_ERROR = (
    "Não foi possível ler o PostgreSQL de DATABASE_URL ({error}); nada foi verificado / "
    "cannot read the PostgreSQL database, nothing was checked"
)
PROGRESS_SECONDS = 2.0
"""Shortest pause between two progress lines of one table."""


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
    load = tools.add_parser(
        "import-json",
        help="move o store JSON para o PostgreSQL / move the JSON store into PostgreSQL",
        description=(
            "Importa o store JSON em PATH (padrão: DATA_FILE) para o PostgreSQL de DATABASE_URL, "
            "numa só transação: totais, histórico por dia (e semanas e meses), sessões abertas, "
            "registro de auditoria e totais do formato original ainda sem servidor. Recusa se o "
            "bot estiver rodando. Os arquivos JSON não são reescritos (só um arquivo danificado "
            "ou no formato original é reparado ou convertido ao abrir, como na partida do "
            "bot). Rodar de novo com os "
            "mesmos dados não muda nada. Se o PostgreSQL já tiver dados de algum servidor deste "
            "store (ou totais sem servidor dos mesmos membros), nada é importado, a menos que "
            "se use --replace / import the JSON store into PostgreSQL in one transaction; "
            "refuses while the bot runs; a second run with the same data changes nothing; "
            "data already there for the same servers is only overwritten with --replace"
        ),
    )
    load.add_argument(
        "path",
        metavar="PATH",
        type=Path,
        nargs="?",
        help="o DATA_FILE do store a importar (padrão: o configurado) / the store's DATA_FILE",
    )
    load.add_argument(
        "--replace",
        action="store_true",
        help=(
            "substitui os dados que o PostgreSQL já tem desses servidores (e os totais sem "
            "servidor desses membros) pelos do JSON; outros servidores ficam como estão / "
            "replace what the database holds for these servers with the JSON store's figures"
        ),
    )
    tools.add_parser(
        "verify",
        help="verifica os dados do store / check the store's data",
        description=(
            "Lê todos os arquivos do store JSON configurado (DATA_FILE, .env), ou o PostgreSQL "
            "de DATABASE_URL, sem alterá-los, mesmo com o bot rodando, e diz se estão "
            "íntegros: saída 0 se sim, 1 se há danos. "
            "Diferenças documentadas (totais do formato original, edições à mão adotadas) são "
            "notas, não danos / read every file of the JSON store without changing it and "
            "report; exit 0 when sound, 1 on damage"
        ),
    )
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
    _exported(target, members)
    return EXIT_OK


def export_database(database_url: str, target: Path) -> int:
    """Export the PostgreSQL store's totals (every server, safe while the bots run)."""
    try:
        members = export_database_totals(database_url, target)
    except DatabaseUnavailableError as error:
        log.error("%s", error)
        return EXIT_FAILURE
    except OSError as error:
        raise UsageError(NOT_WRITABLE.format(path=target, error=error)) from error
    _exported(target, members)
    return EXIT_OK


def _exported(target: Path, members: int) -> None:
    log.info(
        "%s",
        EXPORTED.format(
            path=target,
            members=plural(members, "membro", "membros"),
            count=f"{members} member{'' if members == 1 else 's'}",
        ),
    )


def check_store(path: Path | None, settings: Settings) -> Path:
    """The absolute `DATA_FILE` of the store to import, or `UsageError` if there is none."""
    source = (path.expanduser() if path is not None else settings.data_file).absolute()
    if source.is_dir():
        raise UsageError(PATH_IS_FOLDER.format(path=source))
    if not source.exists():
        raise UsageError(MISSING_STORE.format(path=source))
    return source


class ProgressLog:
    """Logs an import's progress: each table's end, and every `PROGRESS_SECONDS` before it."""

    def __init__(self) -> None:
        """Nothing reported yet."""
        self._last: dict[str, float] = {}

    def __call__(self, what: str, done: int, total: int) -> None:
        """Log a line at the end of a table, or if the last one is `PROGRESS_SECONDS` old.

        A table whose size is not known ahead (`total` 0) gets only the periodic lines.
        """
        now = time.monotonic()
        last = self._last.setdefault(what, now)
        if done == 0 or (done != total and now - last < PROGRESS_SECONDS):
            return
        self._last[what] = now
        if total:
            line = PROGRESS.format(what=what, done=done, total=total, percent=100 * done // total)
        else:
            line = PROGRESS_UNSIZED.format(what=what, done=done)
        log.info("%s", line)


def describe(summary: ImportSummary) -> dict[str, str]:
    """The summary's figures as Portuguese phrases."""
    audit = plural(summary.audit_entries, "registro de auditoria", "registros de auditoria")
    if summary.audit_added != summary.audit_entries and not summary.already_imported:
        audit += f" ({summary.audit_added} novos)"
    return {
        "servers": plural(summary.servers, "servidor", "servidores"),
        "members": plural(summary.members, "membro", "membros"),
        "days": plural(summary.days, "linha de histórico por dia", "linhas de histórico por dia"),
        "sessions": plural(summary.open_sessions, "sessão aberta", "sessões abertas"),
        "audit": audit,
        "settings": (
            ", " + plural(summary.settings, "configuração", "configurações")
            if summary.settings
            else ""
        ),
        "unattributed": (
            ", " + plural(summary.unattributed, "total sem servidor", "totais sem servidor")
            if summary.unattributed
            else ""
        ),
        "replaced": (
            ", " + plural(summary.replaced, "servidor substituído", "servidores substituídos")
            if summary.replaced
            else ""
        ),
    }


def conflict_line(error: ImportConflictError) -> str:
    """The refusal when the database already holds data for the JSON store."""
    servers = ""
    if error.servers:
        shown = ", ".join(str(guild) for guild in error.servers[:5])
        more = f" e mais {len(error.servers) - 5}" if len(error.servers) > 5 else ""
        servers = plural(len(error.servers), "servidor", "servidores") + f" ({shown}{more})"
    members = ""
    if error.members:
        members = (" e de " if servers else "") + plural(
            error.members, "membro com totais sem servidor", "membros com totais sem servidor"
        )
    return CONFLICT.format(servers=servers, members=members)


def file_states(data_file: Path) -> dict[Path, tuple[int, int, int] | None]:
    """Size, modification time and inode of each of a store's files (None: absent).

    The lock file is left out: opening the store creates it when it is missing.
    """
    paths = StorePaths(data_file)
    states: dict[Path, tuple[int, int, int] | None] = {}
    for path in paths.files:
        if path == paths.lock:
            continue
        try:
            info = os.lstat(path)
        except FileNotFoundError:
            states[path] = None
        else:
            states[path] = (info.st_size, info.st_mtime_ns, info.st_ino)
    return states


async def import_json(source: Path, database_url: str, *, replace: bool) -> int:
    """Open the JSON store (refused while the bot runs) and import it into PostgreSQL."""
    before = file_states(source)
    try:
        store = await asyncio.to_thread(Store.open, source)
    except StoreLockedError:
        log.error("%s", BOT_RUNNING_IMPORT.format(data_file=source))
        return EXIT_FAILURE
    try:
        page = await asyncio.to_thread(store.audit.read_all)
        await asyncio.to_thread(migrate, database_url)
        summary = await asyncio.to_thread(
            importer.import_ledger,
            database_url,
            store.ledger,
            page.entries,
            replace=replace,
            progress=ProgressLog(),
            settings=store.settings,
        )
    except ImportConflictError as error:
        log.error("%s", conflict_line(error))
        return EXIT_FAILURE
    except (psycopg.Error, MigrationError) as error:
        log.error("%s", DATABASE_ERROR.format(error=str(error).strip().splitlines()[0]))
        return EXIT_FAILURE
    finally:
        store.release()
    skipped = page.unreadable + summary.audit_skipped
    if skipped:
        log.warning("%s", UNREADABLE_AUDIT.format(path=store.audit.path, count=skipped))
    template = ALREADY_IMPORTED if summary.already_imported else IMPORTED
    files = FILES_UNCHANGED if file_states(source) == before else FILES_REPAIRED
    log.info("%s", template.format(path=source, files=files, **describe(summary)))
    return EXIT_OK


def verify(settings: Settings) -> int:
    """`verify`: check the configured store, print a short report; 0 sound, 1 damage."""
    if settings.database_url:
        try:
            report = verify_database(settings.database_url)
        except psycopg.OperationalError as error:
            log.error("%s", VERIFY_DATABASE_ERROR.format(error=" ".join(str(error).split())))
            return EXIT_FAILURE
    else:
        report = verify_json_store(StorePaths(settings.data_file))
    for line in report.checked:
        log.info("Lido: %s", line)
    for line in report.notes:
        log.info("Nota: %s", line)
    for line in report.damage:
        log.error("Dano: %s", line)
    notes = plural(len(report.notes), "nota", "notas")
    if report.sound:
        log.info("%s", VERIFY_SOUND.format(notes=notes))
        return EXIT_OK
    damage = plural(len(report.damage), "problema", "problemas")
    log.error("%s", VERIFY_DAMAGED.format(damage=damage, notes=notes))
    return EXIT_FAILURE


def main(argv: Sequence[str] | None = None) -> int:
    """`python manage.py ...`: set up logging, then `run`; the exit code."""
    log_output.configure("INFO")
    return run(argv, reconfigure_logs=True)


def run(argv: Sequence[str] | None = None, *, reconfigure_logs: bool = False) -> int:
    """Parse, check the settings, run the tool; the exit code.

    Logging is the caller's; with `reconfigure_logs` (as `main` does), it is set up again
    from the settings: `LOG_FORMAT`, and the token and database password masked.
    """
    try:
        arguments = build_parser().parse_args(argv)
        settings = load_settings()
        if reconfigure_logs:
            secrets = log_output.secrets_of(settings.token, settings.database_url)
            log_output.configure(settings.log_level, settings.log_format, secrets)
        else:
            logging.getLogger().setLevel(settings.log_level)
        if arguments.command == "import-json":
            if not settings.database_url:
                log.error("%s", NEEDS_DATABASE)
                return EXIT_USAGE
            source = check_store(arguments.path, settings)
            return asyncio.run(
                import_json(source, settings.database_url, replace=arguments.replace)
            )
        if arguments.command == "verify":
            return verify(settings)
        target = check_target(arguments.path)
        if settings.database_url:
            return export_database(settings.database_url, target)
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
