"""Bate-Ponto: the entry point (`python bot.py`), the bot subclass and its wiring."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from typing import Any

import aiohttp
import discord
import yarl
from discord.ext import commands

import log_output
from config import (
    Settings,
    SettingsError,
    is_placeholder_token,
    load_settings,
)
from database import (
    DatabaseUnavailableError,
    DataFileError,
    RankingStore,
    StoreLockedError,
    open_store,
    store_location,
)
from monitoring.metrics import Metrics
from monitoring.server import MonitoringServer, Shard
from notify import notify, watchdog_interval
from tracking.server_settings import ZoneSince
from tracking.sessions import SystemClock, VideoSessionManager
from ui.names import MemberNames
from utils import plural

log = logging.getLogger("bate-ponto")


def build_intents() -> discord.Intents:
    """The gateway intents the bot needs; `members` is optional and left off."""
    intents = discord.Intents.none()
    intents.guilds = True
    intents.voice_states = True
    intents.guild_messages = True
    intents.dm_messages = True  # so a command sent in private gets a polite "servers only"
    intents.message_content = True
    return intents


def setup_logging(level: str, settings: Settings | None = None) -> None:
    """Configure logging for the process: `LOG_FORMAT`'s format, the settings' secrets masked."""
    if settings is None:
        log_output.configure(level)
    else:
        secrets = log_output.secrets_of(settings.token, settings.database_url)
        log_output.configure(level, settings.log_format, secrets)
    logging.getLogger("discord.http").setLevel(logging.WARNING)


EXTENSIONS = (
    "events",
    "commands",
    "cogs.help",
    "cogs.owner",
    "cogs.errors",
    "cogs.admin",
    "cogs.charts",
    "cogs.privacy",
    "cogs.settings",
    "cogs.posts",
    "cogs.goals",
    "cogs.roles",
)
"""Loaded by name: importing `commands` directly would shadow `discord.ext.commands`."""


class BatePonto(commands.Bot):
    """The bot: settings, camera sessions and the store travel with it.

    This one holds one gateway connection (shard 0 of 1); `ShardedBatePonto`
    is the same bot on several shards.
    """

    def __init__(self, *, settings: Settings, sessions: VideoSessionManager) -> None:
        """Build the bot; the store is opened in `setup_hook`, off the event loop."""
        super().__init__(
            **self._connection_options(settings),
            command_prefix=commands.when_mentioned_or(settings.command_prefix),
            intents=build_intents(),
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
            case_insensitive=True,
            activity=discord.Activity(type=discord.ActivityType.watching, name="câmeras ligadas"),
        )
        self.settings = settings
        self.sessions = sessions
        sessions.zones_of = self.server_zones
        self.names = MemberNames()
        self._store: RankingStore | None = None
        self._closing: asyncio.Future[None] | None = None
        self._told_systemd_ready = False
        self.metrics = Metrics()
        self.metrics.watch(lambda: len(self.sessions.keys()), self._latencies)
        self._monitoring: MonitoringServer | None = None
        self.add_listener(self._command_ok, "on_command_completion")
        self.add_listener(self._command_failed, "on_command_error")

    @staticmethod
    def _connection_options(settings: Settings) -> dict[str, Any]:
        """Options for discord.py's client about the gateway connection(s): none here."""
        del settings
        return {}

    def owns(self, guild_id: int) -> bool:
        """Whether the server is on a shard this process owns (always, on one connection)."""
        del guild_id
        return True

    @property
    def store(self) -> RankingStore:
        """The ranking store (available once `open_store` ran)."""
        if self._store is None:
            raise RuntimeError("the store is opened in setup_hook")
        return self._store

    def server_zones(self, guild_id: int) -> tuple[ZoneSince, ...]:
        """A server's own time zones, as the store has them (none before it is open)."""
        if self._store is None:
            return ()
        return self._store.server_settings(guild_id).zones

    async def open_store(self) -> None:
        """Open the store off the event loop, unless it is open already.

        `python bot.py` calls it before logging in, so a data file that cannot be
        used is reported without any network; `setup_hook` calls it too, for a
        bot started some other way. A stop that arrives meanwhile closes it again.
        """
        if self._store is not None:
            return
        store = await asyncio.to_thread(open_store, self.settings)
        if self._closing is not None:  # a stop arrived while the store was opening
            await store.close()
            return
        self._store = store
        self.sessions.rules = store  # each server's counting rules and what its days hold
        store.hooks = self.metrics.store_hooks()
        log.info("Dados em %s", store_location(self.settings))

    async def setup_hook(self) -> None:
        """Open the store (if not open yet), load the extensions, serve health and metrics.

        Health and metrics are served only when `METRICS_PORT` is set.
        """
        await self.open_store()
        if self._closing is not None:
            return
        for name in EXTENSIONS:
            await self.load_extension(name)
        await self._start_monitoring()

    # ------------------------------------------------------------- monitoring

    async def _start_monitoring(self) -> None:
        port = self.settings.metrics_port
        if port is None or self._monitoring is not None:
            return
        self.metrics.start()
        server = MonitoringServer(
            self.metrics,
            self.shard_states,
            lambda: len(self.sessions.keys()),
            lambda: self.store.health(),
        )
        host = self.settings.metrics_host
        try:
            await server.start(host, port)
        except OSError as error:
            await self.metrics.stop()
            raise SettingsError(
                f"METRICS_PORT {port} não pôde ser aberta em {host} (já em uso?) / cannot "
                f"listen on {host}:{port}: {error.strerror or error}"
            ) from error
        self._monitoring = server

    async def _stop_monitoring(self) -> None:
        server, self._monitoring = self._monitoring, None
        if server is not None:
            await server.stop()
        await self.metrics.stop()

    def shard_states(self) -> list[Shard]:
        """The one gateway connection (shard 0): whether it is open, and its latency."""
        ws = self.ws
        connected = ws is not None and ws.open and not self.is_closed()
        return [Shard(0, connected, self.latency)]

    def _latencies(self) -> list[tuple[int, float]]:
        return [(shard.shard_id, shard.latency) for shard in self.shard_states()]

    async def _command_ok(self, ctx: commands.Context[Any]) -> None:
        del ctx
        self.metrics.command(ok=True)

    async def _command_failed(self, ctx: commands.Context[Any], error: Exception) -> None:
        del ctx, error
        self.metrics.command(ok=False)

    async def on_ready(self) -> None:
        """Log who we are and, the first time, tell systemd the bot is up.

        READY can arrive more than once; nothing here piles up. The store is open
        by then (`setup_hook` runs before the connection).
        """
        assert self.user is not None
        if not self._told_systemd_ready:
            self._told_systemd_ready = True
            notify("READY=1")
        log.info(
            "Bot conectado como %s (ID %s) em %s",
            self.user,
            self.user.id,
            plural(len(self.guilds), "servidor", "servidores"),
        )

    async def close(self) -> None:
        """Close every camera session, persist everything, then disconnect."""
        if self._closing is None:
            self._closing = asyncio.get_running_loop().create_future()
            try:
                await self._persist_and_close_store()
            finally:
                await self._stop_monitoring()
                self._closing.set_result(None)
                await super().close()
        else:
            await self._closing

    async def _persist_and_close_store(self) -> None:
        if self._store is None:
            return
        # Stop listening first: no session may start after the last ones are saved.
        await self.remove_cog("VoiceTracker")
        # Credited up to now but left open, like a crash at its best: a member still
        # on camera when the bot is back continues the same session.
        records = self.sessions.checkpoint()
        if records:
            self._store.commit(records)
        running = len(self.sessions.keys())
        if running:
            log.info(
                "Tempo de câmera salvo ao desligar (%s); quem ainda estiver com a câmera "
                "ligada na volta do bot continua a mesma sessão",
                plural(running, "sessão aberta", "sessões abertas"),
            )
        unidentified = len(self.sessions.unidentified())
        if unidentified:
            log.warning(
                "O Discord não deixou identificar quem está em %s; esse tempo não foi salvo",
                plural(unidentified, "sessão", "sessões"),
            )
        await self._store.close()


