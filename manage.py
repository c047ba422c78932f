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
- `import-legacy FILE --guild ID [--add]` — add the totals of a file in the original format
  (no `guilds`) to server ID, by the rule the bot uses for `LEGACY_GUILD_ID`
  (`store.legacy`), in the configured store; refused while the bot runs (JSON) or owns the
  server's shard (PostgreSQL), and when members already have figures there, unless `--add`.
- `backup DIR` — a consistent copy of the JSON store's files into the new or empty folder
  DIR, with a manifest (`store.backup`), while the bot runs. With `DATABASE_URL` it prints
  the `pg_dump` command to use instead and changes nothing.
- `restore DIR` — place a backup as the configured store: refused while the bot runs or
  when the backup does not match its manifest; every file it replaces is kept aside as
  `<name>.before-restore-<UTC>`. With `DATABASE_URL`, the `pg_restore` command instead.

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
    refuse_unusable_files,
    store_shards,
)
from database_lock import FileLockError, acquire_file_lock
from store.backup import (
    BackupError,
    DamagedBackupError,
    Manifest,
    backup_json_store,
    read_manifest,
    restore_json_store,
)
from store.legacy import LegacyFileError, Totals, members_with_figures, read_legacy
from store.pg import importer
from store.pg import legacy as pg_legacy
from store.pg.importer import ImportConflictError, ImportSummary
from store.pg.migrate import MigrationError, migrate
from store.pg.store import ShardsInUseError
from store.pg.verify import UNFOLDED, verify_database
from store.recovery import StorePaths
from store.verify import verify_json_store
from tracking.records import MAX_ID, AttributeLegacy
from utils import plural, validate_user_id

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
BOT_RUNNING_RESTORE = (
    "O bot está usando {data_file}; pare-o antes de restaurar, nada foi alterado / the bot is "
    "using {data_file}; stop it before restoring, nothing was changed"
)
BACKUP_DONE = (
    "Backup de {source} gravado em {folder}: {files}, seq {seq}, {servers}, {members}, "
    "{seconds} s de câmera, {sessions} / backup written"
)
RESTORED = (
    "Backup de {folder} restaurado em {data_file}: {files}, seq {seq}, {servers}, {members}, "
    "{seconds} s de câmera, {sessions} / backup restored"
)
KEPT_ASIDE = "Arquivo substituído guardado / replaced file kept: {path} -> {kept}"
NOT_A_FOLDER = "{path} não é uma pasta de backup / is not a backup folder"
PG_BACKUP = (
    "Com DATABASE_URL o backup é do PostgreSQL, com pg_dump (nada foi copiado por esta "
    "ferramenta); pode rodar com os bots no ar, pois pg_dump lê um snapshot consistente / "
    "with DATABASE_URL, back up with pg_dump (this tool copied nothing):"
)
PG_RESTORE = (
    "Com DATABASE_URL a restauração é do PostgreSQL, com pg_restore (nada foi alterado por "
    "esta ferramenta); pare todos os processos do bot antes / with DATABASE_URL, restore "
    "with pg_restore after stopping every bot process (this tool changed nothing):"
)
PG_RESTORE_LATER = (
    "Para restaurar depois, com todos os processos do bot parados / to restore later, with "
    "every bot process stopped:"
)
PG_COMMAND = "    {command}"
BAD_SERVER = (
    "deve ser o ID de um servidor (17 a 20 dígitos) / must be a server id (17 to 20 digits): "
    "{value!r}"
)
LEGACY_PENDING = (
    "O store já tem totais do formato original ainda sem servidor ({members}); eles seriam "
    "atribuídos a este servidor junto. Atribua-os antes (LEGACY_GUILD_ID e uma partida do "
    "bot); nada foi alterado / the store already holds original-format totals without a "
    "server: attribute them first; nothing was changed"
)
LEGACY_UNFOLDED = (
    "O servidor {guild} tem {changes} no change_log (um bot parado durante uma queda do "
    "PostgreSQL): inicie o bot uma vez antes; nada foi alterado / the server has changes not "
    "folded yet: start the bot once first; nothing was changed"
)
LEGACY_SHARD_IN_USE = (
    "Um processo do bot é dono do servidor {guild} neste banco ({error}); pare-o antes de "
    "importar, nada foi alterado / a bot process owns the server: stop it before importing"
)
LEGACY_CONFLICT = (
    "{members} do arquivo já {have} tempo no servidor {guild} ({shown}); nada foi importado. "
    "Para somar os totais do arquivo aos que já existem, rode de novo com --add / members "
    "already have figures in the server, nothing was imported; --add adds the file's totals "
    "to theirs"
)
LEGACY_DONE = (
    "Totais do formato original importados de {path} para o servidor {guild}: {members}, "
    "{seconds} s de câmera, {sessions}{added} (sem histórico por dia) / imported"
)
LEGACY_NOT_SAVED = (
    "Os totais importados não puderam ser gravados em {data_file} (veja o erro acima); "
    "nada foi importado / the import could not be saved"
)
PROGRESS_LEGACY = "Importando {what}: {done} de {total} ({percent}%)"
PROGRESS_COPY = "Copiando {what}: {done} de {total} bytes ({percent}%)"
PROGRESS_SECONDS = 2.0
"""Shortest pause between two progress lines of one table."""


