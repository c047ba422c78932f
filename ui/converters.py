"""How commands read their arguments: converters for prefix and slash use, and the usage error.

Every converter here works both for prefix commands (`commands.Converter`) and,
where the slash option has a richer type than text, for slash commands
(`app_commands.Transformer`), so a hybrid command reads the same way in both.
What a converter cannot use raises `UsageError`, which the error cog answers
with the problem and the command's usage line.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

import discord
from discord import app_commands
from discord.ext import commands
from discord.ext.commands.view import StringView

from tracking.periods import TIME_PERIODS, Period
from tracking.server_settings import GoalPeriod
from tracking.zones import zone_named, zone_names_like
from ui import texts
from utils import escape_name, format_seconds_to_time, truncate_string, validate_user_id

Context = commands.Context[Any]
"""A context of any bot: discord.py's `Converter.convert` promises to take one, and a
converter reads only the invocation (`view`, `interaction`), never the bot."""

SHOWN_ARGUMENT_CHARS = 60
"""How much of an unreadable argument is quoted back to the member."""

MAX_DURATION_WORDS = 8
"""The most words one duration may take (`+ 1 h 30 min 10 s` is seven)."""


class UsageError(commands.BadArgument):
    """An argument a command could not use; `problem` says why, in Portuguese."""

    def __init__(self, problem: str, argument: str = "") -> None:
        """`problem` is the sentence shown before the usage line; `argument` what was typed."""
        super().__init__(problem)
        self.problem = problem
        self.argument = argument


class BotTarget(UsageError):
    """A bot was named where only people make sense: bots never have camera time."""

    def __init__(self, user: discord.abc.User) -> None:
        """Refuse `user`, a bot."""
        super().__init__(
            texts.BOT_NOT_COUNTED.format(name=escape_name(user.display_name)), str(user.id)
        )
        self.user = user


def shown(argument: str) -> str:
    r"""An argument as it is quoted back: Markdown escaped, cut when long.

    >>> shown("*x*"), shown("a" * 100)[-3:]
    ('\\*x\\*', 'aa…')
    """
    return escape_name(truncate_string(argument, SHOWN_ARGUMENT_CHARS))


def not_understood(what: str, argument: str) -> UsageError:
    """The usage error for an argument that could not be read as `what`."""
    return UsageError(texts.NOT_UNDERSTOOD.format(what=what, argument=shown(argument)), argument)


def looks_like_number(word: str) -> bool:
    """Whether a word is meant as a number (a page, days), not as a member or a period.

    >>> looks_like_number("2"), looks_like_number("2,5"), looks_like_number("²")
    (True, True, True)
    >>> looks_like_number("ana"), looks_like_number("<@123>")
    (False, False)
    >>> looks_like_number("123456789012345678")  # an id
    False
    """
    if validate_user_id(word) or word.startswith("<"):
        return False
    return not any(c.isalpha() for c in word)


# ------------------------------------------------------------------ periods


class PeriodArgument(commands.Converter[Period]):
    """`hoje`, `semana`, `mes` or `total` (accents and a few synonyms accepted).

    With `streak`, `sequencia` too (the ranking of current streaks). With
    `before_number`, a prefix argument that is a number is left for the next
    parameter (`!rankingvideo 2` is page 2 of the total ranking).
    """

    def __init__(self, *, before_number: bool = False, streak: bool = False) -> None:
        """Read a period; see the class for the options."""
        self.before_number = before_number
        self.streak = streak

    async def convert(self, ctx: Context, argument: str) -> Period:
        """The period named by `argument`."""
        period = Period.parse(argument)
        if period is not None and (self.streak or period in TIME_PERIODS):
            return period
        if self.before_number and ctx.interaction is None and looks_like_number(argument):
            ctx.view.undo()
            return Period.TOTAL
        what = texts.PERIOD_STREAK_WHAT if self.streak else texts.PERIOD_WHAT
        raise not_understood(what, argument)


# ------------------------------------------------------------------ people


def refuse_bots(user: discord.abc.User) -> discord.abc.User:
    """`user`, unless it is a bot."""
    if user.bot:
        raise BotTarget(user)
    return user


class Person(commands.Converter[discord.abc.User | None], app_commands.Transformer):
    """A user who is not a bot (by mention, id or name); a user option in slash commands.

    With `member_only`, it must be a member of the server. With `before_number`,
    a prefix argument that is a number is left for the next parameter and the
    person is taken as not given (`!graficovideo 14`).
    """

    def __init__(self, *, member_only: bool = False, before_number: bool = False) -> None:
        """Read a person; see the class for the options."""
        super().__init__()
        self.member_only = member_only
        self.before_number = before_number

    @property
    def type(self) -> discord.AppCommandOptionType:
        """Slash commands offer a member picker."""
        return discord.AppCommandOptionType.user

    async def convert(self, ctx: Context, argument: str) -> discord.abc.User | None:
        """The person named by `argument` (None when it is a number left for later)."""
        if self.before_number and looks_like_number(argument):
            ctx.view.undo()
            return None
        lookup = commands.MemberConverter() if self.member_only else commands.UserConverter()
        return refuse_bots(await lookup.convert(ctx, argument))

    async def transform(
        self, interaction: discord.Interaction[Any], value: discord.abc.User, /
    ) -> discord.abc.User:
        """The person picked in a slash command."""
        del interaction
        if self.member_only and not isinstance(value, discord.Member):
            raise commands.MemberNotFound(str(value))
        return refuse_bots(value)


# ---------------------------------------------------------------- durations

_NUMBER = r"[0-9]{1,7}(?:[.,][0-9]{1,3})?"
DURATION = re.compile(
    rf"""
    (?P<sign>[+-])?\s*
    (?:(?P<h>{_NUMBER})\s*h(?:(?P<hm>[0-9]{{1,2}})(?![0-9.,]|\s*(?:min|m|s)))?)?\s*
    (?:(?P<m>{_NUMBER})\s*(?:min|m))?\s*
    (?:(?P<s>{_NUMBER})\s*s)?
    """,
    re.ASCII | re.IGNORECASE | re.VERBOSE,
)


def _decimal(text: str | None) -> Decimal:
    return Decimal((text or "0").replace(",", "."))


def parse_duration(text: str) -> int | None:
    """Signed whole seconds in a duration like `+1h 30min`, `1h30`, `1,5h`; None if unreadable.

    Without a sign the time is added. Parts go hours, minutes, seconds, each at
    most once, with or without spaces; minutes may follow the hours directly.

    >>> parse_duration("+1h30min"), parse_duration("+1h 30min"), parse_duration("1h30")
    (5400, 5400, 5400)
    >>> parse_duration("1,5h"), parse_duration("90min"), parse_duration("-20min")
    (5400, 5400, -1200)
    >>> parse_duration("45s"), parse_duration("- 1 h 1 s"), parse_duration("2H 5M")
    (45, -3601, 7500)
    >>> parse_duration("0min"), parse_duration("20000h")
    (0, 72000000)
    >>> [parse_duration(t) for t in ("1h 30", "30min 1h", "+", "abc", "1h75", "²h", "")]
    [None, None, None, None, None, None, None]
    """
    match = DURATION.fullmatch(text.strip())
    if match is None or not any(match.group(unit) for unit in ("h", "m", "s")):
        return None
    extra_minutes = int(match.group("hm") or 0)
    if extra_minutes >= 60:
        return None
    seconds = (
        _decimal(match.group("h")) * 3600
        + (extra_minutes + _decimal(match.group("m"))) * 60
        + _decimal(match.group("s"))
    )
    whole = int(seconds.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return -whole if match.group("sign") == "-" else whole


def take_duration_words(view: StringView, first: str) -> str:
    """`first` and as many of the next words as still read as one duration, consumed.

    The view is left just after the last word taken, so what follows (the
    reason of an adjustment) is read by the next parameter.
    """
    words, ends = [first], [view.index]
    while len(words) < MAX_DURATION_WORDS:
        view.skip_ws()
        if view.eof:
            break
        words.append(view.get_word())
        ends.append(view.index)
    taken = next(
        (n for n in range(len(words), 0, -1) if parse_duration(" ".join(words[:n])) is not None),
        1,
    )
    view.index = ends[taken - 1]
    return " ".join(words[:taken])


class Duration(commands.Converter[int], app_commands.Transformer):
    """A signed, non-zero duration up to `limit` seconds, as seconds.

    In a prefix command it may take several words (`+1h 30min motivo`:
    the duration stops where the reason begins); a slash option is one text.
    """

    def __init__(self, *, limit: int) -> None:
        """Refuse durations over `limit` seconds."""
        super().__init__()
        self.limit = limit

    def seconds(self, text: str) -> int:
        """The seconds in `text`, or the usage error that says what is wrong with it."""
        seconds = parse_duration(text)
        if seconds is None:
            raise not_understood(texts.ADJUST_DURATION_WHAT, text)
        if seconds == 0:
            raise UsageError(texts.ADJUST_ZERO, text)
        if abs(seconds) > self.limit:
            limit = format_seconds_to_time(self.limit)
            raise UsageError(texts.ADJUST_TOO_LONG.format(argument=shown(text), limit=limit), text)
        return seconds

    async def convert(self, ctx: Context, argument: str) -> int:
        """A prefix duration, taking the words after `argument` that belong to it."""
        if ctx.interaction is None:
            argument = take_duration_words(ctx.view, argument)
        ctx.current_argument = argument
        return self.seconds(argument)

    async def transform(self, interaction: discord.Interaction[Any], value: str, /) -> int:
        """A slash duration."""
        del interaction
        return self.seconds(value)


class Length(commands.Converter[int], app_commands.Transformer):
    """A duration for a setting: from 0 to `limit` seconds, without a sign (`30min`, `1h30`).

    One word in a prefix command (or one slash option); with `none_words`, any of them
    (`nenhum`) reads as None, the setting turned off.
    """

    def __init__(self, *, limit: int, none_words: tuple[str, ...] = ()) -> None:
        """Refuse durations over `limit` seconds; read `none_words` as None."""
        super().__init__()
        self.limit = limit
        self.none_words = none_words

    def seconds(self, text: str) -> int | None:
        """The seconds in `text` (None for a none word), or the usage error that says why not."""
        if text.strip().casefold() in self.none_words:
            return None
        seconds = parse_duration(text)
        if seconds is None or text.strip().startswith(("+", "-")):
            raise not_understood(texts.LENGTH_WHAT, text)
        if seconds > self.limit:
            limit = format_seconds_to_time(self.limit)
            raise UsageError(texts.LENGTH_TOO_LONG.format(argument=shown(text), limit=limit), text)
        return seconds

    async def convert(self, ctx: Context, argument: str) -> int | None:  # type: ignore[override]
        """A prefix duration (one word)."""
        del ctx
        return self.seconds(argument)

    async def transform(self, interaction: discord.Interaction[Any], value: str, /) -> int | None:
        """A slash duration."""
        del interaction
        return self.seconds(value)


BRAZIL_ZONES = (
    "America/Sao_Paulo",
    "America/Manaus",
    "America/Cuiaba",
    "America/Campo_Grande",
    "America/Porto_Velho",
    "America/Boa_Vista",
    "America/Rio_Branco",
    "America/Belem",
    "America/Fortaleza",
    "America/Recife",
    "America/Bahia",
    "America/Noronha",
    "Europe/Lisbon",
    "UTC",
)
"""Offered first when a slash user types a zone: Brazil's zones, then Portugal and UTC."""

