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

# --- admin and charts ---
RESET_CONFIRM_MEMBER = (
    "⚠️ Zerar todo o tempo de câmera de **{name}** neste servidor? Isso não pode ser desfeito."
)
RESET_CONFIRM_ALL = (
    "⚠️ Zerar o tempo de câmera de **todos os membros** deste servidor? Isso não pode ser desfeito."
)
RESET_BUTTON_CONFIRM = "Zerar"
RESET_BUTTON_CANCEL = "Cancelar"
RESET_DONE_MEMBER = "✅ O tempo de câmera de **{name}** foi zerado."
RESET_DONE_ALL = "✅ O tempo de câmera de todos os membros deste servidor foi zerado."
RESET_CANCELLED = "Cancelado: nada foi alterado."
RESET_TIMED_OUT = "⌛ Tempo esgotado: nada foi alterado."
RESET_USAGE_WHAT = "o membro (mencione alguém ou use `tudo`)"

ADJUST_ADDED = "✅ Adicionei {time} ao tempo de câmera de **{name}**. Total agora: {total}."
ADJUST_REMOVED = "✅ Removi {time} do tempo de câmera de **{name}**. Total agora: {total}."
ADJUST_NOTHING = "**{name}** não tem tempo de câmera para remover: nada foi alterado."
ADJUST_USAGE_WHAT = "a duração (exemplos: +1h30min, -20min, +45s, 2h)"

AUDIT_WRITE_FAILED = (
    "Não consegui gravar o registro de auditoria, então nada foi alterado. 😕 "
    "Tente de novo em instantes."
)
AUDIT_TITLE = "📋 Auditoria — últimas ações administrativas"
AUDIT_EMPTY = "Nenhum reset ou ajuste de tempo foi registrado neste servidor ainda."
AUDIT_RESET_MEMBER = "<t:{ts}:f> — **{admin}** zerou **{target}**"
AUDIT_RESET_ALL = "<t:{ts}:f> — **{admin}** zerou **o servidor todo**"
AUDIT_ADJUST = "<t:{ts}:f> — **{admin}** ajustou **{target}** em {change}"
AUDIT_REASON = "  ↳ motivo: {reason}"
AUDIT_FOOTER = "{shown} ação(ões) mais recente(s) • horários no seu fuso"

EXPORT_DONE = "📄 Tempo de câmera deste servidor ({period}): {members} membro(s)."
EXPORT_EMPTY = "Não há tempo de câmera registrado neste servidor ({period}): nada para exportar."
EXPORT_USAGE_WHAT = "o período (hoje, semana, mes ou total)"
EXPORT_HEADER = ("id_membro", "nome", "segundos", "sessoes", "tempo")
EXPORT_FILENAME = "tempo-de-camera-{period}-{day}.csv"

CHART_TITLE = "Horas de câmera por dia — {who}"
CHART_SUBTITLE = "Últimos {days} dias ({first} a {last}) • total: {total}"
CHART_AXIS_HOURS = "Horas"
CHART_DONE = "📊 Horas de câmera por dia de **{who}** nos últimos {days} dia(s): {total} no total."
CHART_EMPTY = "**{who}** não tem tempo de câmera nos últimos {days} dia(s): nada para desenhar. 📷"
CHART_USAGE_WHAT = "o número de dias (de 1 a 365)"
CHART_FILENAME = "grafico-camera.png"
