"""How every command reads its arguments, through the real bot: usage lines, members, bots."""

from __future__ import annotations

import json

import pytest
from discord.ext import commands

from cogs.errors import is_expected, reply_for
from tests.helpers import (
    EPOCH,
    SIMCORD,
    Server,
    description,
    ranked,
    say,
    seconds_of,
    stop_bot,
    sync_commands,
)
from ui import texts
from ui.converters import BotTarget, UsageError, parse_duration

pytestmark = SIMCORD


@pytest.fixture
async def server(simcord_env):
    return Server(simcord_env)


@pytest.fixture
def bot_member(simcord_env, server):
    return server.guild.add_member(simcord_env.create_user("Robô", bot=True))


def audit_path(data_file):
    return data_file.with_name("video_ranking.audit.jsonl")


def audit_entries(data_file):
    path = audit_path(data_file)
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def error_types(env):
    return [type(e) for e in env.errors]


# ------------------------------------------------------------ durations (pure)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("+1h30min", 5400),
        ("+1h 30min", 5400),
        ("1h30", 5400),
        ("1,5h", 5400),
        ("1.5h", 5400),
        ("90min", 5400),
        ("-20min", -1200),
        ("45s", 45),
        ("+ 1 h 30 min", 5400),
        ("2H 5M 10S", 7510),
        ("+2m", 120),
    ],
)
def test_durations_are_read_with_their_sign(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    "text", ["", "+", "h", "+-1h", "1h 30", "30min 1h", "1h75", "²h", "1e3s", "uma hora"]
)
def test_unreadable_durations_are_refused(text):
    assert parse_duration(text) is None


# ------------------------------------------------------------ !ajustarvideo


async def test_adjust_reads_a_duration_of_several_words_before_the_reason(
    simcord_env, server, data_file
):
    await server.admin.send(
        server.text, f"!ajustarvideo {server.ana.mention} +1h 30min esqueceu a câmera"
    )
    assert seconds_of(simcord_env, server.guild, server.ana) == 5400
    (entry,) = audit_entries(data_file)
    assert entry["reason"] == "esqueceu a câmera"


@pytest.mark.parametrize("duration", ["1h30", "1,5h", "90min", "+ 1 h 30 min"])
async def test_adjust_reads_every_way_of_writing_ninety_minutes(simcord_env, server, duration):
    await server.admin.send(server.text, f"!ajustarvideo {server.ana.mention} {duration} bônus")
    assert server.text.last_message.content == texts.ADJUST_ADDED.format(
        time="1h 30min", name="ana", total="1h 30min"
    )


async def test_slash_adjust_takes_a_duration_with_spaces(simcord_env, server):
    await sync_commands(simcord_env)
    await server.admin.slash(
        server.text, "ajustarvideo", membro=server.ana, quantidade="1h 30min", motivo="bônus"
    )
    assert seconds_of(simcord_env, server.guild, server.ana) == 5400


async def test_adjust_over_the_limit_says_what_the_limit_is(simcord_env, server, data_file):
    await server.admin.send(server.text, f"!ajustarvideo {server.ana.mention} +20000h demais")
    assert server.text.last_message.content == (
        "A duração “+20000h” passa do limite de 10000h por ajuste. "
        "Uso correto: `!ajustarvideo <@membro> <+1h30min|-20min> <motivo>`"
    )
    assert error_types(simcord_env) == [UsageError]
    assert audit_entries(data_file) == []


async def test_adjust_of_zero_says_it_changes_nothing(simcord_env, server, data_file):
    await server.admin.send(server.text, f"!ajustarvideo {server.ana.mention} 0min nada")
    assert server.text.last_message.content.startswith(texts.ADJUST_ZERO)
    assert error_types(simcord_env) == [UsageError]
    assert audit_entries(data_file) == []


async def test_adjust_without_a_reason_says_the_reason_is_missing(simcord_env, server, data_file):
    await server.admin.send(server.text, f"!ajustarvideo {server.ana.mention} +1h 30min")
    assert server.text.last_message.content == (
        "Faltou o motivo. Uso correto: `!ajustarvideo <@membro> <+1h30min|-20min> <motivo>`"
    )
    assert error_types(simcord_env) == [commands.MissingRequiredArgument]
    assert audit_entries(data_file) == []


async def test_adjust_of_someone_not_found_names_the_member(simcord_env, server):
    await server.admin.send(server.text, "!ajustarvideo ninguém +1h bônus")
    assert server.text.last_message.content.startswith(
        "Não encontrei o membro “ninguém” neste servidor. Uso correto: `!ajustarvideo"
    )
    assert error_types(simcord_env) == [commands.UserNotFound]