class ShardedBatePonto(BatePonto, commands.AutoShardedBot):
    """The bot on `SHARD_COUNT` shards, connecting those in `SHARD_IDS` (default: all).

    Without `SHARD_COUNT`, discord.py asks Discord how many shards to use (GET
    /gateway/bot) when it connects; the session manager learns the count then,
    before any shard connects (`launch_shard`). Still a `commands.Bot`; each
    shard's loss and reconcile are its own (see `events`).
    """

    _count_learned = False
    """Whether the shard count Discord recommended reached the session manager."""

    @staticmethod
    def _connection_options(settings: Settings) -> dict[str, Any]:
        """`shard_count` (None: Discord's recommendation), and `shard_ids` if only some."""
        options: dict[str, Any] = {"shard_count": settings.shard_count}
        if settings.shard_ids is not None:
            options["shard_ids"] = list(settings.shard_ids)
        return options

    async def launch_shard(
        self, gateway: yarl.URL, shard_id: int, *, initial: bool = False
    ) -> None:
        """Connect one shard; on the first, the session manager learns the shard count.

        discord.py calls this for each shard once the count is known (from the
        settings, or from Discord when `SHARD_COUNT` is unset), and again for a
        shard whose first connection failed.
        """
        count = self.shard_count
        if count is not None and self.settings.shard_count is None and not self._count_learned:
            self._count_learned = True
            self.sessions.shard_count = count
            log.info(
                "SHARD_COUNT não definido: o Discord recomenda %s, e este processo conecta todos",
                plural(count, "shard", "shards"),
            )
        await super().launch_shard(gateway, shard_id, initial=initial)

    def owns(self, guild_id: int) -> bool:
        """Whether the server is on one of the shards this process owns (`SHARD_IDS`)."""
        return self.shard_ids is None or self.sessions.shard_of(guild_id) in self.shard_ids

    def shard_states(self) -> list[Shard]:
        """Each shard this process connects: whether it is open, and its latency."""
        return [
            Shard(shard_id, not info.is_closed(), info.latency)
            for shard_id, info in sorted(self.shards.items())
        ]


