"""`!cargosvideo`: roles earned with camera time, given and taken by the real bot."""

from __future__ import annotations

import logging
from pathlib import Path

import discord
import pytest
from discord.ext import commands

from cogs.roles import ATTEMPTS, CHANGE_SPACING_SECONDS, RETRY_FIRST_SECONDS
from tests.helpers import (
    SIMCORD,
    Server,
    advance_to_local,
    audit_lines,
    camera,
    crash_and_restart,
    errors,
    seconds_of,
)
from tracking.rewards import MAX_REWARDS
from ui import texts

pytestmark = [SIMCORD, pytest.mark.both_stores, pytest.mark.usefixtures("virtual_snapshots")]

ROLE_PATH = "/guilds/*/members/*/roles/*"


@pytest.fixture
async def server(simcord_env):
    server = Server(simcord_env)
    server.focado = server.guild.create_role("Focado")
    return server


def roles_of(server, member):
    """The role ids Discord says the member holds."""
    return set(server.env.backend.get_member(server.guild.id, member.id).role_ids)


def role_requests(env, method="PUT"):
    """The bot's requests to give (PUT) or take (DELETE) a member's role."""
    return [
        request
        for request in env.backend.http_requests
        if request.method == method and "/roles/" in request.path and "/members/" in request.path
    ]


def bot_role(server):
    """The bot's own (integration) role in the server, as the backend holds it."""
    guild = server.env.backend.get_guild(server.guild.id)
    return next(role for role in guild.roles.values() if role.managed)


def take_manage_roles(server):
    """The server takes Manage Roles away from the bot's role."""
    role = bot_role(server)
    permissions = discord.Permissions(role.permissions)
    permissions.manage_roles = False
    server.env.backend.edit_role(server.guild.id, role.id, {"permissions": permissions.value})


async def add_reward(server, arguments):
    await server.admin.send(server.text, f"!cargosvideo adicionar {arguments}")
    await server.env.settle()
    return server.text.last_message.content


async def on_camera(server, member, seconds):
    """A closed camera session of `seconds`, then a moment for the role worker."""
    await server.session(member, seconds)
    await server.env.advance_time(2)


# ------------------------------------------------------------------ the list


async def test_an_added_reward_is_listed(server):
    reply = await add_reward(server, f"{server.focado.mention} 10h")
    assert reply == texts.ROLES_ADDED.format(
        time="10h", scope="no total", role=server.focado.mention
    )
    await server.admin.send(server.text, "!cargosvideo")
    listing = server.text.last_message.content
    assert f"• {server.focado.mention} — 10h de câmera no total" in listing


async def test_a_monthly_reward_by_slash_is_listed_with_its_scope(server):
    result = await server.admin.slash(
        server.text, "cargosvideo adicionar", cargo=server.focado, duracao="5h", escopo="mes"
    )
    assert result.response.content.startswith(
        texts.ROLES_ADDED.format(time="5h", scope="no mês", role=server.focado.mention)
    )
    listing = (await server.admin.slash(server.text, "cargosvideo ver")).response.content
    assert f"{server.focado.mention} — 5h de câmera no mês" in listing
    assert texts.ROLES_MONTH_NOTE in listing


async def test_adding_the_same_role_again_replaces_its_threshold(simcord_env, server):
    await add_reward(server, f"{server.focado.mention} 10h")
    reply = await add_reward(server, f"{server.focado.mention} 2h mes")
    assert reply.startswith(
        texts.ROLES_CHANGED.format(
            role=server.focado.mention, time="2h", scope="no mês", before="10h no total"
        )
    )
    rewards = simcord_env.bot.store.server_settings(server.guild.id).roles
    assert [(r.role_id, r.seconds, r.scope) for r in rewards] == [(server.focado.id, 7200, "mes")]


async def test_a_removed_reward_leaves_the_list_and_survives_a_restart(simcord_env, server):
    await add_reward(server, f"{server.focado.mention} 10h")
    await server.admin.send(server.text, f"!cargosvideo remover {server.focado.mention}")
    assert server.text.last_message.content == texts.ROLES_REMOVED.format(
        role=server.focado.mention
    )
    await crash_and_restart(simcord_env)
    await server.admin.send(server.text, "!cargosvideo")
    assert server.text.last_message.content == texts.ROLES_EMPTY.format(prefix="!")