MAX_CHOICES = 25
"""The most choices Discord shows for an autocomplete option."""


class ZoneArgument(commands.Converter[str], app_commands.Transformer):
    """A time zone by its IANA name, in any case (`america/manaus`), as the canonical name.

    A slash option offers Brazil's zones first as the admin types.
    """

    @staticmethod
    def name(text: str, example: str) -> str:
        """The canonical name of `text`, or the usage error showing `example`."""
        zone = zone_named(text)
        if zone is None:
            raise UsageError(texts.ZONE_UNKNOWN.format(argument=shown(text), example=example), text)
        return zone

    async def convert(self, ctx: Context, argument: str) -> str:
        """A prefix zone name (the rest of the line: spaces stand for underscores)."""
        command = ctx.command.qualified_name if ctx.command else ""
        return self.name(argument, f"{ctx.clean_prefix}{command} {texts.ZONE_EXAMPLE}")

    async def transform(self, interaction: discord.Interaction[Any], value: str, /) -> str:
        """A slash zone name."""
        command = interaction.command.qualified_name if interaction.command else ""
        return self.name(value, f"/{command} {texts.ZONE_EXAMPLE}")

    async def autocomplete(  # type: ignore[override]
        self, interaction: discord.Interaction[Any], value: str, /
    ) -> list[app_commands.Choice[str]]:
        """Zone names containing what was typed, Brazil's first."""
        del interaction
        names = zone_names_like(str(value), BRAZIL_ZONES, MAX_CHOICES)
        return [app_commands.Choice(name=name, value=name) for name in names]