def build_bot(settings: Settings) -> BatePonto:
    """The bot for `settings`: one connection with `SHARD_COUNT=1`, else auto-sharded.

    Unset, `SHARD_COUNT` is Discord's recommendation, asked for when connecting.
    """
    sessions = VideoSessionManager(SystemClock(), settings.timezone, settings.shard_count or 1)
    if settings.shard_count == 1:
        return BatePonto(settings=settings, sessions=sessions)
    return ShardedBatePonto(settings=settings, sessions=sessions)


def create_bot() -> BatePonto:
    """Build a ready-to-start bot from the current settings (no token, no network)."""
    return build_bot(load_settings())


EXIT_OK = 0
EXIT_FAILURE = 1
"""The bot could not run: no connection to Discord, data files unusable, unexpected error."""
EXIT_CONFIG = 2
"""The configuration must be fixed first (the systemd unit does not restart on this code)."""

# Console lines for whoever runs the bot (Portuguese / English); the token never goes in them.
NO_TOKEN = (
    "DISCORD_TOKEN não definido: coloque DISCORD_TOKEN=<token do bot> no arquivo .env ao lado "
    "de bot.py (veja .env.example) ou no ambiente / DISCORD_TOKEN is not set: put it in .env "
    "or in the environment"
)
PLACEHOLDER_TOKEN = (
    "DISCORD_TOKEN ainda tem o valor de exemplo: preencha DISCORD_TOKEN no .env com o token do "
    "bot (Developer Portal → Bot → Reset Token) / DISCORD_TOKEN still holds the example value: "
    "put the bot's token in .env"
)
BAD_SETTINGS = "Configuração inválida / invalid configuration: {error}"
TOKEN_REJECTED = (
    "O Discord recusou o DISCORD_TOKEN (token inválido): gere um novo token no Developer Portal "
    "e atualize o .env / Discord rejected DISCORD_TOKEN (invalid token)"
)
INTENT_MISSING = (
    "Ative o 'Message Content Intent' do bot no Discord Developer Portal "
    "/ enable the bot's Message Content intent in the Developer Portal"
)
NO_CONNECTION = "Sem conexão com o Discord / cannot reach Discord: {error}"
CONNECTION_CLOSED = "O Discord encerrou a conexão / Discord closed the connection: {error}"
DISCORD_ERROR = "O Discord respondeu com erro / Discord answered with an error: {error}"
FILE_ERROR = "Não foi possível usar os arquivos de dados / cannot use the data files: {error}"
UNEXPECTED = "Erro inesperado; o bot parou / unexpected error, the bot stopped"


def describe_failure(error: Exception) -> tuple[int, str] | None:
    """Exit code and one-line explanation of an expected way to fail; None if unexpected."""
    match error:
        case discord.LoginFailure() | discord.ConnectionClosed(code=4004):  # 4004: bad token
            return EXIT_CONFIG, TOKEN_REJECTED
        case discord.PrivilegedIntentsRequired():
            return EXIT_CONFIG, INTENT_MISSING
        case DataFileError():
            return EXIT_CONFIG, str(error)  # names the file, says what to do (PT / EN)
        case SettingsError():
            return EXIT_CONFIG, BAD_SETTINGS.format(error=error)
        case StoreLockedError() | DatabaseUnavailableError():
            return EXIT_FAILURE, str(error)
        case discord.ConnectionClosed():
            return EXIT_FAILURE, CONNECTION_CLOSED.format(error=error)
        case aiohttp.ClientConnectionError() | discord.GatewayNotFound() | TimeoutError():
            return EXIT_FAILURE, NO_CONNECTION.format(error=error)
        case discord.HTTPException():
            return EXIT_FAILURE, DISCORD_ERROR.format(error=error)
        case OSError():
            return EXIT_FAILURE, FILE_ERROR.format(error=error)
    return None