async def test_a_server_has_at_most_25_rewards(simcord_env, server):
    roles = [server.guild.create_role(f"Nível {n}") for n in range(26)]
    for n, role in enumerate(roles[:25], start=1):
        await add_reward(server, f"{role.mention} {n}h")
    reply = await add_reward(server, f"{roles[25].mention} 30h")
    assert reply == texts.ROLES_TOO_MANY.format(count="25 cargos")
    assert len(simcord_env.bot.store.server_settings(server.guild.id).roles) == 25


async def test_removing_a_role_not_in_the_list_says_so(server):
    await server.admin.send(server.text, f"!cargosvideo remover {server.focado.mention}")
    assert server.text.last_message.content == texts.ROLES_NOT_LISTED.format(
        role=server.focado.mention
    )


async def test_changes_go_to_the_audit_log(server, data_file):
    await add_reward(server, f"{server.focado.mention} 10h")
    await server.admin.send(server.text, f"!cargosvideo remover {server.focado.mention}")
    changes = [(e["action"], e["setting"], e["change"]) for e in audit_lines(data_file)]
    assert changes == [
        ("config", "cargos", "Focado: nenhum → 10h no total"),
        ("config", "cargos", "Focado: 10h no total → nenhum"),
    ]


async def test_settings_show_how_many_rewards_there_are(server):
    await add_reward(server, f"{server.focado.mention} 10h")
    await server.admin.send(server.text, "!configvideo")
    fields = {f.name: f.value for f in server.text.last_message.embeds[0].fields}
    assert fields[texts.SETTINGS_FIELD_ROLES] == "1 cargo"


async def test_a_member_without_manage_server_cannot_use_it(simcord_env, server):
    await server.ana.send(server.text, f"!cargosvideo adicionar {server.focado.mention} 1min")
    assert server.text.last_message.content == texts.NO_PERMISSION
    assert [type(e) for e in simcord_env.errors] == [commands.MissingPermissions]
    assert simcord_env.bot.store.server_settings(server.guild.id).roles == ()


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        ("{role} depressa", "Não entendi a duração (exemplos: 15min, 1h30, 2h, 45s): “depressa”."),
        ("{role} 0min", texts.ROLE_THRESHOLD_ZERO),
        ("{role} 1h semana", "Não entendi o escopo (total ou mes): “semana”."),
        ("ninguém 1h", "Não encontrei o cargo “ninguém” neste servidor."),
        ("{role}", "Faltou a duração."),
        ("{role} 1h mes agora", "Não sei o que fazer com “agora” no fim do comando."),
    ],
)
async def test_bad_input_gets_the_usage_line(simcord_env, server, arguments, problem):
    await add_reward(server, arguments.format(role=server.focado.mention))
    assert server.text.last_message.content == (
        f"{problem} Uso correto: `!cargosvideo adicionar <@cargo> <duração> [total|mes]`"
    )
    assert all(isinstance(e, commands.UserInputError) for e in simcord_env.errors)
    assert simcord_env.bot.store.server_settings(server.guild.id).roles == ()


async def test_remove_without_a_role_gets_the_usage_line(simcord_env, server):
    await server.admin.send(server.text, "!cargosvideo remover")
    assert server.text.last_message.content == (
        "Faltou o cargo. Uso correto: `!cargosvideo remover <@cargo>`"
    )
    assert [type(e) for e in simcord_env.errors] == [commands.MissingRequiredArgument]


async def test_an_unknown_subcommand_gets_the_usage_line(simcord_env, server):
    await server.admin.send(server.text, "!cargosvideo tirar")
    assert server.text.last_message.content == (
        "Não sei o que fazer com “tirar” no fim do comando. "
        "Uso correto: `!cargosvideo [adicionar|remover]`"
    )
    assert [type(e) for e in simcord_env.errors] == [commands.TooManyArguments]