# ------------------------------------------------------------ ranking posts

PostChoice = Literal["semanal", "mensal", "desligada"]

POST_WORDS: dict[str, PostChoice] = {
    "semanal": "semanal",
    "semana": "semanal",
    "mensal": "mensal",
    "mes": "mensal",
    "mês": "mensal",
    "desligada": "desligada",
    "desligado": "desligada",
    "desligar": "desligada",
}
"""How often a server's ranking is posted, as admins may type it."""


def post_choice(text: str) -> PostChoice | None:
    """The posting frequency a word names; None when it names none.

    >>> post_choice("Semanal"), post_choice("mês"), post_choice("desligar"), post_choice("x")
    ('semanal', 'mensal', 'desligada', None)
    """
    return POST_WORDS.get(text.strip().casefold())


class PostFrequency(commands.Converter[str], app_commands.Transformer):
    """`semanal`, `mensal` or `desligada`; a slash option with those three choices."""

    @property
    def choices(self) -> list[app_commands.Choice[int | float | str]]:
        """Slash commands offer the three choices."""
        return [
            app_commands.Choice(name=word, value=word)
            for word in ("semanal", "mensal", "desligada")
        ]

    def read(self, text: str) -> PostChoice:
        """The frequency in `text`, or the usage error that says it is none."""
        choice = post_choice(text)
        if choice is None:
            raise not_understood(texts.POST_FREQUENCY_WHAT, text)
        return choice

    async def convert(self, ctx: Context, argument: str) -> PostChoice:
        """A prefix frequency."""
        del ctx
        return self.read(argument)

    async def transform(self, interaction: discord.Interaction[Any], value: str, /) -> PostChoice:
        """A slash frequency."""
        del interaction
        return self.read(value)


