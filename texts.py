"""Every message members read, in Brazilian Portuguese, as templates with named fields."""

from __future__ import annotations

GUILD_ONLY = "Este comando só funciona dentro de um servidor. 🙂"
BAD_ARGUMENT = "Não entendi {what}. Uso correto: `{usage}`"
GENERIC_ERROR = (
    "Desculpe, algo deu errado ao executar este comando. 😕 O erro foi registrado; "
    "tente de novo em instantes."
)
NO_PERMISSION = "Desculpe, só quem pode **Gerenciar Servidor** pode usar este comando."
OWNER_ONLY = "Desculpe, só o dono do bot pode usar este comando."
COOLDOWN = "Calma! ⏳ Você poderá usar este comando de novo em {seconds}s."
VIEW_NOT_YOURS = (
    "Estes botões são de quem pediu o comando. 🙂 Use o comando você mesmo para ter os seus."
)

RANKING_TITLE = "🏆 Ranking de câmera — {period}"
RANKING_EMPTY = (
    "Ainda não há tempo de câmera registrado neste servidor ({period}). "
    "Liguem as câmeras nos canais de voz e o ranking aparece aqui! 📹"
)
RANKING_PAGE_EMPTY = "A página {page} está vazia: o ranking tem {pages} página(s)."
RANKING_LINE = "**{position}.** {name} — {time} ({sessions})"
RANKING_FOOTER = "Página {page}/{pages} • {members} membro(s) no ranking"
RANKING_LIVE_NOTE = "🔴 inclui sessões em andamento"
RANKING_YOUR_POSITION = "Sua posição: #{position} — {time}"
RANKING_NOT_RANKED = "Você ainda não aparece neste ranking."
RANKING_USAGE_WHAT = "o período ou a página"