async def test_the_everyone_role_is_refused(simcord_env, server):
    everyone = server.guild.default_role
    await add_reward(server, f"{everyone.id} 1h")
    assert server.text.last_message.content == texts.ROLES_REFUSED_MANAGED.format(
        role=simcord_env.bot.get_guild(server.guild.id).default_role.mention
    )
    assert simcord_env.bot.store.server_settings(server.guild.id).roles == ()


# ------------------------------------------------------------------ earning roles


async def test_reaching_a_total_threshold_grants_the_role(simcord_env, server):
    await add_reward(server, f"{server.focado.mention} 10min")
    await on_camera(server, server.ana, 9 * 60)
    assert server.focado.id not in roles_of(server, server.ana)
    await on_camera(server, server.ana, 60)
    assert server.focado.id in roles_of(server, server.ana)
    assert server.focado.id not in roles_of(server, server.bia)
    assert len(role_requests(simcord_env)) == 1


async def test_live_time_counts_before_the_session_ends(simcord_env, server):
    await add_reward(server, f"{server.focado.mention} 2min")
    await server.ana.join_voice(server.voice)
    await camera(simcord_env, server.guild, server.ana, server.voice, on=True)
    await simcord_env.advance_time(3 * 60 + 2)  # checkpoints credit the running session
    assert server.focado.id in roles_of(server, server.ana)


async def test_members_already_past_a_new_threshold_get_the_role(simcord_env, server):
    await on_camera(server, server.ana, 120)
    await add_reward(server, f"{server.focado.mention} 1min")
    await simcord_env.advance_time(2)
    assert server.focado.id in roles_of(server, server.ana)


async def test_a_member_the_bot_has_not_seen_is_looked_up_once(simcord_env, server):
    await on_camera(server, server.ana, 120)
    # Without the members intent, a member out of voice is not in the bot's cache.
    assert simcord_env.bot.get_guild(server.guild.id).get_member(server.ana.id) is None
    await add_reward(server, f"{server.focado.mention} 1min")
    await simcord_env.advance_time(2)
    await server.admin.send(server.text, f"!ajustarvideo {server.ana.mention} +1min de novo")
    await simcord_env.advance_time(2)
    assert server.focado.id in roles_of(server, server.ana)
    lookups = [
        request
        for request in simcord_env.backend.http_requests
        if request.method == "GET" and request.path.endswith(f"/members/{server.ana.id}")
    ]
    assert len(lookups) == 1
    assert len(role_requests(simcord_env)) == 1


async def test_a_monthly_role_goes_when_the_month_turns(simcord_env, server):
    # The virtual clock starts on 31 December, 21:00 in Sao Paulo.
    await add_reward(server, f"{server.focado.mention} 2min mes")
    await on_camera(server, server.ana, 180)
    assert server.focado.id in roles_of(server, server.ana)
    await advance_to_local(simcord_env, 2026, 1, 1, 0, 2)
    assert server.focado.id not in roles_of(server, server.ana)
    assert seconds_of(simcord_env, server.guild, server.ana) == 180  # the total stays


async def test_a_total_role_stays_when_the_month_turns(simcord_env, server):
    await add_reward(server, f"{server.focado.mention} 2min")
    await on_camera(server, server.ana, 180)
    await advance_to_local(simcord_env, 2026, 1, 1, 0, 2)
    assert server.focado.id in roles_of(server, server.ana)


async def test_a_reset_takes_the_role_away(simcord_env, server):
    await add_reward(server, f"{server.focado.mention} 2min")
    await on_camera(server, server.ana, 180)
    await server.admin.send(server.text, f"!resetvideo {server.ana.mention}")
    await server.admin.click(server.text.last_message, label=texts.RESET_BUTTON_CONFIRM)
    await simcord_env.advance_time(2)
    assert server.focado.id not in roles_of(server, server.ana)


async def test_a_reset_of_everyone_takes_every_role_away(simcord_env, server):
    await add_reward(server, f"{server.focado.mention} 1min")
    await on_camera(server, server.ana, 120)
    await on_camera(server, server.bia, 120)
    await server.admin.send(server.text, "!resetvideo tudo")
    await server.admin.click(server.text.last_message, label=texts.RESET_BUTTON_CONFIRM)
    await simcord_env.advance_time(3)
    assert server.focado.id not in roles_of(server, server.ana) | roles_of(server, server.bia)


