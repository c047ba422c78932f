"""`!configvideo fuso <zona>`: each server's days in its own time zone, from its next local day.

simcord's clock starts at 2026-01-01 00:00 UTC: 2025-12-31 21:00 in Sao Paulo (the default
`TIMEZONE`), so a change made at the start applies from 2026-01-01 03:00 UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from discord.ext import commands

from tests.helpers import (
    SIMCORD,
    Server,
    advance_to_local,
    advance_until,
    audit_lines,
    camera,
    crash_and_restart,
    description,
    say,
)
from tracking.server_settings import ZoneSince
from ui import texts
from ui.converters import UsageError

pytestmark = [SIMCORD, pytest.mark.both_stores, pytest.mark.usefixtures("virtual_snapshots")]

UTC_ZONE = ZoneInfo("UTC")
LISBON = ZoneInfo("Europe/Lisbon")  # UTC+0 in winter
TOKYO = ZoneInfo("Asia/Tokyo")  # UTC+9

SAO_PAULO_MIDNIGHT = "2026-01-01T03:00:00+00:00"
"""Where a change made on simcord's first evening applies from."""


@pytest.fixture
async def server(simcord_env):
    return Server(simcord_env)


async def set_zone(server, zone):
    """`!configvideo fuso <zone>` by the admin; the bot's reply."""
    return (await say(server.admin, server.text, f"!configvideo fuso {zone}")).content


def zones(server):
    return server.env.bot.store.server_settings(server.guild.id).zones


async def shown_zone(server):
    message = await say(server.admin, server.text, "!configvideo")
    return {field.name: field.value for field in message.embeds[0].fields}[
        texts.SETTINGS_FIELD_ZONE
    ]


async def today(server, member):
    """`!rankingvideo hoje` as `member` sees it: its ranking lines ([] when empty)."""
    message = await say(member, server.text, "!rankingvideo hoje")
    if not message.embeds:
        return []
    return description(message).split("\n\n")[0].splitlines()


async def my_time(server, member):
    message = await say(member, server.text, "!meutempo")
    return {field.name: field.value for field in message.embeds[0].fields}


# ------------------------------------------------------------------ the command


async def test_a_zone_applies_from_the_next_local_day_and_the_reply_says_so(server):
    reply = await set_zone(server, "america/manaus")
    assert reply == texts.SETTINGS_ZONE_SET.format(
        day="01/01/2026", zone="America/Manaus", before="America/Sao_Paulo"
    )
    assert zones(server) == (ZoneSince(SAO_PAULO_MIDNIGHT, "America/Manaus"),)


async def test_settings_show_the_zone_and_a_pending_change_with_its_first_day(server):
    assert await shown_zone(server) == "America/Sao_Paulo"
    await set_zone(server, "Europe/Lisbon")
    assert await shown_zone(server) == texts.SETTINGS_ZONE_PENDING.format(
        zone="America/Sao_Paulo", pending="Europe/Lisbon", day="01/01/2026"
    )
    await advance_to_local(server.env, 2026, 1, 1)
    assert await shown_zone(server) == "Europe/Lisbon"


async def test_a_zone_by_slash_offers_brazilian_zones_first(server):
    choices = await server.admin.autocomplete(server.text, "configvideo fuso", "zona", "man")
    assert choices[0]["value"] == "America/Manaus"
    result = await server.admin.slash(server.text, "configvideo fuso", zona="America/Manaus")
    assert result.response.content.startswith("✅ A partir de **01/01/2026**")
    assert zones(server)[-1].zone == "America/Manaus"


async def test_an_unknown_zone_gets_the_usage_line_with_an_example(simcord_env, server):
    reply = await set_zone(server, "Marte/Olympus")
    problem = texts.ZONE_UNKNOWN.format(
        argument="Marte/Olympus", example="!configvideo fuso America/Manaus"
    )
    assert reply == texts.USAGE_LINE.format(problem=problem, usage="!configvideo fuso <zona>")
    assert [type(e) for e in simcord_env.errors] == [UsageError]
    assert zones(server) == ()