class PostChannel(commands.Converter[discord.TextChannel | None], app_commands.Transformer):
    """A text channel of the server (mention, id or name); a channel picker in slash commands.

    In a prefix command, a frequency word in its place is left for the next parameter and
    the channel is taken as not given (`!configvideo postagem desligada`).
    """

    @property
    def type(self) -> discord.AppCommandOptionType:
        """Slash commands offer a channel picker."""
        return discord.AppCommandOptionType.channel

    @property
    def channel_types(self) -> list[discord.ChannelType]:
        """Only channels a ranking can be posted in."""
        return [discord.ChannelType.text, discord.ChannelType.news]

    async def convert(self, ctx: Context, argument: str) -> discord.TextChannel | None:
        """The channel named by `argument` (None when it is a frequency left for later)."""
        if ctx.interaction is None and post_choice(argument) is not None:
            ctx.view.undo()
            return None
        try:
            return await commands.TextChannelConverter().convert(ctx, argument)
        except commands.ChannelNotFound as error:
            problem = texts.POST_CHANNEL_NOT_FOUND.format(argument=shown(argument))
            raise UsageError(problem, argument) from error

    async def transform(
        self, interaction: discord.Interaction[Any], value: Any, /
    ) -> discord.TextChannel:
        """The channel picked in a slash command, as the bot's cache has it."""
        channel = interaction.guild.get_channel(value.id) if interaction.guild else None
        if not isinstance(channel, discord.TextChannel):
            problem = texts.POST_CHANNEL_NOT_FOUND.format(argument=shown(str(value)))
            raise UsageError(problem, str(value))
        return channel