class UsageError(Exception):
    """The command line asks for something the tool cannot do (exit 2, one line)."""


class Parser(argparse.ArgumentParser):
    """argparse that says what is wrong in one line and exits 2, without the usage block."""

    def error(self, message: str) -> NoReturn:
        """Raise `UsageError` instead of printing the usage and exiting."""
        raise UsageError(f"{self.prog}: {message} (veja / see --help)")


def server_id(text: str) -> int:
    """`--guild`: a Discord server id (a snowflake of 17 to 20 digits)."""
    if not validate_user_id(text) or int(text) > MAX_ID:
        raise argparse.ArgumentTypeError(BAD_SERVER.format(value=text))
    return int(text)


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
    legacy = tools.add_parser(
        "import-legacy",
        help=(
            "importa um arquivo do formato original para um servidor / import an "
            "original-format file into a server"
        ),
        description=(
            'Soma os totais de FILE, um ranking no formato original ({"<id>": '
            '{"total_seconds": N, "sessions": M}}, sem "guilds"), aos do servidor ID, '
            "no store configurado (DATA_FILE, ou DATABASE_URL), pela mesma regra do "
            "LEGACY_GUILD_ID: sem histórico por dia. Recusa, sem alterar nada, se o bot "
            "estiver rodando (ou, no PostgreSQL, for dono do servidor), se o arquivo não "
            "estiver no formato original, e se algum membro do arquivo já tiver tempo no "
            "servidor, a menos que se use --add / add FILE's original-format totals to "
            "server ID; refused while the bot runs, and when members already have figures "
            "there unless --add"
        ),
    )
    legacy.add_argument("path", metavar="FILE", type=Path, help="o arquivo / the file")
    legacy.add_argument(
        "--guild",
        metavar="ID",
        type=server_id,
        required=True,
        help="o servidor de onde os totais vieram / the server the totals came from",
    )
    legacy.add_argument(
        "--add",
        action="store_true",
        help=(
            "soma aos totais que os membros já têm no servidor / add to the figures members "
            "already have in the server"
        ),
    )
    save = tools.add_parser(
        "backup",
        help="copia o store de forma consistente / copy the store consistently",
        description=(
            "Copia todos os arquivos do store JSON configurado (DATA_FILE, .env) para a pasta "
            "DIR (nova ou vazia; modo 0700, arquivos 0600), com um manifest.json (hora, "
            "arquivos, SHA-256, seq e totais), mesmo com o bot rodando: a cópia é conferida "
            "carregando-a e refeita se um snapshot correu ao mesmo tempo. Com DATABASE_URL, "
            "mostra o comando pg_dump a usar e não faz nada / copy the JSON store's files "
            "into DIR with a manifest, safely while the bot runs; with DATABASE_URL, print "
            "the pg_dump command"
        ),
    )
    save.add_argument("folder", metavar="DIR", type=Path, help="pasta do backup / backup folder")
    back = tools.add_parser(
        "restore",
        help="restaura um backup / restore a backup",
        description=(
            "Confere o backup em DIR contra o manifest.json e o coloca como o store de "
            "DATA_FILE. Recusa se o bot estiver rodando ou se o backup estiver danificado "
            "(nada é alterado). Cada arquivo do store que existia é guardado como "
            "<nome>.before-restore-<UTC>, nunca apagado. Com DATABASE_URL, mostra o comando "
            "pg_restore a usar / verify the backup in DIR and place it as DATA_FILE's store; "
            "refused while the bot runs; replaced files are kept aside"
        ),
    )
    back.add_argument("folder", metavar="DIR", type=Path, help="pasta do backup / backup folder")
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
    """Logs long work's progress: every `PROGRESS_SECONDS`, and (`ends`) each table's end."""

    def __init__(
        self, sized: str = PROGRESS, unsized: str = PROGRESS_UNSIZED, *, ends: bool = True
    ) -> None:
        """Nothing reported yet; the templates get `what`, `done`, `total` and `percent`."""
        self._last: dict[str, float] = {}
        self._sized, self._unsized, self._ends = sized, unsized, ends

    def __call__(self, what: str, done: int, total: int) -> None:
        """Log a line at the end of a table, or if the last one is `PROGRESS_SECONDS` old.

        A table whose size is not known ahead (`total` 0) gets only the periodic lines.
        """
        now = time.monotonic()
        last = self._last.setdefault(what, now)
        end = done == total
        if done == 0 or (end and not self._ends) or (not end and now - last < PROGRESS_SECONDS):
            return
        self._last[what] = now
        if total:
            percent = 100 * done // total
            line = self._sized.format(what=what, done=done, total=total, percent=percent)
        else:
            line = self._unsized.format(what=what, done=done)
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