STOP_GRACE_SECONDS = 2.0
"""After a stop closed the bot, how long `bot.start()` may take to return before it is cancelled."""


async def start_until_closed(bot: BatePonto, token: str, closed: asyncio.Future[None]) -> None:
    """`bot.start()`, until it returns or, once `closed` is done, for a short grace.

    A closed bot makes `start()` return at once, unless discord.py is asleep
    before a reconnect attempt (minutes, in a long outage): then it is cancelled.
    """
    running = asyncio.create_task(bot.start(token, reconnect=True), name="discord-connection")
    try:
        await asyncio.wait({running, closed}, return_when=asyncio.FIRST_COMPLETED)
        if not running.done():
            await asyncio.wait({running}, timeout=STOP_GRACE_SECONDS)
    finally:
        if not running.done():
            running.cancel()
            await asyncio.wait({running})
    if not running.cancelled():
        running.result()


async def feed_watchdog(interval: float) -> None:
    """`WATCHDOG=1` to systemd every `interval` seconds, while the event loop turns."""
    while True:
        notify("WATCHDOG=1")
        await asyncio.sleep(interval)


async def run_bot(bot: BatePonto, token: str) -> int:
    """Run until Discord or a signal stops the bot; the process exit code.

    SIGTERM (`systemctl stop`, `kill`) and SIGINT (Ctrl+C) close the bot the
    normal way: every camera session ends and is saved, then the exit code is 0.
    Expected failures are logged as one line, never as a traceback. Under
    systemd (`$NOTIFY_SOCKET`), `WATCHDOG=1` goes out every half `WATCHDOG_USEC`
    from the start, and `STOPPING=1` when a stop begins.
    """
    loop = asyncio.get_running_loop()
    interval = watchdog_interval()
    watchdog = None if interval is None else loop.create_task(feed_watchdog(interval))
    closed: asyncio.Future[None] = loop.create_future()
    stopping: list[asyncio.Task[None]] = []

    async def stop() -> None:
        try:
            await bot.close()
        finally:
            closed.set_result(None)

    def request_stop(name: str) -> None:
        if stopping:
            log.info("%s recebido: o bot já está sendo encerrado", name)
            return
        log.info("%s recebido: encerrando as sessões e salvando os dados", name)
        notify("STOPPING=1")
        stopping.append(asyncio.create_task(stop(), name="graceful-stop"))

    signals = (signal.SIGTERM, signal.SIGINT)
    for sig in signals:
        # Not available on Windows, where Ctrl+C still closes the bot through `async with`.
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, request_stop, sig.name)
    try:
        async with bot:
            await bot.open_store()  # before any network: a bad data file fails here
            if not closed.done():
                await start_until_closed(bot, token, closed)
        for task in stopping:
            await task  # a failure to save surfaces here
    except Exception as error:
        failure = describe_failure(error)
        if failure is None:
            log.exception(UNEXPECTED)
            return EXIT_FAILURE
        log.error("%s", failure[1])
        return failure[0]
    finally:
        for sig in signals:
            with contextlib.suppress(NotImplementedError):
                loop.remove_signal_handler(sig)
        if watchdog is not None:
            watchdog.cancel()
    log.info("Bot encerrado; dados salvos em %s", store_location(bot.settings))
    return EXIT_OK


def main() -> int:
    """`python bot.py`: check the settings, configure logging, run; the exit code."""
    setup_logging("INFO")
    try:
        settings = load_settings()
    except SettingsError as error:
        log.error("%s", BAD_SETTINGS.format(error=error))
        return EXIT_CONFIG
    setup_logging(settings.log_level, settings)
    if not settings.token:
        log.error(NO_TOKEN)
        return EXIT_CONFIG
    if is_placeholder_token(settings.token):
        log.error(PLACEHOLDER_TOKEN)
        return EXIT_CONFIG
    # The bot reads voice states but never joins voice: the voice libraries are not needed.
    discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
    bot = build_bot(settings)
    return asyncio.run(run_bot(bot, settings.token))


if __name__ == "__main__":
    sys.exit(main())
