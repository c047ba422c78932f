"""A stand-in Discord for tests that start `python bot.py` as a real process.

A test puts this folder first on PYTHONPATH; Python imports `sitecustomize` at
start-up, before `bot.py` runs. Nothing changes unless these variables ask:

- `STANDIN_IGNORE_DOTENV=1`: `.env` files read as empty, so a developer's
  `.env` never leaks into a test (the environment still applies).
- `STANDIN_API_BASE=<url>`: Discord's REST base URL. discord.py's real HTTP
  stack then talks to a local server (or to a closed port: no network).
- `STANDIN_GATEWAY=<url>`: the gateway's websocket URL (a closed port: an outage
  that starts right after login).
- `STANDIN_RECONNECT_DELAY=<seconds>`: every wait discord.py makes before a
  reconnect attempt (its real backoff grows to minutes in a long outage).
- `STANDIN_SIMCORD=<seconds>`: `Client.start` attaches simcord instead of
  connecting. Its guild has one member on camera from the start; after
  `<seconds>` of virtual time the line `STANDIN READY guild=<id> member=<id>`
  goes to stderr, and the bot then runs until it is closed (e.g. by a signal).
  Signal handlers run in simcord's bot scope, as Discord work would, so what
  they start reads the virtual clock. A sharded bot (`SHARD_COUNT`,
  `SHARD_IDS`) gets a simcord sharded the same way and one such guild on each
  shard it connects; the line then reads `STANDIN READY guild.<shard>=<id>
  member.<shard>=<id> ...`. The ids depend only on the shards, so a restarted
  process finds the same servers and members again.
- `STANDIN_STEP=<seconds>` (with `STANDIN_SIMCORD`): each SIGUSR1 after READY
  moves the virtual clock on by `<seconds>`, then `STANDIN ADVANCED <total>`
  (virtual seconds since the start) goes to stderr.

- `STANDIN_LEAK_TOKEN=1`: `Client.start` fails with an unexpected error whose
  message holds the token, as a careless library might (the bot logs it with
  its traceback; the token must come out masked).

Bot errors simcord captured are printed to stderr as tracebacks.
"""

from __future__ import annotations

import os


def _ignore_dotenv() -> None:
    import dotenv

    dotenv.dotenv_values = lambda *args, **kwargs: {}


def _redirect_api(base: str) -> None:
    import discord.http

    discord.http.Route.BASE = base


def _redirect_gateway(url: str) -> None:
    import yarl
    from discord.gateway import DiscordWebSocket

    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)


def _fix_reconnect_delay(seconds: float) -> None:
    from discord.backoff import ExponentialBackoff

    ExponentialBackoff.delay = lambda self: seconds


def _attach_simcord(seconds: float) -> None:
    import asyncio
    import signal
    import sys
    import traceback
    from asyncio import unix_events

    import discord
    import simcord

    running: list[simcord.Env] = []
    loop_class = unix_events._UnixSelectorEventLoop
    add_signal_handler = loop_class.add_signal_handler

    def scoped_add_signal_handler(loop, sig, callback, *args):
        def in_bot_scope(*call_args):
            if not running:
                return callback(*call_args)
            with running[0]._bot_scope():
                return callback(*call_args)

        return add_signal_handler(loop, sig, in_bot_scope, *args)

    def say(line: str) -> None:
        sys.stderr.write(line + "\n")
        sys.stderr.flush()

    async def start(bot: discord.Client, token: str, *, reconnect: bool = True) -> None:
        env = simcord.Env(bot)  # sharded as the bot is (simcord reads its shard settings)
        sharded = isinstance(bot, discord.AutoShardedClient)
        ids: list[str] = []
        for shard_id in _connected_shards(bot) if sharded else [None]:
            suffix = "" if shard_id is None else f".{shard_id}"
            guild = env.create_guild(f"Estudos{suffix}", shard_id=shard_id)
            voice = guild.create_voice_channel("Sala")
            member = guild.add_member(env.create_user(f"ana{suffix}"))
            env.backend.set_voice_state(guild.id, member.id, voice.id, self_video=True)
            ids += [f"guild{suffix}={guild.id}", f"member{suffix}={member.id}"]
        await env.start()
        running.append(env)
        steps: list[int] = []
        step = float(os.environ.get("STANDIN_STEP", "0"))
        if step:
            asyncio.get_running_loop().add_signal_handler(signal.SIGUSR1, steps.append, 1)
        try:
            await env.advance_time(seconds)
            elapsed = seconds
            say(f"STANDIN READY {' '.join(ids)}")
            while not bot.is_closed():
                if steps:
                    steps.pop()
                    await env.advance_time(step)
                    elapsed += step
                    say(f"STANDIN ADVANCED {elapsed:g}")
                else:
                    await asyncio.sleep(0.02)
            await env.settle()
        finally:
            running.clear()
            await env.shutdown()
            for error in env.errors:
                traceback.print_exception(error)

    loop_class.add_signal_handler = scoped_add_signal_handler
    discord.Client.start = start


def _connected_shards(bot) -> list[int]:
    """The shards a sharded bot connects: its `shard_ids`, else all of its `shard_count`."""
    return list(bot.shard_ids) if bot.shard_ids is not None else list(range(bot.shard_count))


def _leak_token() -> None:
    import discord

    async def start(bot: discord.Client, token: str, *, reconnect: bool = True) -> None:
        raise RuntimeError(f"login failed for token {token}")

    discord.Client.start = start


if os.environ.get("STANDIN_IGNORE_DOTENV"):
    _ignore_dotenv()
if os.environ.get("STANDIN_API_BASE"):
    _redirect_api(os.environ["STANDIN_API_BASE"])
if os.environ.get("STANDIN_GATEWAY"):
    _redirect_gateway(os.environ["STANDIN_GATEWAY"])
if os.environ.get("STANDIN_RECONNECT_DELAY"):
    _fix_reconnect_delay(float(os.environ["STANDIN_RECONNECT_DELAY"]))
if os.environ.get("STANDIN_SIMCORD"):
    _attach_simcord(float(os.environ["STANDIN_SIMCORD"]))
if os.environ.get("STANDIN_LEAK_TOKEN"):
    _leak_token()
