"""`!ajuda`: every command of the bot, in Portuguese, with an example each."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import discord
from discord.ext import commands

from ui import texts
from ui.style import EMBED_COLOR

if TYPE_CHECKING:
    from bot import BatePonto

Context = commands.Context["BatePonto"]

AnyCommand = commands.Command[Any, ..., Any]

HelpEntry = tuple[str, str, str]
"""(arguments, what the command does, example arguments)."""


def help_line(prefix: str, name: str, entry: HelpEntry) -> str:
    """How one command is described: usage, purpose, example.

    >>> print(help_line("!", "meutempo", ("[@membro]", "Seu tempo.", "@ana")))
    `!meutempo [@membro]`
    Seu tempo.
    Ex.: `!meutempo @ana`
    """
    arguments, description, example = entry
    return texts.HELP_ENTRY.format(
        usage=f"{prefix}{name} {arguments}".strip(),
        description=description,
        example=f"{prefix}{name} {example}".strip(),
    )


def catalogue(loaded: Iterable[AnyCommand]) -> dict[str, HelpEntry]:
    """The documented commands, plus any loaded command the documentation lacks."""
    entries: dict[str, HelpEntry] = dict(texts.HELP_COMMANDS)
    for command in loaded:
        if command.hidden or command.name in entries:
            continue
        summary = command.description or command.short_doc or ""
        entries[command.name] = (command.signature, summary, "")
    return entries


def help_embed(prefix: str, loaded: Iterable[AnyCommand]) -> discord.Embed:
    """The `!ajuda` embed, grouped by who may use each command."""
    entries = catalogue(loaded)
    sections: dict[str, list[str]] = {
        texts.HELP_SECTION_MEMBERS: [],
        texts.HELP_SECTION_ADMINS: [],
        texts.HELP_SECTION_OWNER: [],
    }
    for name, entry in entries.items():
        if name in texts.HELP_ADMIN_COMMANDS:
            section = texts.HELP_SECTION_ADMINS
        elif name in texts.HELP_OWNER_COMMANDS:
            section = texts.HELP_SECTION_OWNER
        else:
            section = texts.HELP_SECTION_MEMBERS
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

    @commands.hybrid_command(  # type: ignore[arg-type]  # discord.py's callback union defeats mypy
        name="ajuda",
        aliases=["help"],
        ignore_extra=False,
        description="Lista todos os comandos do bot",
    )
    async def ajuda(self, ctx: Context) -> None:
        """Mostra todos os comandos, com um exemplo de cada."""
        embed = help_embed(self.bot.settings.command_prefix, self.bot.commands)
        await ctx.send(embed=embed)


async def setup(bot: BatePonto) -> None:
    """Extension entry point."""
    await bot.add_cog(Help(bot))