# ------------------------------------------------------------ bots


async def test_adjusting_a_bot_is_refused_and_nothing_is_audited(
    simcord_env, server, bot_member, data_file
):
    await server.admin.send(server.text, f"!ajustarvideo {bot_member.mention} +1h teste")
    assert server.text.last_message.content == texts.BOT_NOT_COUNTED.format(name="Robô")
    assert error_types(simcord_env) == [BotTarget]
    assert seconds_of(simcord_env, server.guild, bot_member) == 0
    await stop_bot(simcord_env)
    assert audit_entries(data_file) == []
    assert not data_file.exists() or str(bot_member.id) not in json.loads(
        data_file.read_text(encoding="utf-8")
    )


async def test_slash_adjusting_a_bot_is_refused(simcord_env, server, bot_member, data_file):
    await sync_commands(simcord_env)
    result = await server.admin.slash(
        server.text, "ajustarvideo", membro=bot_member, quantidade="+1h", motivo="teste"
    )
    assert result.response.content == texts.BOT_NOT_COUNTED.format(name="Robô")
    assert audit_entries(data_file) == []
    assert error_types(simcord_env) == [BotTarget]


async def test_resetting_a_bot_is_refused_without_asking_to_confirm(
    simcord_env, server, bot_member, data_file
):
    await server.admin.send(server.text, f"!resetvideo {bot_member.mention} teste")
    message = server.text.last_message
    assert message.content == texts.BOT_NOT_COUNTED.format(name="Robô")
    assert not message.components
    assert error_types(simcord_env) == [BotTarget]
    assert audit_entries(data_file) == []


async def test_chart_of_a_bot_is_refused(simcord_env, server, bot_member):
    await server.ana.send(server.text, f"!graficovideo {bot_member.mention}")
    message = server.text.last_message
    assert message.content == texts.BOT_NOT_COUNTED.format(name="Robô")
    assert not message.attachments
    assert error_types(simcord_env) == [BotTarget]


async def test_meutempo_of_a_bot_is_refused(simcord_env, server, bot_member):
    await server.ana.send(server.text, f"!meutempo {bot_member.mention}")
    assert server.text.last_message.content == texts.BOT_NOT_COUNTED.format(name="Robô")
    assert error_types(simcord_env) == [BotTarget]


async def test_slash_meutempo_of_a_bot_is_refused(simcord_env, server, bot_member):
    await sync_commands(simcord_env)
    result = await server.ana.slash(server.text, "meutempo", membro=bot_member)
    assert result.response.content == texts.BOT_NOT_COUNTED.format(name="Robô")
    assert error_types(simcord_env) == [BotTarget]


# ------------------------------------------------------------ members not found


async def test_meutempo_of_someone_not_found_names_the_member(simcord_env, server):
    await server.ana.send(server.text, "!meutempo ninguém")
    assert server.text.last_message.content == (
        "Não encontrei o membro “ninguém” neste servidor. Uso correto: `!meutempo [@membro]`"
    )
    assert error_types(simcord_env) == [commands.MemberNotFound]


async def test_chart_of_someone_not_found_names_the_member(simcord_env, server):
    await server.ana.send(server.text, "!graficovideo ninguém 7")
    assert server.text.last_message.content.startswith("Não encontrei o membro “ninguém”")
    assert error_types(simcord_env) == [commands.UserNotFound]


async def test_chart_takes_a_number_alone_as_the_days(simcord_env, server):
    await server.session(server.ana, 30)
    await server.ana.send(server.text, "!graficovideo 3")
    assert "nos últimos 3 dias" in server.text.last_message.content


async def test_chart_of_one_day_says_today(simcord_env, server):
    await server.session(server.ana, 30)
    await server.ana.send(server.text, f"!graficovideo {server.ana.mention} 1")
    assert server.text.last_message.content == (
        "📊 Horas de câmera por dia de **ana** hoje: 30s no total."
    )


# ------------------------------------------------------------ !rankingvideo


@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        ("²", "Não entendi a página: “²”."),
        ("semana 2,5", "Não entendi a página: “2,5”."),
        ("total 1e3", "Não entendi a página: “1e3”."),
        ("hoje dois", "Não entendi a página: “dois”."),
        ("semana 0", "Fora do limite: a página precisa ser no mínimo 1 (você pediu “0”)."),
    ],
)
async def test_ranking_arguments_it_cannot_read_get_the_usage_line(
    simcord_env, server, arguments, problem
):
    await server.ana.send(server.text, f"!rankingvideo {arguments}")
    assert server.text.last_message.content == (
        f"{problem} Uso correto: `!rankingvideo [hoje|semana|mes|total|sequencia] [página]`"
    )
    assert all(isinstance(e, commands.BadArgument) for e in simcord_env.errors)
    assert len(simcord_env.errors) == 1