# -------------------------------------------------------------------- goals

REMOVE_GOAL = 0
"""What `GoalLength` reads a none word (`nenhuma`) as: no goal."""


class GoalLength(Length):
    """A goal's duration (`2h`, `1h30`, `45min`), or `nenhuma` to remove it (`REMOVE_GOAL`).

    One word in a prefix command (or one slash option); a goal of zero is refused.
    """

    def __init__(self, *, limit: int) -> None:
        """Refuse goals over `limit` seconds."""
        super().__init__(limit=limit, none_words=("nenhuma", "nenhum"))

    def seconds(self, text: str) -> int:
        """The goal's seconds (`REMOVE_GOAL` for a none word), or the usage error saying why not."""
        seconds = super().seconds(text)
        if seconds is None:
            return REMOVE_GOAL
        if seconds == 0:
            raise UsageError(texts.GOAL_ZERO, text)
        return seconds


class GoalPeriodArgument(commands.Converter[GoalPeriod]):
    """`dia` or `semana` (and `diaria`, `semanal`, accents accepted).

    >>> GoalPeriodArgument.parse("Diária"), GoalPeriodArgument.parse("semanal")
    ('dia', 'semana')
    >>> GoalPeriodArgument.parse("mes") is None
    True
    """

    @staticmethod
    def parse(text: str) -> GoalPeriod | None:
        """The goal period `text` names, None if it names none."""
        key = text.strip().lower().replace("á", "a")
        if key in ("dia", "diaria", "hoje"):
            return "dia"
        if key in ("semana", "semanal"):
            return "semana"
        return None

    async def convert(self, ctx: Context, argument: str) -> GoalPeriod:
        """The goal period named by `argument`."""
        del ctx
        period = self.parse(argument)
        if period is None:
            raise not_understood(texts.GOAL_PERIOD_WHAT, argument)
        return period


# ------------------------------------------------------------------ roles

ROLE_MENTION = re.compile(r"<@&([0-9]{15,20})>|([0-9]{15,20})")


class RoleArgument(commands.Converter[discord.Role], app_commands.Transformer):
    """A role of the server (by mention, id or name); a role option in slash commands."""

    @property
    def type(self) -> discord.AppCommandOptionType:
        """Slash commands offer a role picker."""
        return discord.AppCommandOptionType.role

    async def convert(self, ctx: Context, argument: str) -> discord.Role:
        """The role named by `argument`."""
        try:
            return await commands.RoleConverter().convert(ctx, argument)
        except commands.RoleNotFound as error:
            problem = texts.ROLE_NOT_FOUND.format(argument=shown(argument))
            raise UsageError(problem, argument) from error

    async def transform(
        self, interaction: discord.Interaction[Any], value: discord.Role, /
    ) -> discord.Role:
        """The role picked in a slash command."""
        del interaction
        return value


class RoleIdArgument(RoleArgument):
    """A role's id: of a role of the server, or any role id given by mention or number.

    A deleted role can still be named by its id (`!cargosvideo remover 123...`).
    """

    async def convert(self, ctx: Context, argument: str) -> int:  # type: ignore[override]
        """The id of the role named by `argument`."""
        try:
            return (await super().convert(ctx, argument)).id
        except UsageError:
            match = ROLE_MENTION.fullmatch(argument.strip())
            if match is None:
                raise
            return int(match.group(1) or match.group(2))

    async def transform(  # type: ignore[override]
        self, interaction: discord.Interaction[Any], value: discord.Role, /
    ) -> int:
        """The id of the role picked in a slash command."""
        del interaction
        return value.id


