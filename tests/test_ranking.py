"""`!rankingvideo`: periods, pages, buttons, departed members, cooldown — through the real bot."""

from __future__ import annotations

import pytest
from discord.ext import commands

from tests.helpers import (
    advance_to_local,
    camera,
    description,
    on_camera_for,
    ranked,
    say,
    stop_bot,
    sync_commands,
)
from tracking.periods import Period
from ui import texts
from ui.converters import UsageError
from ui.names import NAME_CACHE_SECONDS
from ui.ranking import Placing, RankedMember, RankingPage, ranking_embed
from ui.views import VIEW_TIMEOUT_SECONDS

pytestmark = pytest.mark.both_stores

COOLDOWN = 5


def lines(message):
    """The ranking lines of a ranking message (without the position line)."""
    return [line for line in description(message).split("\n\n")[0].splitlines()]


def last_line(message):
    return description(message).splitlines()[-1]


def buttons(message):
    return {child.label: child for row in message.components for child in row.children}


@pytest.fixture
def no_checkpoints(data_file, monkeypatch):
    """Open sessions stay entirely uncredited: the ranking must add them itself.

    Request it before `world`, so the bot is built with this setting.
    """
    monkeypatch.setenv("CHECKPOINT_SECONDS", str(24 * 3600))  # the longest allowed


@pytest.fixture
def world(simcord_env):
    env = simcord_env
    guild = env.create_guild("Estudos")
    return env, guild, guild.create_voice_channel("Sala"), guild.create_text_channel("geral")


# ------------------------------------------------------------------ the embed (pure)


def test_embed_shows_server_name_and_icon():
    page = RankingPage([RankedMember(1, 7, "ana", 3665, 2)], page=1, pages=1, members=1)
    embed = ranking_embed(
        guild_name="Estudos",
        icon_url="https://cdn.discordapp.com/icons/1/abc.png",
        period=Period.TOTAL,
        ranking=page,
        placing=Placing(1, 3665),
        live=False,
    )
    assert embed.author.name == "Estudos"
    assert embed.author.icon_url == "https://cdn.discordapp.com/icons/1/abc.png"


def test_embed_line_has_position_escaped_name_time_and_sessions():
    page = RankingPage([RankedMember(3, 7, "*ana*_", 3665, 2)], page=1, pages=1, members=3)
    embed = ranking_embed(
        guild_name="Estudos",
        icon_url=None,
        period=Period.WEEK,
        ranking=page,
        placing=None,
        live=False,
    )
    assert embed.description.splitlines()[0] == "**3.** \\*ana\\*\\_ — 1h 1min 5s (2 sessões)"
    assert embed.title == "🏆 Ranking de câmera — esta semana"


def test_embed_ends_with_the_asking_members_position():
    page = RankingPage([RankedMember(1, 7, "ana", 90, 1)], page=1, pages=2, members=12)
    embed = ranking_embed(
        guild_name="Estudos",
        icon_url=None,
        period=Period.TOTAL,
        ranking=page,
        placing=Placing(12, 5),
        live=True,
    )
    assert embed.description.splitlines()[-1] == "Sua posição: #12 — 5s"
    assert embed.footer.text == (
        "Página 1/2 • 12 membros no ranking • 🔴 inclui sessões em andamento"
    )


# ------------------------------------------------------------------ through the bot


async def test_ranking_orders_members_by_camera_time(world):
    env, guild, voice, text = world
    ana, bia, caio = await ranked(env, guild, voice, {"ana": 125, "bia": 3725, "caio": 30})
    message = await say(ana, text, "!rankingvideo")
    assert lines(message) == [
        "**1.** bia — 1h 2min 5s (1 sessão)",
        "**2.** ana — 2min 5s (1 sessão)",
        "**3.** caio — 30s (1 sessão)",
    ]
    assert message.embeds[0].author.name == "Estudos"


async def test_ranking_counts_every_session_of_a_member(world):
    env, guild, voice, text = world
    ana = guild.add_member(env.create_user("ana"))
    await on_camera_for(env, guild, ana, voice, 60)
    await on_camera_for(env, guild, ana, voice, 40)
    message = await say(ana, text, "!rankingvideo")
    assert lines(message) == ["**1.** ana — 1min 40s (2 sessões)"]


async def test_ranking_escapes_markdown_in_member_names(world):
    env, guild, voice, text = world
    (ana,) = await ranked(env, guild, voice, {"ana": 60}, ana={"global_name": "*ana*"})
    message = await say(ana, text, "!rankingvideo")
    assert lines(message) == ["**1.** \\*ana\\* — 1min (1 sessão)"]