async def test_ranking_with_a_period_and_a_page_reads_both(simcord_env, server):
    members = await ranked(
        simcord_env, server.guild, server.voice, {f"m{i:02}": 100 - i for i in range(12)}
    )
    message = await say(members[0], server.text, "!rankingvideo semana 2")
    assert description(message).startswith("**11.** m10")
    assert message.embeds[0].title == "🏆 Ranking de câmera — esta semana"


# ------------------------------------------------------------ extra words


@pytest.mark.parametrize(
    ("who", "command", "usage"),
    [
        (
            "ana",
            "!rankingvideo semana 2 mais",
            "!rankingvideo [hoje|semana|mes|total|sequencia] [página]",
        ),
        ("ana", "!meutempo {ana} mais", "!meutempo [@membro]"),
        ("ana", "!graficovideo {ana} 7 mais", "!graficovideo [@membro] [dias]"),
        ("ana", "!ajuda mais", "!ajuda"),
        ("admin", "!exportvideo total mais", "!exportvideo [hoje|semana|mes|total]"),
        ("admin", "!auditoriavideo mais", "!auditoriavideo"),
    ],
)
async def test_extra_words_are_refused_with_the_usage_line(
    simcord_env, server, who, command, usage
):
    author = getattr(server, who)
    await author.send(server.text, command.format(ana=server.ana.mention))
    assert server.text.last_message.content == (
        f"Não sei o que fazer com “mais” no fim do comando. Uso correto: `{usage}`"
    )
    assert error_types(simcord_env) == [commands.TooManyArguments]


# ------------------------------------------------------------ cooldown


async def test_a_command_that_fails_on_its_arguments_does_not_use_up_the_cooldown(
    simcord_env, server
):
    await server.session(server.ana, 30)
    await server.ana.send(server.text, "!rankingvideo ontem")
    await server.ana.send(server.text, "!rankingvideo")
    assert server.text.last_message.embeds
    assert error_types(simcord_env) == [UsageError]


async def test_a_mistyped_chart_does_not_use_up_its_cooldown(simcord_env, server):
    await server.session(server.ana, 30)
    await server.ana.send(server.text, "!graficovideo 0")
    await server.ana.send(server.text, "!graficovideo")
    assert server.text.last_message.attachments
    assert error_types(simcord_env) == [commands.RangeError]


async def test_cooldown_message_says_when_it_ends(simcord_env, server):
    await server.session(server.ana, 30)
    await server.ana.send(server.text, "!rankingvideo")
    await simcord_env.advance_time(2)
    await server.ana.send(server.text, "!rankingvideo")
    ends = int(EPOCH.timestamp()) + 30 + 5
    assert server.text.last_message.content == (
        f"Calma! ⏳ Você poderá usar este comando de novo em 3s, às <t:{ends}:T>."
    )
    assert error_types(simcord_env) == [commands.CommandOnCooldown]


# ------------------------------------------------------------ names


async def test_help_in_english_answers_with_the_portuguese_help(simcord_env, server):
    await server.ana.send(server.text, "!help")
    assert server.text.last_message.embeds[0].title == texts.HELP_TITLE


async def test_command_names_ignore_case(simcord_env, server):
    await server.session(server.ana, 30)
    await server.ana.send(server.text, "!RankingVideo")
    assert description(server.text.last_message).startswith("**1.** ana — 30s")


async def test_subcommand_names_ignore_case(simcord_env, server):
    await server.admin.send(server.text, "!resetvideo TUDO")
    assert server.text.last_message.content == texts.RESET_CONFIRM_ALL


def test_an_unexpected_failure_is_told_apart_by_its_type_and_gets_the_apology():
    error = commands.CommandInvokeError(RuntimeError("boom"))
    assert not is_expected(error)
    assert reply_for(None, error) == texts.GENERIC_ERROR


def test_usage_errors_and_cooldowns_are_expected():
    assert is_expected(UsageError("x"))
    assert is_expected(commands.CommandOnCooldown(commands.Cooldown(1, 5), 5, None))


async def test_slash_ranking_still_takes_its_options(simcord_env, server):
    await server.session(server.ana, 30)
    await sync_commands(simcord_env)
    result = await server.ana.slash(server.text, "rankingvideo", periodo="semana", pagina=1)
    assert result.response.embeds[0].title == "🏆 Ranking de câmera — esta semana"
