"""`!ajuda`: every command of the bot, in Portuguese, with an example each.

Built from the loaded commands' own metadata (usage, brief, extras), so each help line
exists once, beside the command it describes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, NamedTuple

import discord
from discord.ext import commands

from cogs.hybrid import hybrid_command
from ui import texts
from ui.style import EMBED_COLOR

if TYPE_CHECKING:
    from bot import BatePonto

Context = commands.Context["BatePonto"]

AnyCommand = commands.Command[Any, ..., Any]

SECTIONS = (texts.HELP_SECTION_MEMBERS, texts.HELP_SECTION_ADMINS, texts.HELP_SECTION_OWNER)
"""`!ajuda`'s sections, in order; a command names its own in `extras["section"]` (default:
the first)."""

ORDER = (
    "rankingvideo",
    "meutempo",
    "ajuda",
    "graficovideo",
    "resetvideo",
    "ajustarvideo",
    "exportvideo",
    "auditoriavideo",
    "configvideo",
    "sync",
)
"""The order `!ajuda` lists commands in; any other command follows, in the order it was loaded."""


class HelpEntry(NamedTuple):
    """How `!ajuda` shows one command, all of it taken from the command itself."""

    arguments: str
    """Its usage (`usage=`, else the signature discord.py derives)."""
    summary: str
    """What it does (`brief=`, else its slash `description=`)."""
    example: str = ""
    """The arguments of its example (`extras["example"]`)."""
    section: str = texts.HELP_SECTION_MEMBERS
    """Who may use it (`extras["section"]`, one of `SECTIONS`)."""
    subcommands: tuple[str, ...] = ()
    """A group's subcommands with their usage (`fuso <zona>`), in the order they were added,
    when the group asks for them (`extras["list_subcommands"]`)."""


def subcommands_line(command: AnyCommand) -> str:
    """A group's subcommands with their arguments, in the order they were defined; "" if none.

    E.g. "Ajustes: `sequencia <duração>`, `postagem <#canal> <semanal|mensal|desligada>`".
    """
    if not isinstance(command, commands.Group):
        return ""
    listed = [sub for sub in dict.fromkeys(command.all_commands.values()) if not sub.hidden]
    if not listed:
        return ""
    shown = ", ".join(f"`{f'{sub.name} {sub.signature}'.strip()}`" for sub in listed)
    return texts.HELP_SUBCOMMANDS.format(subcommands=shown)


def help_entry(command: AnyCommand) -> HelpEntry:
    """What a command says about itself for `!ajuda` (a group lists its subcommands too)."""
    summary = command.brief or command.description or command.short_doc
    if line := subcommands_line(command):
        summary = f"{summary}\n{line}"
    return HelpEntry(
        arguments=command.signature,
        summary=summary,
        example=command.extras.get("example", ""),
        section=command.extras.get("section", texts.HELP_SECTION_MEMBERS),
        subcommands=tuple(
            f"{sub.name} {sub.signature}".strip()
            for sub in dict.fromkeys(getattr(command, "all_commands", {}).values())
            if not sub.hidden and command.extras.get("list_subcommands")
        ),
    )


def help_line(prefix: str, name: str, entry: HelpEntry) -> str:
    """How one command is described: usage, purpose, example.

    >>> print(help_line("!", "meutempo", HelpEntry("[@membro]", "Seu tempo.", "@ana")))
    `!meutempo [@membro]`
    Seu tempo.
    Ex.: `!meutempo @ana`
    >>> entry = HelpEntry("", "Regras.", subcommands=("fuso <zona>",))
    >>> print(help_line("!", "configvideo", entry))
    `!configvideo`
    Regras.
    Ajustes: `fuso <zona>`
    Ex.: `!configvideo`
    """
    summary = entry.summary
    if entry.subcommands:
        listed = texts.HELP_SUBCOMMAND_SEPARATOR.join(f"`{sub}`" for sub in entry.subcommands)
        summary = f"{summary}\n{texts.HELP_SUBCOMMANDS.format(subcommands=listed)}"
    return texts.HELP_ENTRY.format(
        usage=f"{prefix}{name} {entry.arguments}".strip(),
        description=summary,
        example=f"{prefix}{name} {entry.example}".strip(),
    )


def _listed(position: tuple[int, AnyCommand]) -> tuple[int, int]:
    loaded, command = position
    return (ORDER.index(command.name) if command.name in ORDER else len(ORDER), loaded)


def catalogue(loaded: Iterable[AnyCommand]) -> dict[str, HelpEntry]:
    """Each visible command's entry, in the order `!ajuda` lists them.

    `loaded` may repeat a command (once per alias, as `Bot.all_commands` does).
    """
    unique = [command for command in dict.fromkeys(loaded) if not command.hidden]
    ordered = sorted(enumerate(unique), key=_listed)
    return {command.name: help_entry(command) for _, command in ordered}


def help_embed(prefix: str, loaded: Iterable[AnyCommand]) -> discord.Embed:
    """The `!ajuda` embed of the `loaded` commands, grouped by who may use each."""
    sections: dict[str, list[str]] = {title: [] for title in SECTIONS}
    for name, entry in catalogue(loaded).items():
        section = entry.section if entry.section in sections else texts.HELP_SECTION_MEMBERS
        sections[section].append(help_line(prefix, name, entry))
    embed = discord.Embed(
        title=texts.HELP_TITLE, description=texts.HELP_DESCRIPTION, color=EMBED_COLOR
    )
    for title, lines in sections.items():
        # A field holds at most 1024 characters: continue long sections in more fields.
        chunk: list[str] = []
        for line in lines:
            if chunk and len("\n\n".join([*chunk, line])) > 1024:
                embed.add_field(name=title, value="\n\n".join(chunk), inline=False)
                title, chunk = "\u200b", []
            chunk.append(line)
        if chunk:
            embed.add_field(name=title, value="\n\n".join(chunk), inline=False)
    embed.set_footer(text=texts.HELP_FOOTER.format(prefix=prefix))
    return embed


class Help(commands.Cog):
    """The Portuguese help (discord.py's own help command is switched off)."""

    def __init__(self, bot: BatePonto) -> None:
        """Attach to the bot."""
        self.bot = bot

    @hybrid_command(
        name="ajuda",
        aliases=["help"],
        ignore_extra=False,
        description=texts.DESCRIPTION_HELP,
        brief=texts.BRIEF_HELP,
    )
    async def ajuda(self, ctx: Context) -> None:
        """Mostra todos os comandos, com um exemplo de cada."""
        embed = help_embed(self.bot.settings.command_prefix, self.bot.all_commands.values())
        await ctx.send(embed=embed)


async def setup(bot: BatePonto) -> None:
    """Extension entry point."""
    await bot.add_cog(Help(bot))
