"""`!ajuda` and the owner's `!sync`, through the real bot."""

from __future__ import annotations

import pytest
from discord.ext import commands

from cogs.help import HelpEntry, catalogue, help_embed, help_line
from tests.helpers import say, sync_commands
from ui import texts

FIXED_NAMES = (
    "rankingvideo",
    "meutempo",
    "ajuda",
    "resetvideo",
    "ajustarvideo",
    "exportvideo",
    "auditoriavideo",
    "graficovideo",
    "configvideo",
    "sync",
)


def help_text(embed):
    return "\n".join([embed.description or ""] + [field.value for field in embed.fields])


@pytest.fixture
def question_prefix(data_file, monkeypatch):
    """COMMAND_PREFIX=? (request it before `simcord_env`, so the bot is built with it)."""
    monkeypatch.setenv("COMMAND_PREFIX", "?")


@pytest.fixture
def world(simcord_env):
    env = simcord_env
    guild = env.create_guild("Estudos")
    text = guild.create_text_channel("geral")
    return env, guild, text, guild.add_member(env.create_user("ana"))


# ------------------------------------------------------------------ from the commands


def loaded(env):
    """The bot's commands as `!ajuda` receives them (once per name and alias)."""
    return env.bot.all_commands.values()


def test_help_gives_an_example_of_every_command(world):
    env, guild, text, ana = world
    shown = help_text(help_embed("!", loaded(env)))
    for name in FIXED_NAMES:
        assert f"`!{name}" in shown
    assert shown.count("Ex.: `!") == len(FIXED_NAMES)


def test_help_lists_the_adjustments_of_configvideo_with_their_arguments(world):
    env, guild, text, ana = world
    shown = help_text(help_embed("!", loaded(env)))
    assert "`sequencia <duração>`" in shown
    assert "`postagem <#canal> <semanal|mensal|desligada>`" in shown


def test_help_fields_fit_discord_limits(world):
    env, guild, text, ana = world
    embed = help_embed("bate-ponto!", loaded(env))
    assert all(len(field.value) <= 1024 for field in embed.fields)
    assert len(embed) <= 6000


def test_help_sections_follow_who_may_use_each_command(world):
    env, guild, text, ana = world
    fields = {field.name: field.value for field in help_embed("!", loaded(env)).fields}
    assert "`!rankingvideo" in fields[texts.HELP_SECTION_MEMBERS]
    assert "`!ajustarvideo" in fields[texts.HELP_SECTION_ADMINS]
    assert "`!resetvideo" not in fields[texts.HELP_SECTION_MEMBERS]
    assert fields[texts.HELP_SECTION_OWNER].startswith("`!sync`")


def test_help_shows_a_command_by_its_own_usage_brief_and_example():
    @commands.command(name="teste", usage="<algo>", brief="Faz algo.", extras={"example": "isto"})
    async def teste(ctx):
        """Not shown: the brief is."""

    assert help_line("!", "teste", catalogue([teste])["teste"]) == (
        "`!teste <algo>`\nFaz algo.\nEx.: `!teste isto`"
    )


def test_a_command_without_help_metadata_is_listed_from_its_signature():
    @commands.command(name="extra", description="Faz outra coisa")
    async def extra(ctx, quantos: int):
        pass

    assert catalogue([extra, extra]) == {"extra": HelpEntry("<quantos>", "Faz outra coisa")}


# ------------------------------------------------------------------ through the bot


async def test_help_lists_every_loaded_command(world):
    env, guild, text, ana = world
    shown = help_text((await say(ana, text, "!ajuda")).embeds[0])
    loaded = {command.name for command in env.bot.commands}
    assert {"rankingvideo", "meutempo", "ajuda", "sync"} <= loaded
    for name in loaded | set(FIXED_NAMES):
        assert f"`!{name}" in shown, name


async def test_help_shows_examples_with_the_configured_prefix(question_prefix, simcord_env):
    env = simcord_env
    guild = env.create_guild("Estudos")
    text = guild.create_text_channel("geral")
    ana = guild.add_member(env.create_user("ana"))
    shown = help_text((await say(ana, text, "?ajuda")).embeds[0])
    assert "Ex.: `?rankingvideo semana 2`" in shown
    assert "`!rankingvideo" not in shown


async def test_help_works_in_private_messages(world):
    env, guild, text, ana = world
    await ana.user.send_dm("!ajuda")
    assert ana.user.dm_channel.last_message.embeds[0].title == texts.HELP_TITLE


async def test_slash_help(world):
    env, guild, text, ana = world
    await sync_commands(env)
    result = await ana.slash(text, "ajuda")
    assert "`!meutempo [@membro]`" in help_text(result.response.embeds[0])


# ------------------------------------------------------------------ !sync


async def test_slash_commands_are_not_registered_on_start(world):
    env, guild, text, ana = world
    assert ana.available_commands(text) == ()


async def test_sync_by_the_owner_registers_the_slash_commands(world):
    env, guild, text, ana = world
    env.bot.owner_id = ana.id
    message = await say(ana, text, "!sync")
    registered = ana.available_commands(text)
    assert {"rankingvideo", "meutempo", "ajuda", "sync"} <= set(registered)
    assert message.content == texts.SYNC_DONE.format(count=len(env.bot.tree.get_commands()))


async def test_sync_by_anyone_else_is_refused_politely(world):
    env, guild, text, ana = world
    message = await say(ana, text, "!sync")
    assert message.content == texts.OWNER_ONLY
    assert ana.available_commands(text) == ()
    assert [type(e) for e in env.errors] == [commands.NotOwner]


async def test_sync_with_extra_words_is_refused_and_registers_nothing(world):
    env, guild, text, ana = world
    env.bot.owner_id = ana.id
    message = await say(ana, text, "!sync agora")
    assert message.content == (
        "Não sei o que fazer com “agora” no fim do comando. Uso correto: `!sync`"
    )
    assert ana.available_commands(text) == ()
    assert [type(e) for e in env.errors] == [commands.TooManyArguments]


async def test_slash_sync_by_the_owner(world):
    env, guild, text, ana = world
    env.bot.owner_id = ana.id
    await sync_commands(env)
    result = await ana.slash(text, "sync")
    assert result.response.ephemeral
    assert result.response.content.startswith("✅")


async def test_help_shows_each_command_as_its_usage_line_does(world):
    env, guild, text, ana = world
    shown = help_text((await say(ana, text, "!ajuda")).embeds[0])
    for command in env.bot.commands:
        assert f"`!{command.name} {command.signature}`".replace(" `", "`") in shown, command.name