async def test_ranking_includes_the_session_running_now(no_checkpoints, world):
    env, guild, voice, text = world
    ana = guild.add_member(env.create_user("ana"))
    await camera(env, guild, ana, voice)
    await env.advance_time(95)
    message = await say(ana, text, "!rankingvideo")
    assert lines(message) == ["**1.** ana — 1min 35s (1 sessão)"]
    assert "inclui sessões em andamento" in message.embeds[0].footer.text


async def test_empty_ranking_gets_a_friendly_message_not_an_embed(world):
    env, guild, voice, text = world
    ana = guild.add_member(env.create_user("ana"))
    message = await say(ana, text, "!rankingvideo")
    assert message.embeds == []
    assert message.content == texts.RANKING_EMPTY.format(period="desde sempre")


async def test_ranking_shows_ten_members_per_page(world):
    env, guild, voice, text = world
    members = await ranked(env, guild, voice, {f"m{i:02}": 100 - i for i in range(12)})
    message = await say(members[0], text, "!rankingvideo")
    assert len(lines(message)) == 10
    assert message.embeds[0].footer.text.startswith("Página 1/2 • 12 membros no ranking")


async def test_page_number_alone_shows_that_page(world):
    env, guild, voice, text = world
    members = await ranked(env, guild, voice, {f"m{i:02}": 100 - i for i in range(12)})
    message = await say(members[0], text, "!rankingvideo 2")
    assert lines(message) == [
        "**11.** m10 — 1min 30s (1 sessão)",
        "**12.** m11 — 1min 29s (1 sessão)",
    ]


async def test_page_past_the_end_says_how_many_pages_there_are(world):
    env, guild, voice, text = world
    (ana,) = await ranked(env, guild, voice, {"ana": 60})
    message = await say(ana, text, "!rankingvideo total 3")
    assert message.content == "A página 3 está vazia: o ranking tem 1 página."


async def test_position_line_shows_the_asking_member_outside_the_page(world):
    env, guild, voice, text = world
    members = await ranked(env, guild, voice, {f"m{i:02}": 100 - i for i in range(12)})
    message = await say(members[11], text, "!rankingvideo")
    assert last_line(message) == "Sua posição: #12 — 1min 29s"


async def test_position_line_says_when_the_asking_member_is_not_ranked(world):
    env, guild, voice, text = world
    await ranked(env, guild, voice, {"ana": 60})
    bia = guild.add_member(env.create_user("bia"))
    message = await say(bia, text, "!rankingvideo")
    assert last_line(message) == texts.RANKING_NOT_RANKED


async def test_next_button_shows_the_next_page(world):
    env, guild, voice, text = world
    members = await ranked(env, guild, voice, {f"m{i:02}": 100 - i for i in range(12)})
    message = await say(members[0], text, "!rankingvideo")
    await members[0].click(message, label="▶")
    turned = text.last_message
    assert turned.id == message.id
    assert lines(turned)[0] == "**11.** m10 — 1min 30s (1 sessão)"
    assert buttons(turned)["▶"].disabled and not buttons(turned)["◀"].disabled


async def test_previous_button_goes_back(world):
    env, guild, voice, text = world
    members = await ranked(env, guild, voice, {f"m{i:02}": 100 - i for i in range(12)})
    message = await say(members[0], text, "!rankingvideo 2")
    await members[0].click(message, label="◀")
    assert lines(text.last_message)[0] == "**1.** m00 — 1min 40s (1 sessão)"


async def test_buttons_refuse_other_members_politely_and_privately(world):
    env, guild, voice, text = world
    members = await ranked(env, guild, voice, {f"m{i:02}": 100 - i for i in range(12)})
    message = await say(members[0], text, "!rankingvideo")
    result = await members[1].click(message, label="▶")
    assert result.response.ephemeral
    assert result.response.content == texts.VIEW_NOT_YOURS
    assert lines(text.last_message)[0].startswith("**1.** m00")


async def test_buttons_are_disabled_when_they_time_out(world):
    env, guild, voice, text = world
    members = await ranked(env, guild, voice, {f"m{i:02}": 100 - i for i in range(12)})
    message = await say(members[0], text, "!rankingvideo")
    await env.advance_time(VIEW_TIMEOUT_SECONDS + 1)
    shown = text.last_message
    assert shown.id == message.id
    assert all(button.disabled for button in buttons(shown).values())


async def test_a_single_page_has_no_buttons(world):
    env, guild, voice, text = world
    (ana,) = await ranked(env, guild, voice, {"ana": 60})
    message = await say(ana, text, "!rankingvideo")
    assert message.components == []