class RoleScopeArgument(commands.Converter[str], app_commands.Transformer):
    """Which time a role reward counts: `total` (all time) or `mes` (this month)."""

    WORDS = {"total": "total", "geral": "total", "mes": "mes", "mês": "mes", "mensal": "mes"}

    @property
    def choices(self) -> list[app_commands.Choice[int | float | str]]:
        """Slash commands offer the two scopes."""
        return [app_commands.Choice(name=name, value=name) for name in texts.ROLE_SCOPES]

    def scope(self, text: str) -> str:
        """The scope `text` names, or the usage error."""
        scope = self.WORDS.get(text.strip().casefold())
        if scope is None:
            raise not_understood(texts.ROLE_SCOPE_WHAT, text)
        return scope

    async def convert(self, ctx: Context, argument: str) -> str:
        """A prefix scope."""
        del ctx
        return self.scope(argument)

    async def transform(self, interaction: discord.Interaction[Any], value: str, /) -> str:
        """A slash scope."""
        del interaction
        return self.scope(value)


class Threshold(Length):
    """A setting's duration that must be more than zero (`10h`, `90min`)."""

    def seconds(self, text: str) -> int:
        """The seconds in `text`, or the usage error that says why not."""
        seconds = super().seconds(text)
        if not seconds:
            raise UsageError(texts.ROLE_THRESHOLD_ZERO, text)
        return seconds


class DailyLimit(Length):
    """A `Length` that cannot be zero (a day's limit of nothing): `nenhum` removes it."""

    def seconds(self, text: str) -> int | None:
        """The seconds in `text`, None for a none word, or the usage error that says why not."""
        seconds = super().seconds(text)
        if seconds == 0:
            raise UsageError(texts.SETTINGS_LIMIT_ZERO, text)
        return seconds


# ---------------------------------------------------------------- channels

VoicePlace = discord.VoiceChannel | discord.StageChannel | discord.CategoryChannel
"""Where camera time may be left uncounted: a voice or stage channel, or a whole category."""

_PLACE_CONVERTERS: tuple[commands.Converter[Any], ...] = (
    commands.VoiceChannelConverter(),
    commands.StageChannelConverter(),
    commands.CategoryChannelConverter(),
)


_CHANNEL_ID = re.compile(r"<#([0-9]{15,20})>|([0-9]{15,20})")


class VoicePlaceArgument(commands.Converter[VoicePlace | discord.Object], app_commands.Transformer):
    """A voice or stage channel, or a category, of the server (by mention, id or name).

    Slash commands offer a channel picker limited to those kinds. With `gone_ok`, a
    mention or id of a channel that no longer exists reads as a `discord.Object` (so a
    deleted channel can still be taken off a list).
    """

    def __init__(self, *, gone_ok: bool = False) -> None:
        """Read a channel or category; see the class for `gone_ok`."""
        super().__init__()
        self.gone_ok = gone_ok

    @property
    def type(self) -> discord.AppCommandOptionType:
        """Slash commands offer a channel picker."""
        return discord.AppCommandOptionType.channel

    @property
    def channel_types(self) -> list[discord.ChannelType]:
        """Only voice, stage and category channels can be picked."""
        return [
            discord.ChannelType.voice,
            discord.ChannelType.stage_voice,
            discord.ChannelType.category,
        ]

    async def convert(self, ctx: Context, argument: str) -> VoicePlace | discord.Object:
        """The channel or category named by `argument`."""
        for converter in _PLACE_CONVERTERS:
            try:
                place: VoicePlace = await converter.convert(ctx, argument)
            except commands.BadArgument:
                continue
            return place
        match = _CHANNEL_ID.fullmatch(argument.strip())
        if self.gone_ok and match is not None:
            guild = ctx.guild
            channel_id = int(match.group(1) or match.group(2))
            if guild is not None and guild.get_channel(channel_id) is None:
                return discord.Object(channel_id)
        raise not_understood(texts.PLACE_WHAT, argument)

    async def transform(self, interaction: discord.Interaction[Any], value: Any, /) -> VoicePlace:
        """The channel or category picked in a slash command (from the server's cache)."""
        guild = interaction.guild
        channel = guild.get_channel(int(value.id)) if guild is not None else None
        if not isinstance(
            channel, discord.VoiceChannel | discord.StageChannel | discord.CategoryChannel
        ):
            raise not_understood(texts.PLACE_WHAT, str(getattr(value, "name", value)))
        return channel
