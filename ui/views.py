"""Shared `discord.ui` helpers: views only the member who asked may use."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
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


CONFIRM_TIMEOUT_SECONDS = 60.0
"""How long a confirmation's buttons wait for the member who asked."""


class ConfirmView(OwnerOnlyView):
    """A confirm / Cancelar pair for the member who asked for something that cannot be undone.

    Confirming runs `on_confirm` once and shows the text it returns; cancelling, or no
    answer within `CONFIRM_TIMEOUT_SECONDS`, changes nothing and says so. Either way the
    buttons are disabled afterwards.
    """

    def __init__(
        self, owner_id: int, confirm_label: str, on_confirm: Callable[[], Awaitable[str]]
    ) -> None:
        """Ask member `owner_id`; the confirm button reads `confirm_label`."""
        super().__init__(owner_id, timeout=CONFIRM_TIMEOUT_SECONDS)
        self.on_confirm = on_confirm
        self.finished = False
        self.confirm.label = confirm_label

    def _end(self) -> None:
        """No more answers: disable the buttons and stop listening."""
        self.finished = True
        self.disable_all()
        self.stop()

    @discord.ui.button(label=texts.RESET_BUTTON_CONFIRM, style=discord.ButtonStyle.danger)
    async def confirm(
        self, interaction: discord.Interaction[Any], button: discord.ui.Button[ConfirmView]
    ) -> None:
        """Do it."""
        del button
        if self.finished:
            return
        self._end()
        await interaction.response.defer()  # writing to disk may outlast Discord's 3 s
        content = await self.on_confirm()
        await interaction.edit_original_response(content=content, view=self)

    @discord.ui.button(label=texts.RESET_BUTTON_CANCEL, style=discord.ButtonStyle.secondary)
    async def cancel(
        self, interaction: discord.Interaction[Any], button: discord.ui.Button[ConfirmView]
    ) -> None:
        """Leave everything as it is."""
        del button
        if self.finished:
            return
        self._end()
        await interaction.response.edit_message(content=texts.RESET_CANCELLED, view=self)

    async def on_timeout(self) -> None:
        """Nothing happens; say so and disable the buttons."""
        if self.finished:
            return
        self.finished = True
        self.disable_all()
        if self.message is None:
            return
        try:
            await self.message.edit(content=texts.RESET_TIMED_OUT, view=self)
        except discord.HTTPException as error:
            log.info("Não foi possível fechar a confirmação %s: %s", self.message.id, error)
