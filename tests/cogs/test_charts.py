"""`!graficovideo`: the PNG chart of camera hours per day, through the real bot."""

from __future__ import annotations

import inspect
import io
import struct
from datetime import date

import pytest
from discord.ext import commands
from matplotlib.text import Text
from PIL import Image

from tests.helpers import SIMCORD, Server, camera
from tracking.periods import DayRange
from ui import chart as charts
from ui import texts

pytestmark = [SIMCORD, pytest.mark.both_stores]

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
HOUR, DAY = 3600, 24 * 3600
# The simulated clock starts at 2026-01-01T00:00Z, 21:00 on 31/12/2025 in São Paulo.
TO_LOCAL_MIDNIGHT = 3 * HOUR


@pytest.fixture
async def server(simcord_env):
    return Server(simcord_env)


@pytest.fixture
def fed(simcord_env, monkeypatch):
    """What the bot hands to the renderer (the real one still draws the PNG)."""
    # The bot loaded its own copy of the extension module: watch that one.
    loaded = inspect.getmodule(simcord_env.bot.get_cog("Charts"))
    seen = []
    real = loaded.render_chart

    def spy(data):
        seen.append(data)
        return real(data)

    monkeypatch.setattr(loaded, "render_chart", spy)
    return seen


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk, the first chunk of every PNG."""
    assert data[:8] == PNG_MAGIC
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


async def attachment_bytes(message):
    (attachment,) = message.attachments
    assert attachment.filename == texts.CHART_FILENAME
    return await attachment.read()


async def test_chart_is_a_png_of_the_documented_size(simcord_env, server):
    await server.session(server.ana, 50)
    await server.ana.send(server.text, "!graficovideo")
    data = await attachment_bytes(server.text.last_message)
    assert png_size(data) == (charts.WIDTH_PX, charts.HEIGHT_PX)
    image = Image.open(io.BytesIO(data))
    image.load()  # decodes every pixel: a truncated file fails here
    assert image.size == (charts.WIDTH_PX, charts.HEIGHT_PX)
    assert image.convert("RGB").getpixel((5, 5)) == (0x2B, 0x2D, 0x31)


async def test_chart_of_a_member_shows_their_seconds_per_local_day(simcord_env, server, fed):
    env = simcord_env
    await env.advance_time(TO_LOCAL_MIDNIGHT - 20)  # 23:59:40 on 31/12
    await server.ana.join_voice(server.voice)
    await camera(env, server.guild, server.ana, server.voice, on=True)
    await env.advance_time(50)  # 20 s on 31/12, 30 s on 01/01
    await camera(env, server.guild, server.ana, server.voice, on=False)
    await env.advance_time(2 * DAY)
    await camera(env, server.guild, server.ana, server.voice, on=True)
    await env.advance_time(40)  # 40 s on 03/01
    await camera(env, server.guild, server.ana, server.voice, on=False)
    await server.session(server.bia, 30)  # someone else: not in ana's chart

    await server.bia.send(server.text, f"!graficovideo {server.ana.mention} 7")

    (data,) = fed
    assert data.days[0] == date(2025, 12, 28) and data.days[-1] == date(2026, 1, 3)
    per_day = dict(zip(data.days, data.seconds, strict=True))
    expected = env.bot.store.seconds_by_day(
        server.guild.id,
        server.ana.id,
        DayRange(data.days[0].toordinal(), data.days[-1].toordinal()),
    )
    assert {day.toordinal(): s for day, s in per_day.items() if s} == expected
    assert {day: s for day, s in per_day.items() if s} == {
        date(2025, 12, 31): 20,
        date(2026, 1, 1): 30,
        date(2026, 1, 3): 40,
    }
    assert server.text.last_message.content == (
        "📊 Horas de câmera por dia de **ana** nos últimos 7 dias: 1min 30s no total."
    )


async def test_chart_of_the_server_by_slash_adds_up_every_member(simcord_env, server, fed):
    await server.session(server.ana, 50)
    await server.session(server.bia, 25)
    result = await server.ana.slash(server.text, "graficovideo", dias=3)
    (data,) = fed
    assert data.seconds == [0, 0, 75]
    assert data.who == "Estudos"
    png = await attachment_bytes(result.response)
    assert png_size(png) == (charts.WIDTH_PX, charts.HEIGHT_PX)


async def test_chart_counts_a_running_session_today(simcord_env, server, fed):
    await server.ana.join_voice(server.voice)
    await camera(simcord_env, server.guild, server.ana, server.voice, on=True)
    await simcord_env.advance_time(45)
    await server.ana.send(server.text, "!graficovideo 1")
    (data,) = fed
    assert data.seconds == [45]


async def test_chart_without_camera_time_says_so_instead_of_an_empty_picture(simcord_env, server):
    await server.ana.send(server.text, "!graficovideo")
    message = server.text.last_message
    assert message.content == (
        "**Estudos** não tem tempo de câmera nos últimos 30 dias: nada para desenhar. 📷"
    )
    assert not message.attachments


@pytest.mark.parametrize("days", ["0", "366", "muitos"])
async def test_chart_with_a_bad_number_of_days_gets_the_usage_line(simcord_env, server, days):
    await server.ana.send(server.text, f"!graficovideo {days}")
    reply = server.text.last_message.content
    assert "Uso correto: `!graficovideo [@membro] [dias]`" in reply
    assert not server.text.last_message.attachments
    assert len(simcord_env.errors) == 1


async def test_a_second_chart_right_away_is_held_back_for_that_member_only(simcord_env, server):
    await server.session(server.ana, 30)
    await server.ana.send(server.text, "!graficovideo")
    await server.ana.send(server.text, "!graficovideo")
    assert server.text.last_message.content.startswith("Calma!")
    await server.bia.send(server.text, "!graficovideo")
    assert server.text.last_message.attachments
    assert [type(e) for e in simcord_env.errors] == [commands.CommandOnCooldown]


def drawn_texts(figure):
    """Every visible, non-empty text of a drawn figure, with its extent in pixels."""
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    return [
        (text.get_text(), text.get_window_extent(renderer))
        for text in figure.findobj(Text)
        if text.get_visible() and text.get_text()
    ]


@pytest.mark.parametrize(
    ("days", "hours_per_day", "who"),
    [
        (365, 250_000, "Servidor " + "W" * 90),  # six-digit hour ticks, a year of day labels
        (31, 23.99, "ana"),  # every bar labelled
        (1, 0.01, "bia"),
    ],
)
def test_chart_text_lies_within_the_picture(days, hours_per_day, who):
    today = date(2026, 3, 10).toordinal()
    span = charts.chart_days(days, today)
    by_day = {day: int(hours_per_day * HOUR) for day in range(span.first, span.last + 1)}
    figure = charts.chart_figure(charts.chart_data(who, by_day, span))
    texts_drawn = drawn_texts(figure)
    assert any(text == texts.CHART_AXIS_HOURS for text, _ in texts_drawn)
    for text, extent in texts_drawn:
        assert extent.x0 >= 0 and extent.y0 >= 0, text
        assert extent.x1 <= charts.WIDTH_PX and extent.y1 <= charts.HEIGHT_PX, text