async def test_an_unknown_zone_by_slash_gets_the_usage_line_with_a_slash_example(
    simcord_env, server
):
    result = await server.admin.slash(server.text, "configvideo fuso", zona="Marte")
    example = "/configvideo fuso America/Manaus"
    assert result.response.content.startswith(
        texts.ZONE_UNKNOWN.format(argument="Marte", example=example)
    )
    assert [type(e) for e in simcord_env.errors] == [UsageError]
    assert zones(server) == ()


async def test_a_zone_name_may_have_spaces_for_underscores(server):
    await set_zone(server, "America/Sao Paulo")
    assert zones(server) == ()  # the zone in force: nothing to change
    await set_zone(server, "america/campo grande")
    assert zones(server)[-1].zone == "America/Campo_Grande"


async def test_a_missing_zone_gets_the_usage_line(simcord_env, server):
    reply = await set_zone(server, "")
    assert reply == texts.USAGE_LINE.format(
        problem=texts.MISSING_ARGUMENT.format(what="o fuso horário"),
        usage="!configvideo fuso <zona>",
    )
    assert [type(e) for e in simcord_env.errors] == [commands.MissingRequiredArgument]


async def test_a_zone_change_goes_to_the_audit_log(server, data_file):
    await set_zone(server, "America/Manaus")
    entry = audit_lines(data_file)[-1]
    assert (entry["action"], entry["setting"], entry["change"]) == (
        "config",
        "fuso",
        "America/Sao_Paulo → America/Manaus a partir de 01/01/2026",
    )


async def test_the_zone_in_force_changes_nothing_and_is_not_audited(server):
    reply = await set_zone(server, "America/Sao_Paulo")
    assert reply == texts.SETTINGS_UNCHANGED.format(
        setting=texts.SETTINGS_ZONE_NAME, value="America/Sao_Paulo"
    )
    await server.admin.send(server.text, "!auditoriavideo")
    assert server.text.last_message.content == texts.AUDIT_EMPTY


async def test_the_zone_in_force_again_cancels_a_pending_change(server):
    await set_zone(server, "Asia/Tokyo")
    reply = await set_zone(server, "America/Sao_Paulo")
    assert reply == texts.SETTINGS_ZONE_KEPT.format(
        day="01/01/2026", pending="Asia/Tokyo", zone="America/Sao_Paulo"
    )
    assert zones(server) == ()


async def test_restart_after_a_change_keeps_the_zone_and_the_pending_switch(simcord_env, server):
    await set_zone(server, "Europe/Lisbon")
    await crash_and_restart(simcord_env)
    assert zones(server) == (ZoneSince(SAO_PAULO_MIDNIGHT, "Europe/Lisbon"),)
    await advance_to_local(simcord_env, 2026, 1, 1, 23, 30, zone=LISBON)
    await camera(simcord_env, server.guild, server.ana, server.voice)
    await advance_to_local(simcord_env, 2026, 1, 2, 0, 10, zone=LISBON)
    assert await today(server, server.ana) == ["**1.** ana — 10min (0 sessões)"]


# ------------------------------------------------------------------ local days


async def test_a_server_in_another_zone_has_today_start_at_its_own_midnight(simcord_env, server):
    await set_zone(server, "Europe/Lisbon")
    await advance_to_local(simcord_env, 2026, 1, 1, 23, 30, zone=LISBON)  # 20:30 in Sao Paulo
    await camera(simcord_env, server.guild, server.ana, server.voice)
    await simcord_env.advance_time(3600)
    await server.ana.leave_voice()
    assert await today(server, server.ana) == ["**1.** ana — 30min (0 sessões)"]
    assert (await my_time(server, server.ana))["Hoje"] == "30min"


async def test_two_servers_in_different_zones_do_not_mix(simcord_env, server):
    other = Server(simcord_env, name="Lisboa")
    await set_zone(other, "Europe/Lisbon")
    await advance_to_local(simcord_env, 2026, 1, 1, 23, 30, zone=LISBON)
    await camera(simcord_env, server.guild, server.ana, server.voice)
    await camera(simcord_env, other.guild, other.ana, other.voice)
    await simcord_env.advance_time(3600)  # 20:30 to 21:30 in Sao Paulo; across Lisbon's midnight
    assert await today(other, other.ana) == ["**1.** ana — 30min (0 sessões)"]
    assert await today(server, server.ana) == ["**1.** ana — 1h (1 sessão)"]