async def test_member_who_left_is_skipped_and_the_next_fills_the_list(world):
    env, guild, voice, text = world
    members = await ranked(env, guild, voice, {f"m{i:02}": 100 - i for i in range(11)})
    guild.remove_member(members[0])
    message = await say(members[1], text, "!rankingvideo")
    assert [line.split(" — ")[0] for line in lines(message)] == [
        f"**{i}.** m{i:02}" for i in range(1, 11)
    ]
    assert message.embeds[0].footer.text.startswith("Página 1/1 • 10 membros no ranking")


async def test_member_who_comes_back_reappears(world):
    env, guild, voice, text = world
    ana, bia = await ranked(env, guild, voice, {"ana": 90, "bia": 60})
    guild.remove_member(ana)
    assert lines(await say(bia, text, "!rankingvideo"))[0].startswith("**1.** bia")
    guild.add_member(ana.user)
    await env.advance_time(NAME_CACHE_SECONDS)
    assert lines(await say(bia, text, "!rankingvideo"))[0].startswith("**1.** ana")


async def test_member_who_comes_back_to_voice_reappears_at_once(world):
    env, guild, voice, text = world
    ana, bia = await ranked(env, guild, voice, {"ana": 90, "bia": 60})
    guild.remove_member(ana)
    assert lines(await say(bia, text, "!rankingvideo"))[0].startswith("**1.** bia")
    guild.add_member(ana.user)
    await ana.join_voice(voice)
    await env.advance_time(COOLDOWN)
    assert lines(await say(bia, text, "!rankingvideo"))[0].startswith("**1.** ana")


async def test_ranking_asks_discord_only_for_the_names_it_shows(world):
    env, guild, voice, text = world
    members = await ranked(env, guild, voice, {f"m{i:02}": 200 - i for i in range(40)})
    before = len(env.http_requests)
    await say(members[0], text, "!rankingvideo")
    lookups = [r for r in env.http_requests[before:] if "/members/" in r.path]
    assert 10 <= len(lookups) <= 20


async def test_bad_period_gets_the_correct_usage(world):
    env, guild, voice, text = world
    ana = guild.add_member(env.create_user("ana"))
    message = await say(ana, text, "!rankingvideo ontem")
    assert message.content == (
        "Não entendi o período (hoje, semana, mes, total ou sequencia): “ontem”. Uso correto: "
        "`!rankingvideo [hoje|semana|mes|total|sequencia] [página]`"
    )
    assert [type(e) for e in env.errors] == [UsageError]


async def test_ranking_in_private_messages_is_refused_politely(world):
    env, guild, voice, text = world
    ana = env.create_user("ana")
    guild.add_member(ana)
    await ana.send_dm("!rankingvideo")
    assert ana.dm_channel.last_message.content == texts.GUILD_ONLY
    assert [type(e) for e in env.errors] == [commands.NoPrivateMessage]


async def test_ranking_twice_in_a_row_asks_to_wait(world):
    env, guild, voice, text = world
    (ana,) = await ranked(env, guild, voice, {"ana": 60})
    await say(ana, text, "!rankingvideo")
    message = await say(ana, text, "!rankingvideo")
    assert message.content.startswith("Calma! ⏳ Você poderá usar este comando de novo em 5s")
    assert [type(e) for e in env.errors] == [commands.CommandOnCooldown]


async def test_ranking_works_again_after_the_cooldown(world):
    env, guild, voice, text = world
    (ana,) = await ranked(env, guild, voice, {"ana": 60})
    await say(ana, text, "!rankingvideo")
    await env.advance_time(COOLDOWN)
    message = await say(ana, text, "!rankingvideo")
    assert lines(message) == ["**1.** ana — 1min (1 sessão)"]


async def test_cooldown_is_per_member(world):
    env, guild, voice, text = world
    ana, bia = await ranked(env, guild, voice, {"ana": 60, "bia": 30})
    await say(ana, text, "!rankingvideo")
    message = await say(bia, text, "!rankingvideo")
    assert lines(message)[0] == "**1.** ana — 1min (1 sessão)"


async def test_slash_ranking_takes_a_period_and_a_page(world):
    env, guild, voice, text = world
    members = await ranked(env, guild, voice, {f"m{i:02}": 100 - i for i in range(12)})
    await sync_commands(env)
    result = await members[0].slash(text, "rankingvideo", periodo="hoje", pagina=2)
    embed = result.response.embeds[0]
    assert embed.title == "🏆 Ranking de câmera — hoje"
    assert embed.description.splitlines()[0] == "**11.** m10 — 1min 30s (1 sessão)"