async def test_an_adjustment_grants_the_role(simcord_env, server):
    await add_reward(server, f"{server.focado.mention} 2h")
    await server.admin.send(server.text, f"!ajustarvideo {server.ana.mention} +2h esqueceu")
    await simcord_env.advance_time(2)
    assert server.focado.id in roles_of(server, server.ana)


async def test_other_roles_of_the_member_are_never_touched(simcord_env, server):
    other = server.guild.create_role("Veterana")
    simcord_env.backend.add_member_role(server.guild.id, server.ana.id, other.id)
    await add_reward(server, f"{server.focado.mention} 1min")
    await on_camera(server, server.ana, 120)
    assert roles_of(server, server.ana) == {other.id, server.focado.id}


# ------------------------------------------------------------------ what the bot cannot do


async def test_without_manage_roles_the_admin_is_told_and_counting_goes_on(
    simcord_env, server, caplog
):
    take_manage_roles(server)
    await simcord_env.settle()
    reply = await add_reward(server, f"{server.focado.mention} 1min")
    assert reply.endswith(texts.ROLES_WARN_NO_PERMISSION)
    with caplog.at_level(logging.WARNING, logger="cogs.roles"):
        await on_camera(server, server.ana, 120)
        await on_camera(server, server.ana, 120)
    assert server.focado.id not in roles_of(server, server.ana)
    assert role_requests(simcord_env) == []
    assert seconds_of(simcord_env, server.guild, server.ana) == 240
    warnings = [r for r in caplog.records if "Gerenciar Cargos" in r.getMessage()]
    assert len(warnings) == 1  # logged once, not at every credit


async def test_a_role_above_the_bot_is_warned_about_and_never_tried(simcord_env, server):
    top = server.guild.create_role("Diretoria", position=50)
    await simcord_env.settle()
    reply = await add_reward(server, f"{top.mention} 1min")
    assert texts.ROLES_WARN_ABOVE.split("{role}")[0] in reply
    await server.admin.send(server.text, "!cargosvideo")
    assert texts.ROLES_LIST_ABOVE in server.text.last_message.content
    await on_camera(server, server.ana, 120)
    assert top.id not in roles_of(server, server.ana)
    assert role_requests(simcord_env) == []
    assert seconds_of(simcord_env, server.guild, server.ana) == 120


async def test_rate_limits_and_discord_errors_are_retried(simcord_env, server):
    await add_reward(server, f"{server.focado.mention} 1min")
    simcord_env.inject_error("PUT", ROLE_PATH, status=429, message="rate limited", times=1)
    simcord_env.inject_error("PUT", ROLE_PATH, status=502, message="bad gateway", times=1)
    await server.admin.send(server.text, f"!ajustarvideo {server.ana.mention} +2min esqueceu")
    await simcord_env.advance_time(10)  # one look at her, retried with a growing pause
    assert server.focado.id in roles_of(server, server.ana)
    assert len(role_requests(simcord_env)) == 3


async def test_a_member_who_left_is_skipped_and_others_still_get_theirs(
    simcord_env, server, caplog
):
    await add_reward(server, f"{server.focado.mention} 1min")
    await on_camera(server, server.ana, 120)
    await server.bia.join_voice(server.voice)
    await camera(simcord_env, server.guild, server.bia, server.voice, on=True)
    await simcord_env.advance_time(120)
    simcord_env.inject_error("PUT", ROLE_PATH, status=404, code=10007, message="Unknown Member")
    await camera(simcord_env, server.guild, server.bia, server.voice, on=False)
    await simcord_env.advance_time(2)
    carla = server.guild.add_member(simcord_env.create_user("carla"))
    await on_camera(server, carla, 120)
    assert server.focado.id in roles_of(server, carla)
    assert errors(caplog) == []