async def test_a_change_leaves_today_and_earlier_as_they_were(simcord_env, server):
    await camera(simcord_env, server.guild, server.ana, server.voice)
    await simcord_env.advance_time(20 * 60)  # 21:00 to 21:20 on Dec 31st in Sao Paulo
    await server.ana.leave_voice()
    await set_zone(server, "Asia/Tokyo")  # where it is already 09:20 on Jan 1st
    assert await today(server, server.ana) == ["**1.** ana — 20min (1 sessão)"]
    assert (await my_time(server, server.ana))["Hoje"] == "20min"
    await advance_to_local(simcord_env, 2026, 1, 1, 0, 5)  # Tokyo's days from now on
    assert await today(server, server.ana) == []
    assert (await my_time(server, server.ana))["Total"] == "20min"


async def test_a_session_across_a_switch_to_the_west_never_goes_back_a_day(simcord_env, server):
    """UTC to Sao Paulo at UTC's midnight: the 3 h still "yesterday" in Sao Paulo count on the
    new day, the first one in Sao Paulo time (documented in tracking/zones.py)."""
    await set_zone(server, "UTC")
    await advance_until(simcord_env, datetime(2026, 1, 1, 12, tzinfo=UTC))
    reply = await set_zone(server, "America/Sao_Paulo")
    assert "**02/01/2026**" in reply
    await advance_until(simcord_env, datetime(2026, 1, 1, 23, tzinfo=UTC))
    await camera(simcord_env, server.guild, server.ana, server.voice)
    await advance_until(simcord_env, datetime(2026, 1, 2, 1, tzinfo=UTC))  # 22:00 on Jan 1st in SP
    assert await today(server, server.ana) == ["**1.** ana — 1h (0 sessões)"]
    await advance_until(simcord_env, datetime(2026, 1, 2, 2, tzinfo=UTC))
    await server.ana.leave_voice()
    assert await today(server, server.ana) == ["**1.** ana — 2h (0 sessões)"]
    shown = await my_time(server, server.ana)
    assert (shown["Hoje"], shown["Total"]) == ("2h", "3h")


# ------------------------------------------------------------------ what else uses the day


async def tokyo_evening(simcord_env, server):
    """The server in Tokyo; the clock at 01:00 on Jan 2nd there (13:00 on Jan 1st in SP)."""
    await set_zone(server, "Asia/Tokyo")
    await advance_to_local(simcord_env, 2026, 1, 2, 1, zone=TOKYO)


async def test_an_adjustment_counts_on_the_servers_own_day(simcord_env, server):
    await tokyo_evening(simcord_env, server)
    await say(server.admin, server.text, f"!ajustarvideo {server.ana.mention} +1h esqueceu")
    await advance_to_local(simcord_env, 2026, 1, 2, 0, 30)  # 12:30 in Tokyo, still Jan 2nd
    assert (await my_time(server, server.ana))["Hoje"] == "1h"


async def test_an_export_is_named_for_the_servers_own_day(simcord_env, server):
    await tokyo_evening(simcord_env, server)
    await say(server.admin, server.text, f"!ajustarvideo {server.ana.mention} +1h esqueceu")
    message = await say(server.admin, server.text, "!exportvideo hoje")
    assert message.attachments[0].filename == "tempo-de-camera-hoje-2026-01-02.csv"


async def test_a_chart_ends_on_the_servers_own_day(simcord_env, server):
    await tokyo_evening(simcord_env, server)
    await camera(simcord_env, server.guild, server.ana, server.voice)
    await simcord_env.advance_time(600)
    message = await say(server.ana, server.text, "!graficovideo 1")
    assert message.content == texts.CHART_DONE.format(
        who="Estudos", span=texts.CHART_SPAN_TODAY, total="10min"
    )


async def test_help_lists_the_zone_setting_with_its_usage(server):
    message = await say(server.ana, server.text, "!ajuda")
    shown = "\n".join(field.value for field in message.embeds[0].fields)
    (listed,) = [line for line in shown.splitlines() if line.startswith("Ajustes:")]
    assert "`fuso <zona>`" in listed