def _legacy_done(source: Path, guild: int, totals: Totals, added_to: int) -> None:
    seconds = sum(figures[0] for figures in totals.values())
    sessions = sum(figures[1] for figures in totals.values())
    added = ""
    if added_to:
        added = ", somados aos que já existiam de " + plural(added_to, "membro", "membros")
    line = LEGACY_DONE.format(
        path=source,
        guild=guild,
        members=plural(len(totals), "membro", "membros"),
        seconds=seconds,
        sessions=plural(sessions, "sessão", "sessões"),
        added=added,
    )
    log.info("%s", line)


def _legacy_conflict(members: list[int], guild: int) -> None:
    shown = ", ".join(str(user) for user in members[:5])
    more = f" e mais {len(members) - 5}" if len(members) > 5 else ""
    line = LEGACY_CONFLICT.format(
        members=plural(len(members), "membro", "membros"),
        have="tem" if len(members) == 1 else "têm",
        guild=guild,
        shown=shown + more,
    )
    log.error("%s", line)


async def import_legacy_json(
    data_file: Path, source: Path, guild: int, totals: Totals, *, add: bool
) -> int:
    """Tie the file's totals to the server in the JSON store (refused while the bot runs).

    The totals become the store's unattributed ones and the bot's own `AttributeLegacy`
    change ties them to the server, journaled, then saved by the closing snapshot. A crash
    before that snapshot leaves the import undone (the journaled change finds nothing to
    tie at the next start), never half done.
    """
    try:
        store = await asyncio.to_thread(Store.open, data_file)
    except StoreLockedError:
        log.error("%s", BOT_RUNNING_IMPORT.format(data_file=data_file))
        return EXIT_FAILURE
    committed = False
    try:
        if store.has_unattributed:
            members = plural(store.unattributed_count(), "membro", "membros")
            log.error("%s", LEGACY_PENDING.format(members=members))
            return EXIT_FAILURE
        progress = ProgressLog(PROGRESS_LEGACY, PROGRESS_LEGACY, ends=False)
        existing = members_with_figures(store, guild, totals, progress)
        if existing and not add:
            _legacy_conflict(existing, guild)
            return EXIT_FAILURE
        store.ledger.unattributed = dict(totals)
        committed = True
        await store.commit([AttributeLegacy(g=guild)])
    finally:
        if committed:
            await store.close()
        else:
            await asyncio.to_thread(store.release)
    if store.snapshot_failing:
        log.error("%s", LEGACY_NOT_SAVED.format(data_file=data_file))
        return EXIT_FAILURE
    _legacy_done(source, guild, totals, len(existing))
    return EXIT_OK


def import_legacy_database(
    settings: Settings, source: Path, guild: int, totals: Totals, *, add: bool
) -> int:
    """Tie the file's totals to the server in PostgreSQL (`store.pg.legacy`)."""
    url = str(settings.database_url)
    count = store_shards(settings).count
    progress = ProgressLog(PROGRESS_LEGACY, PROGRESS_LEGACY, ends=False)
    try:
        migrate(url)
        done = pg_legacy.import_legacy(
            url, guild, totals, shard_count=count, add=add, progress=progress
        )
    except ShardsInUseError as error:
        log.error("%s", LEGACY_SHARD_IN_USE.format(guild=guild, error=str(error).split(" / ")[0]))
        return EXIT_FAILURE
    except pg_legacy.LegacyPendingError as error:
        if error.unattributed:
            members = plural(error.unattributed, "membro", "membros")
            log.error("%s", LEGACY_PENDING.format(members=members))
        else:
            changes = plural(error.unfolded, "alteração ainda não incorporada", UNFOLDED)
            log.error("%s", LEGACY_UNFOLDED.format(guild=guild, changes=changes))
        return EXIT_FAILURE
    except pg_legacy.LegacyConflictError as error:
        _legacy_conflict(error.members, guild)
        return EXIT_FAILURE
    except (psycopg.Error, MigrationError) as error:
        log.error("%s", DATABASE_ERROR.format(error=str(error).strip().splitlines()[0]))
        return EXIT_FAILURE
    _legacy_done(source, guild, totals, done.added_to)
    return EXIT_OK