async def test_a_deleted_role_is_shown_skipped_and_removable_by_id(simcord_env, server, caplog):
    await add_reward(server, f"{server.focado.mention} 1min")
    simcord_env.backend.delete_role(server.guild.id, server.focado.id)
    await simcord_env.settle()
    deleted = texts.ROLES_DELETED_ROLE.format(role_id=server.focado.id)
    await server.admin.send(server.text, "!cargosvideo")
    assert deleted in server.text.last_message.content
    with caplog.at_level(logging.WARNING, logger="cogs.roles"):
        await on_camera(server, server.ana, 120)
        await on_camera(server, server.ana, 120)
    assert role_requests(simcord_env) == []
    assert seconds_of(simcord_env, server.guild, server.ana) == 240
    assert len([r for r in caplog.records if "foi apagado" in r.getMessage()]) == 1
    await server.admin.send(server.text, f"!cargosvideo remover {server.focado.id}")
    assert server.text.last_message.content == texts.ROLES_REMOVED.format(role=deleted)
    assert simcord_env.bot.store.server_settings(server.guild.id).roles == ()


async def test_a_reward_is_removed_by_slash(simcord_env, server):
    await add_reward(server, f"{server.focado.mention} 1min")
    result = await server.admin.slash(server.text, "cargosvideo remover", cargo=server.focado)
    assert result.response.content == texts.ROLES_REMOVED.format(role=server.focado.mention)
    assert simcord_env.bot.store.server_settings(server.guild.id).roles == ()


# ------------------------------------------------------------------ restarts


async def test_a_restart_changes_nothing_that_is_already_right(simcord_env, server):
    await add_reward(server, f"{server.focado.mention} 1min")
    await on_camera(server, server.ana, 120)
    assert len(role_requests(simcord_env)) == 1
    await crash_and_restart(simcord_env)
    await simcord_env.advance_time(5)
    assert server.focado.id in roles_of(server, server.ana)
    assert len(role_requests(simcord_env)) == 1
    assert role_requests(simcord_env, "DELETE") == []


async def test_a_restart_gives_a_role_that_could_not_be_given_before(simcord_env, server):
    await add_reward(server, f"{server.focado.mention} 1min")
    simcord_env.inject_error("PUT", ROLE_PATH, status=503, times=5)  # every try of one look
    await server.session(server.ana, 30)
    await server.admin.send(server.text, f"!ajustarvideo {server.ana.mention} +1min esqueceu")
    await simcord_env.advance_time(30)
    assert server.focado.id not in roles_of(server, server.ana)
    await crash_and_restart(simcord_env)
    await simcord_env.advance_time(2)
    assert server.focado.id in roles_of(server, server.ana)


async def test_giving_the_bot_manage_roles_later_gives_the_roles_earned_meanwhile(
    simcord_env, server
):
    take_manage_roles(server)
    await simcord_env.settle()
    await add_reward(server, f"{server.focado.mention} 1min")
    await on_camera(server, server.ana, 120)
    assert server.focado.id not in roles_of(server, server.ana)
    role = bot_role(server)
    permissions = discord.Permissions(role.permissions)
    permissions.manage_roles = True
    simcord_env.backend.edit_role(server.guild.id, role.id, {"permissions": permissions.value})
    await simcord_env.advance_time(2)
    assert server.focado.id in roles_of(server, server.ana)


async def test_a_monthly_role_is_taken_after_a_restart_past_the_month(simcord_env, server):
    await add_reward(server, f"{server.focado.mention} 2min mes")
    await on_camera(server, server.ana, 180)
    assert server.focado.id in roles_of(server, server.ana)
    await crash_and_restart(simcord_env)
    await advance_to_local(simcord_env, 2026, 1, 1, 0, 0)
    await crash_and_restart(simcord_env)
    await simcord_env.advance_time(2)
    assert server.focado.id not in roles_of(server, server.ana)


def test_the_readme_gives_the_worker_s_pace_and_limits():
    readme = " ".join((Path(__file__).parents[2] / "README.md").read_text("utf-8").split())
    assert CHANGE_SPACING_SECONDS == 0.5 and "half a second apart" in readme
    assert f"up to {ATTEMPTS} tries, after {RETRY_FIRST_SECONDS:g} s" in readme
    assert f"At most {MAX_REWARDS} roles." in readme