async def test_slash_ranking_buttons_turn_the_page(world):
    env, guild, voice, text = world
    members = await ranked(env, guild, voice, {f"m{i:02}": 100 - i for i in range(12)})
    await sync_commands(env)
    result = await members[0].slash(text, "rankingvideo")
    await members[0].click(result.response, label="▶")
    assert result.response.embeds[0].description.startswith("**11.** m10")


# ------------------------------------------------------------------ periods


async def test_today_counts_only_the_time_after_local_midnight(world):
    env, guild, voice, text = world
    ana = guild.add_member(env.create_user("ana"))
    await advance_to_local(env, 2025, 12, 31, 23, 0)
    await on_camera_for(env, guild, ana, voice, 2 * 3600)  # until 01:00 on Jan 1st
    message = await say(ana, text, "!rankingvideo hoje")
    assert lines(message) == ["**1.** ana — 1h (0 sessões)"]


async def test_total_counts_the_whole_session_across_midnight(world):
    env, guild, voice, text = world
    ana = guild.add_member(env.create_user("ana"))
    await advance_to_local(env, 2025, 12, 31, 23, 0)
    await on_camera_for(env, guild, ana, voice, 2 * 3600)
    message = await say(ana, text, "!rankingvideo total")
    assert lines(message) == ["**1.** ana — 2h (1 sessão)"]


async def test_month_starts_on_the_first_local_day(world):
    env, guild, voice, text = world
    ana = guild.add_member(env.create_user("ana"))
    await advance_to_local(env, 2025, 12, 31, 23, 0)
    await on_camera_for(env, guild, ana, voice, 2 * 3600)
    message = await say(ana, text, "!rankingvideo mes")
    assert lines(message) == ["**1.** ana — 1h (0 sessões)"]


async def test_week_starts_on_monday(world):
    env, guild, voice, text = world
    ana = guild.add_member(env.create_user("ana"))
    bia = guild.add_member(env.create_user("bia"))
    await advance_to_local(env, 2026, 1, 4, 23, 0)  # Sunday night
    await on_camera_for(env, guild, ana, voice, 1800)
    await advance_to_local(env, 2026, 1, 5, 0, 10)  # Monday
    await on_camera_for(env, guild, bia, voice, 600)
    message = await say(bia, text, "!rankingvideo semana")
    assert lines(message) == ["**1.** bia — 10min (1 sessão)"]


async def test_week_keeps_earlier_days_of_the_same_week(world):
    env, guild, voice, text = world
    ana = guild.add_member(env.create_user("ana"))
    await advance_to_local(env, 2026, 1, 5, 10, 0)  # Monday
    await on_camera_for(env, guild, ana, voice, 600)
    await advance_to_local(env, 2026, 1, 11, 22, 0)  # Sunday of the same week
    message = await say(ana, text, "!rankingvideo semana")
    assert lines(message) == ["**1.** ana — 10min (1 sessão)"]


async def test_previous_days_are_not_today(world):
    env, guild, voice, text = world
    ana = guild.add_member(env.create_user("ana"))
    await on_camera_for(env, guild, ana, voice, 600)  # Dec 31st, 21:00
    await advance_to_local(env, 2026, 1, 1, 9, 0)
    message = await say(ana, text, "!rankingvideo hoje")
    assert message.content == texts.RANKING_EMPTY.format(period="hoje")


async def test_live_session_counts_only_its_part_in_today(no_checkpoints, world):
    env, guild, voice, text = world
    ana = guild.add_member(env.create_user("ana"))
    await advance_to_local(env, 2025, 12, 31, 23, 30)
    await camera(env, guild, ana, voice)
    await env.advance_time(3600)  # 00:30 on Jan 1st, still on camera
    today = await say(ana, text, "!rankingvideo hoje")
    await env.advance_time(COOLDOWN)
    week = await say(ana, text, "!rankingvideo semana")
    assert lines(today) == ["**1.** ana — 30min (0 sessões)"]
    assert lines(week) == ["**1.** ana — 1h 5s (1 sessão)"]


async def test_ranking_survives_a_restart(world, data_file):
    from bot import create_bot

    env, guild, voice, text = world
    (ana,) = await ranked(env, guild, voice, {"ana": 75})
    await stop_bot(env)
    await env.restart_bot(create_bot())
    message = await say(ana, text, "!rankingvideo")
    assert lines(message) == ["**1.** ana — 1min 15s (1 sessão)"]
