"""Shared `discord.ui` helpers: views only the member who asked may use."""

from __future__ import annotations

import logging
from typing import Any

import discord

from ui import texts

log = logging.getLogger(__name__)

VIEW_TIMEOUT_SECONDS = 120.0
"""How long buttons stay usable after the last press."""


class OwnerOnlyView(discord.ui.View):
    """A view whose items answer only the member who asked for it.

    Anyone else who presses gets a polite ephemeral refusal. When the view
    times out its items are disabled on the message it was sent with, so a
    stale button can no longer be pressed. Set `message` right after sending:

        view.message = await ctx.send(embed=embed, view=view)
    """

    def __init__(self, owner_id: int, *, timeout: float | None = VIEW_TIMEOUT_SECONDS) -> None:
        """A view only the member `owner_id` may use."""
        super().__init__(timeout=timeout)
        self.owner_id = owner_id
        self.message: discord.Message | None = None

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        """Let only the owner through; refuse everyone else politely, in private."""
        if interaction.user.id == self.owner_id:
            return True
        await interaction.response.send_message(
            texts.VIEW_NOT_YOURS,
            ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none(),
        )
        return False

    def disable_all(self) -> None:
        """Disable every button and select of the view."""
        for item in self.children:
            if isinstance(item, discord.ui.Button | discord.ui.Select):
                item.disabled = True

    async def on_timeout(self) -> None:
        """Disable the items on the message once nobody can use them any more."""
        self.disable_all()
        if self.message is None:
            return
        try:
            await self.message.edit(view=self)
        except discord.HTTPException as error:
            log.info(
                "Não foi possível desativar os botões da mensagem %s: %s", self.message.id, error
            )

    async def on_error(
        self,
        interaction: discord.Interaction[Any],
        error: Exception,
        item: discord.ui.Item[Any],
        /,
    ) -> None:
        """Log the failure with its traceback and apologise to the member."""
        log.error("O botão %r de %s falhou", item, type(self).__name__, exc_info=error)
        try:
            if interaction.response.is_done():
                await interaction.followup.send(texts.GENERIC_ERROR, ephemeral=True)
            else:
                await interaction.response.send_message(texts.GENERIC_ERROR, ephemeral=True)
        except discord.HTTPException:
            log.warning("Não foi possível responder ao erro de um botão de %s", type(self).__name__)
