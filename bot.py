"""Bate-Ponto: the entry point (`python bot.py`), the bot subclass and its wiring."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

import aiohttp
import discord
from discord.ext import commands

from config import Settings, SettingsError, build_intents, load_settings, setup_logging
from database import Store, StoreLockedError
from events import SystemClock, VideoSessionManager

log = logging.getLogger("bate-ponto")

EXTENSIONS = ("events", "commands", "errors")
"""Loaded by name: importing `commands` directly would shadow `discord.ext.commands`."""


class BatePonto(commands.Bot):
    """The bot: settings, camera sessions and the store travel with it."""

    def __init__(self, *, settings: Settings, sessions: VideoSessionManager) -> None:
        """Build the bot; the store is opened in `setup_hook`, off the event loop."""
        super().__init__(
            command_prefix=commands.when_mentioned_or(settings.command_prefix),
            intents=build_intents(),
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
            activity=discord.Activity(type=discord.ActivityType.watching, name="câmeras ligadas"),
        )
        self.settings = settings
        self.sessions = sessions
        self._store: Store | None = None
        self._closing: asyncio.Future[None] | None = None

    @property
    def store(self) -> Store:
        """The ranking store (available once `setup_hook` ran)."""
        if self._store is None:
            raise RuntimeError("the store is opened in setup_hook")
        return self._store

    async def setup_hook(self) -> None:
        """Open the store, then load the feature extensions."""
        self._store = await asyncio.to_thread(Store.open, self.settings.data_file)
        log.info("Dados em %s", self.settings.data_file)
        for name in EXTENSIONS:
            await self.load_extension(name)

    async def on_ready(self) -> None:
        """Log who we are (READY can arrive more than once; nothing here piles up)."""
        assert self.user is not None
        log.info(
            "Bot conectado como %s (ID %s) em %d servidor(es)",
            self.user,
            self.user.id,
            len(self.guilds),
        )

    async def close(self) -> None:
        """Close every camera session, persist everything, then disconnect."""
        if self._closing is None:
            self._closing = asyncio.get_running_loop().create_future()
            try:
                await self._persist_and_close_store()
            finally:
                self._closing.set_result(None)
                await super().close()
        else:
            await self._closing

    async def _persist_and_close_store(self) -> None:
        if self._store is None:
            return
        records = self.sessions.end_all()
        if records:
            self._store.commit(records)
            log.info("%d sessão(ões) de câmera encerrada(s) ao desligar", len(records))
        await self._store.close()


def create_bot() -> BatePonto:
    """Build a ready-to-start bot from the current settings (no token, no network)."""
    settings = load_settings()
    return BatePonto(
        settings=settings, sessions=VideoSessionManager(SystemClock(), settings.timezone)
    )


async def run_bot(bot: BatePonto, token: str) -> int:
    """Run until Discord or a signal stops the bot; the process exit code."""
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()

    def request_stop(name: str) -> None:
        log.info("%s recebido: encerrando as sessões e salvando os dados", name)
        stopping.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, request_stop, sig.name)

    async def stop_on_signal() -> None:
        await stopping.wait()
        await bot.close()

    stopper = asyncio.create_task(stop_on_signal())
    try:
        async with bot:
            await bot.start(token, reconnect=True)
    except discord.LoginFailure:
        log.error("Token inválido: confira DISCORD_TOKEN no .env / invalid DISCORD_TOKEN")
        return 1
    except discord.PrivilegedIntentsRequired:
        log.error(
            "Ative o 'Message Content Intent' do bot no Discord Developer Portal "
            "/ enable the Message Content intent in the Developer Portal"
        )
        return 1
    except StoreLockedError as error:
        log.error("%s", error)
        return 1
    except (aiohttp.ClientConnectionError, OSError) as error:
        log.error("Sem conexão com o Discord / cannot reach Discord: %s", error)
        return 1
    finally:
        stopper.cancel()
    return 0


def main() -> int:
    """`python bot.py`: check the settings, configure logging, run."""
    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"Erro de configuração / configuration error: {error}", file=sys.stderr)  # noqa: T201
        return 2
    setup_logging(settings.log_level)
    if not settings.token:
        print(  # noqa: T201
            "DISCORD_TOKEN não definido: coloque DISCORD_TOKEN=<token do bot> no arquivo .env "
            "(veja .env.example) / DISCORD_TOKEN is not set: add it to .env",
            file=sys.stderr,
        )
        return 2
    bot = BatePonto(
        settings=settings, sessions=VideoSessionManager(SystemClock(), settings.timezone)
    )
    return asyncio.run(run_bot(bot, settings.token))


if __name__ == "__main__":
    sys.exit(main())