def import_legacy(settings: Settings, path: Path, guild: int, *, add: bool) -> int:
    """`import-legacy FILE --guild ID`: read the file, then tie it to the server."""
    source = path.expanduser().absolute()
    if source.is_dir():
        raise UsageError(PATH_IS_FOLDER.format(path=source))
    if source in {p.absolute() for p in StorePaths(settings.data_file.absolute()).files}:
        raise UsageError(IS_STORE_FILE.format(path=source))
    try:
        totals = read_legacy(source)
    except LegacyFileError as error:
        log.error("%s", error)
        return EXIT_USAGE
    if settings.database_url:
        return import_legacy_database(settings, source, guild, totals, add=add)
    return asyncio.run(import_legacy_json(settings.data_file, source, guild, totals, add=add))


PG_DUMP = 'pg_dump --format=custom --file="{folder}/bate-ponto.dump" "$DATABASE_URL"'
PG_RESTORE_COMMAND = (
    'pg_restore --clean --if-exists --single-transaction --no-owner --dbname="$DATABASE_URL" '
    '"{folder}/bate-ponto.dump"'
)


def _summary(manifest: Manifest) -> dict[str, str]:
    """A manifest's figures as Portuguese phrases."""
    totals = manifest.totals
    return {
        "files": plural(len(manifest.files), "arquivo", "arquivos"),
        "seq": str(manifest.seq),
        "servers": plural(totals.servers, "servidor", "servidores"),
        "members": plural(totals.members, "membro", "membros"),
        "seconds": str(totals.seconds),
        "sessions": plural(totals.sessions, "sessão", "sessões"),
    }


def backup(settings: Settings, folder: Path) -> int:
    """`backup DIR`: copy the JSON store consistently; with PostgreSQL, pg_dump guidance."""
    if settings.database_url:
        log.info("%s", PG_BACKUP)
        log.info("%s", PG_COMMAND.format(command=PG_DUMP.format(folder=folder)))
        log.info("%s", PG_RESTORE_LATER)
        log.info("%s", PG_COMMAND.format(command=PG_RESTORE_COMMAND.format(folder=folder)))
        return EXIT_OK
    paths = StorePaths(settings.data_file.absolute())
    refuse_unusable_files(paths)
    progress = ProgressLog(PROGRESS_COPY, PROGRESS_COPY, ends=False)
    try:
        manifest = backup_json_store(paths, folder, progress=progress)
    except BackupError as error:
        log.error("%s", error)
        return EXIT_FAILURE
    log.info(
        "%s",
        BACKUP_DONE.format(source=paths.data, folder=folder.absolute(), **_summary(manifest)),
    )
    return EXIT_OK


def restore(settings: Settings, folder: Path) -> int:
    """`restore DIR`: verify the backup, then place it (refused while the bot runs)."""
    if settings.database_url:
        log.info("%s", PG_RESTORE)
        log.info("%s", PG_COMMAND.format(command=PG_RESTORE_COMMAND.format(folder=folder)))
        return EXIT_OK
    folder = folder.expanduser().absolute()
    if not folder.is_dir():
        raise UsageError(NOT_A_FOLDER.format(path=folder))
    paths = StorePaths(settings.data_file.absolute())
    refuse_unusable_files(paths)
    try:
        manifest = read_manifest(folder)
    except DamagedBackupError as error:
        log.error("%s", error)
        return EXIT_FAILURE
    paths.data.parent.mkdir(parents=True, exist_ok=True)
    try:
        lock = acquire_file_lock(paths.lock)
    except FileLockError:
        log.error("%s", BOT_RUNNING_RESTORE.format(data_file=paths.data))
        return EXIT_FAILURE
    try:
        progress = ProgressLog(PROGRESS_COPY, PROGRESS_COPY, ends=False)
        restored = restore_json_store(folder, manifest, paths, progress=progress)
    except DamagedBackupError as error:
        log.error("%s", error)
        return EXIT_FAILURE
    finally:
        lock.release()
    for path, kept in restored.kept:
        log.info("%s", KEPT_ASIDE.format(path=path, kept=kept))
    log.info(
        "%s", RESTORED.format(folder=folder, data_file=paths.data, **_summary(restored.manifest))
    )
    return EXIT_OK


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
        if arguments.command == "import-legacy":
            return import_legacy(settings, arguments.path, arguments.guild, add=arguments.add)
        if arguments.command == "backup":
            return backup(settings, arguments.folder)
        if arguments.command == "restore":
            return restore(settings, arguments.folder)
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
