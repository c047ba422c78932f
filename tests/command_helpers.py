"""Helpers for driving member commands through simcord: camera time, messages, slash sync."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

SAO_PAULO = ZoneInfo("America/Sao_Paulo")

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
"""simcord's virtual clock starts here (2025-12-31 21:00 in Sao Paulo, a Wednesday)."""


async def camera(env, guild, member, channel, on=True):
    """Put `member` in `channel` with the camera on (or off), as one VOICE_STATE_UPDATE."""
    env.backend.set_voice_state(guild.id, member.id, channel.id, self_video=on)
    await env.settle()


async def on_camera_for(env, guild, member, channel, seconds):
    """One camera session of `seconds`, after which the member leaves voice."""
    await camera(env, guild, member, channel)
    await env.advance_time(seconds)
    await member.leave_voice()


async def ranked(env, guild, channel, seconds_by_name, **user_options):
    """Members with one session each of the given seconds, all on camera from now on.

    Cameras go on together and off one by one, shortest first, so the test pays
    for the longest session only. Returns the members in the order given.
    """
    members = [
        guild.add_member(env.create_user(name, **user_options.get(name, {})))
        for name in seconds_by_name
    ]
    for member in members:
        await camera(env, guild, member, channel)
    elapsed = 0
    for seconds, member in sorted(zip(seconds_by_name.values(), members, strict=True)):
        await env.advance_time(seconds - elapsed)
        elapsed = seconds
        await member.leave_voice()
    return members


async def advance_to_local(env, year, month, day, hour=0, minute=0):
    """Move the virtual clock to a Sao Paulo wall-clock time (it only moves forward)."""
    target = datetime(year, month, day, hour, minute, tzinfo=SAO_PAULO)
    seconds = (target - env.now()).total_seconds()
    assert seconds >= 0, "the clock only moves forward"
    await env.advance_time(seconds)


async def say(member, channel, content):
    """Send a message as `member`; the bot's latest message in the channel."""
    await member.send(channel, content)
    return channel.last_message


def description(message):
    """The description of a message's first embed."""
    assert message.embeds, f"no embed in {message.content!r}"
    return message.embeds[0].description


async def sync_commands(env):
    """Register the slash commands, as the owner's `!sync` does."""
    with env._bot_scope():
        await env.bot.tree.sync()
