"""Every message members read, in Brazilian Portuguese, as templates with named fields."""

from __future__ import annotations

GUILD_ONLY = "Este comando só funciona dentro de um servidor. 🙂"

# --- nouns with their plural, for `utils.plural(count, *PAIR)` ---
PAGES = ("página", "páginas")
MEMBERS = ("membro", "membros")
SESSIONS = ("sessão", "sessões")
DAYS = ("dia", "dias")
RECENT_ACTIONS = ("ação mais recente", "ações mais recentes")

# --- arguments a command could not use: one problem, then the usage line ---
USAGE_LINE = "{problem} Uso correto: `{usage}`"
NOT_UNDERSTOOD = "Não entendi {what}: “{argument}”."
MISSING_ARGUMENT = "Faltou {what}."
EXTRA_WORDS = "Não sei o que fazer com “{extra}” no fim do comando."
MEMBER_NOT_FOUND = "Não encontrei o membro “{argument}” neste servidor."
OUT_OF_RANGE = "Fora do limite: {what} vai de {minimum} a {maximum} (você pediu “{argument}”)."
OUT_OF_RANGE_MIN = (
    "Fora do limite: {what} precisa ser no mínimo {minimum} (você pediu “{argument}”)."
)
BOT_NOT_COUNTED = "**{name}** é um bot, e o tempo de câmera de bots nunca é contado."
ARGUMENT_NAMES = {
    "membro": "o membro",
    "quantidade": "a duração",
    "motivo": "o motivo",
    "periodo": "o período",
    "pagina": "a página",
    "dias": "o número de dias",
    "duracao": "a duração",
    "canal": "o canal",
    "pessoas": "o número de pessoas",
    "zona": "o fuso horário",
    "meta": "a meta",
    "cargo": "o cargo",
    "escopo": "o escopo (total ou mes)",
}
"""How each command parameter is named when it is missing or unreadable."""
ARGUMENTS_FALLBACK = "os argumentos"
PERIOD_WHAT = "o período (hoje, semana, mes ou total)"
PERIOD_STREAK_WHAT = "o período (hoje, semana, mes, total ou sequencia)"

# --- each command, as members meet it ---
# Each command takes these from its decorators, so every line exists once:
# `USAGE_*` is its `usage` (the arguments, in `!ajuda` and in every usage line),
# `DESCRIPTION_*` its `description` (the slash menu, at most 100 characters),
# `BRIEF_*` its `brief` (its line in `!ajuda`), `EXAMPLE_*` the arguments of its
# `!ajuda` example (`extras["example"]`), `DESCRIBE_*` its slash parameters
# (`@app_commands.describe(**DESCRIBE_*)`).
DESCRIBE_PERIOD = "hoje, semana, mes ou total (padrão: total)"
DESCRIBE_REASON = "Por que (vai para a auditoria)"

USAGE_RANKING = "[hoje|semana|mes|total|sequencia] [página]"
DESCRIPTION_RANKING = "Ranking de tempo com a câmera ligada neste servidor"
BRIEF_RANKING = (
    "Ranking de tempo de câmera do servidor, 10 por página; `sequencia` mostra quem está há "
    "mais dias seguidos com a câmera ligada."
)
EXAMPLE_RANKING = "semana 2"
DESCRIBE_RANKING = {
    "periodo": "hoje, semana, mes, total ou sequencia (padrão: total)",
    "pagina": "Página do ranking",
}

USAGE_MEUTEMPO = "[@membro]"
DESCRIPTION_MEUTEMPO = "Seu tempo de câmera neste servidor (ou o de outro membro)"
BRIEF_MEUTEMPO = (
    "Seu tempo (ou o de outro membro): total, sessões, média, hoje, semana, mês, sequência "
    "de dias, posição e, para você, o progresso da sua meta."
)
EXAMPLE_MEUTEMPO = "@ana"
DESCRIBE_MEUTEMPO = {"membro": "De quem mostrar o tempo (padrão: você)"}

USAGE_GOAL = "[duração|nenhuma] [dia|semana]"
DESCRIPTION_GOAL = "Define, mostra ou remove a sua meta de tempo de câmera (por dia ou semana)"
BRIEF_GOAL = (
    "Sua meta de câmera por dia (padrão) ou por semana; o `!meutempo` mostra o progresso. "
    "Sem nada, mostra a meta; `nenhuma` remove."
)
EXAMPLE_GOAL = "2h"
DESCRIBE_GOAL = {
    "meta": "Ex.: 2h, 1h30, 45min; nenhuma remove a meta; vazio mostra a meta atual",
    "periodo": "dia ou semana (padrão: dia)",
}
GOAL_PERIOD_WHAT = "o período da meta (dia ou semana)"
GOAL_ZERO = "Uma meta de zero não é meta: use, por exemplo, 30min ou 2h (ou nenhuma para remover)."
GOAL_DAY_TOO_LONG = "Uma meta por dia vai até 24h (você pediu “{argument}”); para mais, use semana."
GOAL_SET = "🎯 Meta definida: {goal} {per}. Agora: {progress}."
GOAL_UNCHANGED = "Nada mudou: sua meta já é {goal} {per}. Agora: {progress}."
GOAL_SHOW = "🎯 Sua meta é {goal} {per}. Agora: {progress}."
GOAL_NONE = (
    "Você ainda não tem meta neste servidor. Defina uma com `{prefix}metavideo 2h` (por dia) "
    "ou `{prefix}metavideo 10h semana`."
)
GOAL_REMOVED = "Meta removida: o `{prefix}meutempo` não mostra mais o progresso."
GOAL_NOTHING_TO_REMOVE = "Você não tinha meta neste servidor: nada mudou."
GOAL_SAVE_FAILED = (
    "Não consegui salvar a sua meta agora, então nada mudou. 😕 Tente de novo em instantes."
)
GOAL_PER = {"dia": "por dia", "semana": "por semana"}
GOAL_PROGRESS = {"dia": "{done} de {goal} hoje", "semana": "{done} de {goal} nesta semana"}
GOAL_REACHED = " ✅"

DESCRIPTION_HELP = "Lista todos os comandos do bot"
BRIEF_HELP = "Mostra esta lista de comandos."

USAGE_CHART = "[@membro] [dias]"
DESCRIPTION_CHART = "Gráfico das horas de câmera por dia (do servidor ou de um membro)"
BRIEF_CHART = "Gráfico das horas de câmera por dia (padrão 30 dias, máximo 365)."
EXAMPLE_CHART = "@ana 14"
DESCRIBE_CHART = {
    "membro": "De quem (padrão: o servidor todo)",
    "dias": "Quantos dias (1 a 365, padrão 30)",
}

USAGE_RESET = "<@membro|tudo> [motivo]"
DESCRIPTION_RESET = "Zera o tempo de câmera de um membro (com confirmação)"
BRIEF_RESET = "Zera o tempo de um membro ou do servidor inteiro (pede confirmação)."
EXAMPLE_RESET = "@ana"
DESCRIBE_RESET = {"membro": "Quem terá o tempo zerado", "motivo": DESCRIBE_REASON}

USAGE_RESET_ALL = "[motivo]"
DESCRIPTION_RESET_ALL = "Zera o tempo de câmera de todo o servidor"
DESCRIBE_RESET_ALL = {"motivo": DESCRIBE_REASON}

USAGE_ADJUST = "<@membro> <+1h30min|-20min> <motivo>"
DESCRIPTION_ADJUST = "Adiciona ou remove tempo de câmera de um membro"
BRIEF_ADJUST = (
    "Soma ou tira tempo de um membro (ex.: +1h 30min, 1h30, 1,5h, -20min), com o motivo "
    "registrado na auditoria."
)
EXAMPLE_ADJUST = "@ana +30min esqueceu de ligar a câmera"
DESCRIBE_ADJUST = {
    "membro": "Quem terá o tempo ajustado",
    "quantidade": "Ex.: +1h 30min, 1h30, 1,5h, -20min, +45s",
    "motivo": DESCRIBE_REASON,
}

USAGE_EXPORT = "[hoje|semana|mes|total]"
DESCRIPTION_EXPORT = "Exporta o tempo de câmera do servidor em CSV"
BRIEF_EXPORT = "Exporta o ranking do período em CSV."
EXAMPLE_EXPORT = "mes"
DESCRIBE_EXPORT = {"periodo": DESCRIBE_PERIOD}

DESCRIPTION_AUDIT = "Mostra os últimos resets e ajustes de tempo deste servidor"
BRIEF_AUDIT = "Mostra os últimos ajustes e zeramentos feitos à mão."

DESCRIPTION_SYNC = "Registra os comandos de barra no Discord"
BRIEF_SYNC = "Registra os comandos de barra no Discord."

GENERIC_ERROR = (
    "Desculpe, algo deu errado ao executar este comando. 😕 O erro foi registrado; "
    "tente de novo em instantes."
)
NO_PERMISSION = "Desculpe, só quem tem a permissão **Gerenciar Servidor** pode usar este comando."
OWNER_ONLY = "Desculpe, só o dono do bot pode usar este comando."
COOLDOWN = "Calma! ⏳ Você poderá usar este comando de novo em {wait}, às <t:{at}:T>."
VIEW_NOT_YOURS = (
    "Estes botões são de quem pediu o comando. 🙂 Use o comando você mesmo para ter os seus."
)

RANKING_TITLE = "🏆 Ranking de câmera — {period}"
RANKING_EMPTY = (
    "Ainda não há tempo de câmera registrado neste servidor ({period}). "
    "Liguem as câmeras nos canais de voz e o ranking aparece aqui! 📹"
)
RANKING_PAGE_EMPTY = "A página {page} está vazia: o ranking tem {pages}."
RANKING_LINE = "**{position}.** {name} — {time} ({sessions})"
RANKING_FOOTER = "Página {page}/{pages} • {members} no ranking"
RANKING_LIVE_NOTE = "🔴 inclui sessões em andamento"
RANKING_YOUR_POSITION = "Sua posição: #{position} — {time}"
RANKING_NOT_RANKED = "Você ainda não aparece neste ranking."
RANKING_STREAK_LINE = "**{position}.** {name} — {days} (melhor: {best})"
RANKING_STREAK_RULE = (
    "Dias seguidos com pelo menos {minimum} de câmera; hoje entra na conta quando chegar lá."
)
RANKING_STREAK_YOUR_POSITION = "Sua posição: #{position} — {days}"
RANKING_STREAK_EMPTY = (
    "Ninguém deste servidor está numa sequência agora. Uma sequência são dias seguidos com "
    "pelo menos {minimum} de câmera: liguem as câmeras e ela começa hoje! 🔥"
)
RANKING_PREVIOUS = "◀"
RANKING_NEXT = "▶"
UNKNOWN_MEMBER = "Membro {user_id}"

MEUTEMPO_TITLE = "⏱️ Tempo de câmera de {name}"
MEUTEMPO_NONE_SELF = (
    "Você ainda não tem tempo de câmera registrado neste servidor. "
    "Ligue a câmera num canal de voz e o tempo começa a contar! 📹"
)
MEUTEMPO_NONE_OTHER = "{name} ainda não tem tempo de câmera registrado neste servidor."
MEUTEMPO_TOTAL = "Total"
MEUTEMPO_SESSIONS = "Sessões"
MEUTEMPO_AVERAGE = "Média por sessão"
MEUTEMPO_LONGEST = "Maior sessão"
MEUTEMPO_TODAY = "Hoje"
MEUTEMPO_WEEK = "Esta semana"
MEUTEMPO_MONTH = "Este mês"
MEUTEMPO_POSITION = "Posição no servidor"
MEUTEMPO_STREAK = "Sequência atual"
MEUTEMPO_BEST_STREAK = "Melhor sequência"
MEUTEMPO_GOAL = "Meta"
MEUTEMPO_POSITION_VALUE = "#{position} de {members}"
MEUTEMPO_NOT_RANKED = "—"
MEUTEMPO_NOW = "Agora"
MEUTEMPO_LIVE = "🔴 Câmera ligada há {time} (desde {since})"
MEUTEMPO_OFFLINE = "Câmera desligada"

HELP_TITLE = "📖 Comandos do Bate-Ponto"
HELP_DESCRIPTION = (
    "Eu conto quanto tempo cada membro fica com a **câmera ligada** nos canais de voz "
    "e mostro quem lidera. Todos os comandos também funcionam como comandos de barra "
    "(digite `/`)."
)
HELP_SECTION_MEMBERS = "Para todos"
HELP_SECTION_ADMINS = "Para administradores (Gerenciar Servidor)"
HELP_SECTION_OWNER = "Para o dono do bot"
HELP_ENTRY = "`{usage}`\n{description}\nEx.: `{example}`"
HELP_SUBCOMMANDS = "Ajustes: {subcommands}"
HELP_SUBCOMMAND_SEPARATOR = " · "
HELP_FOOTER = "Prefixo dos comandos neste bot: {prefix}"

SYNC_DONE = "✅ Comandos de barra registrados no Discord: {count}."

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

ADJUST_ADDED = "✅ Adicionei {time} ao tempo de câmera de **{name}**. Total agora: {total}."
ADJUST_REMOVED = "✅ Removi {time} do tempo de câmera de **{name}**. Total agora: {total}."
ADJUST_NOTHING = "**{name}** não tem tempo de câmera para remover: nada foi alterado."
ADJUST_DURATION_WHAT = "a duração (exemplos: +1h 30min, 1h30, 1,5h, -20min, +45s)"
ADJUST_ZERO = "Uma duração de zero não muda nada: use, por exemplo, +30min ou -20min."
ADJUST_TOO_LONG = "A duração “{argument}” passa do limite de {limit} por ajuste."

AUDIT_WRITE_FAILED = (
    "Não consegui gravar o registro de auditoria, então nada foi alterado. 😕 "
    "Tente de novo em instantes."
)
AUDIT_READ_FAILED = "⚠️ Não consegui ler o registro de auditoria agora. Tente de novo em instantes."
AUDIT_TITLE = "📋 Auditoria — últimas ações administrativas"
AUDIT_EMPTY = "Nenhum reset ou ajuste de tempo foi registrado neste servidor ainda."
AUDIT_RESET_MEMBER = "<t:{ts}:f> — **{admin}** zerou **{target}**"
AUDIT_RESET_ALL = "<t:{ts}:f> — **{admin}** zerou **o servidor todo**"
AUDIT_ADJUST = "<t:{ts}:f> — **{admin}** ajustou **{target}** em {change}"
AUDIT_REASON = "  ↳ motivo: {reason}"
AUDIT_FOOTER = "{shown} • horários no seu fuso"

EXPORT_DONE = "📄 Tempo de câmera deste servidor ({period}): {members}."
EXPORT_EMPTY = "Não há tempo de câmera registrado neste servidor ({period}): nada para exportar."
EXPORT_HEADER = ("id_membro", "nome", "segundos", "sessoes", "tempo")
EXPORT_FILENAME = "tempo-de-camera-{period}-{day}.csv"

CHART_TITLE = "Horas de câmera por dia — {who}"
CHART_SUBTITLE = "Últimos {days} dias ({first} a {last}) • total: {total}"
CHART_SUBTITLE_TODAY = "Hoje ({last}) • total: {total}"
CHART_AXIS_HOURS = "Horas"
CHART_TODAY_KEY = "■ hoje"
CHART_SPAN_TODAY = "hoje"
CHART_SPAN_DAYS = "nos últimos {days} dias"
CHART_DONE = "📊 Horas de câmera por dia de **{who}** {span}: {total} no total."
CHART_EMPTY = "**{who}** não tem tempo de câmera {span}: nada para desenhar. 📷"
CHART_FILENAME = "grafico-camera.png"

# --- personal view: manual adjustments ---
MEUTEMPO_ADJUSTED = "Ajuste manual"
MEUTEMPO_ADJUSTED_VALUE = "{change} (já no total; não conta na média nem na maior sessão)"

AUDIT_UNREADABLE_ONE = " • 1 registro ilegível foi ignorado"
AUDIT_UNREADABLE_MANY = " • {count} registros ilegíveis foram ignorados"

# --- per-server settings (`!configvideo`) ---
LENGTH_WHAT = "a duração (exemplos: 15min, 1h30, 2h, 45s)"
LENGTH_TOO_LONG = "A duração “{argument}” passa do limite de {limit}."
SETTINGS_SECTION = "⚙️ Configuração do servidor"
USAGE_SETTINGS = "[ajuste] [valor]"
DESCRIPTION_SETTINGS = "Mostra ou muda as regras de contagem deste servidor"
BRIEF_SETTINGS = "Mostra as regras deste servidor; com um ajuste, muda uma delas."
EXAMPLE_SETTINGS = "sequencia 30min"
SETTINGS_TITLE = "⚙️ Configurações de {guild}"
SETTINGS_FOOTER = "Mude com {prefix}configvideo <ajuste> <valor> • veja {prefix}ajuda"
SETTINGS_FIELD_STREAK = "Sequência (mínimo por dia)"
SETTINGS_SAVE_FAILED = (
    "⚠️ Não consegui salvar a configuração agora, e nada foi mudado. Tente de novo em instantes."
)
SETTINGS_UNCHANGED = "Nada mudou: {setting} já é {value}."
USAGE_SETTINGS_STREAK = "<duração>"
DESCRIPTION_SETTINGS_STREAK = "Tempo mínimo de câmera num dia para ele contar na sequência"
DESCRIBE_SETTINGS_STREAK = {"duracao": "Ex.: 15min, 30min, 1h (padrão: 15min)"}
SETTINGS_STREAK_SET = (
    "✅ Agora um dia conta para a sequência com pelo menos **{value}** de câmera "
    "(antes: {before}). As sequências são recalculadas pelo histórico."
)
SETTINGS_STREAK_NAME = "o mínimo da sequência"
AUDIT_SETTING = "<t:{ts}:f> — **{admin}** mudou {setting}: {change}"
USAGE_SETTINGS_ZONE = "<zona>"
DESCRIPTION_SETTINGS_ZONE = "Fuso horário dos dias, semanas e meses deste servidor"
DESCRIBE_SETTINGS_ZONE = {
    "zona": "Nome IANA, ex.: America/Sao_Paulo, America/Manaus, Europe/Lisbon"
}
ZONE_UNKNOWN = (
    "Não conheço o fuso horário “{argument}”: use um nome da lista IANA, como em `{example}`."
)
ZONE_EXAMPLE = "America/Manaus"
SETTINGS_FIELD_ZONE = "Fuso horário"
SETTINGS_ZONE_PENDING = "{zone}\n→ {pending} a partir de {day}"
SETTINGS_ZONE_NAME = "o fuso horário"
SETTINGS_ZONE_SET = (
    "✅ A partir de **{day}** (o próximo dia local), os dias, semanas e meses deste servidor "
    "seguem o fuso **{zone}** (até lá: {before}). Hoje e os dias anteriores ficam como estavam."
)
SETTINGS_ZONE_KEPT = (
    "✅ A troca de fuso marcada para {day} ({pending}) foi cancelada: o fuso continua "
    "**{zone}**. Os dias já contados ficam como estavam."
)
SETTINGS_ZONE_ALREADY = "Nada mudou: o fuso já passa a ser {zone} a partir de {day}."
SETTINGS_ZONE_AUDIT_FROM = "{zone} a partir de {day}"

# `!configvideo ignorar|contar <#canal|categoria>`
PLACE_WHAT = "um canal de voz, palco ou categoria deste servidor (#canal, nome ou id)"
USAGE_SETTINGS_PLACE = "<#canal|categoria>"
DESCRIPTION_SETTINGS_IGNORE = "Para de contar a câmera num canal de voz ou numa categoria inteira"
DESCRIPTION_SETTINGS_COUNT = "Volta a contar a câmera num canal ou categoria ignorado"
DESCRIBE_SETTINGS_PLACE = {"canal": "Canal de voz, palco ou categoria"}
SETTINGS_FIELD_IGNORED = "Canais ignorados"
SETTINGS_IGNORED_NONE = "nenhum"
SETTINGS_IGNORED_NAME = "os canais ignorados"
SETTINGS_IGNORED_SET = (
    "✅ A câmera em {place} não conta mais, como no canal AFK. Quem está lá com a câmera "
    "ligada tem a sessão encerrada agora; o tempo já contado fica."
)
SETTINGS_COUNTED_SET = "✅ A câmera em {place} volta a contar, a partir de agora."
SETTINGS_ALREADY_IGNORED = "Nada mudou: {place} já não conta."
SETTINGS_NOT_IGNORED = "Nada mudou: {place} não estava entre os ignorados."
SETTINGS_IGNORED_BY_CATEGORY = (
    "Nada mudou: {place} está na categoria {category}, que continua ignorada; "
    "use `{prefix}configvideo contar` com a categoria."
)

# `!configvideo minimo <duração>`
USAGE_SETTINGS_MINIMUM = "<duração>"
DESCRIPTION_SETTINGS_MINIMUM = "Duração mínima de uma sessão de câmera para ela contar"
DESCRIBE_SETTINGS_MINIMUM = {"duracao": "Ex.: 0s, 30s, 2min (padrão: 0s, toda sessão conta)"}
SETTINGS_FIELD_MINIMUM = "Sessão mínima"
SETTINGS_MINIMUM_NAME = "a sessão mínima"
SETTINGS_MINIMUM_SET = (
    "✅ Agora só contam sessões de pelo menos **{value}** (antes: {before}). Uma sessão que "
    "chega a esse tempo conta inteira, desde o início."
)
SETTINGS_MINIMUM_OFF = "✅ Agora toda sessão conta, por mais curta que seja (antes: {before})."

# `!configvideo limite <duração|nenhum>`
USAGE_SETTINGS_LIMIT = "<duração|nenhum>"
DESCRIPTION_SETTINGS_LIMIT = "O máximo de câmera que conta por membro num dia"
DESCRIBE_SETTINGS_LIMIT = {"duracao": "Ex.: 4h, 8h30 ou nenhum (padrão: nenhum)"}
SETTINGS_FIELD_LIMIT = "Limite por dia"
SETTINGS_LIMIT_NONE = "nenhum"
SETTINGS_LIMIT_NAME = "o limite por dia"
SETTINGS_LIMIT_ZERO = "Um limite de 0s não deixaria nada contar; para tirar o limite, use “nenhum”."
SETTINGS_LIMIT_SET = (
    "✅ Agora conta no máximo **{value}** de câmera por membro em cada dia (antes: {before}). "
    "O que já foi contado hoje fica; o que passar do limite só volta a contar no dia seguinte."
)
SETTINGS_LIMIT_OFF = "✅ Não há mais limite por dia (antes: {before})."

# `!configvideo companhia <n>`
USAGE_SETTINGS_COMPANY = "<pessoas>"
DESCRIPTION_SETTINGS_COMPANY = "Quantas pessoas precisam estar no canal para a câmera contar"
DESCRIBE_SETTINGS_COMPANY = {"pessoas": "De 1 a 99, o próprio membro incluído (padrão: 1)"}
SETTINGS_FIELD_COMPANY = "Companhia mínima"
SETTINGS_COMPANY_NAME = "a companhia mínima"
SETTINGS_COMPANY_SET = (
    "✅ Agora a câmera só conta com pelo menos **{value}** no canal, o próprio membro "
    "incluído; bots não contam (antes: {before}). Quando falta gente, a contagem pausa e "
    "volta sozinha, na mesma sessão."
)
SETTINGS_COMPANY_OFF = (
    "✅ Agora a câmera conta mesmo com o membro sozinho no canal (antes: {before})."
)

SETTING_NAMES = {
    "sequencia": SETTINGS_STREAK_NAME,
    "fuso": SETTINGS_ZONE_NAME,
    "ignorar": SETTINGS_IGNORED_NAME,
    "contar": SETTINGS_IGNORED_NAME,
    "minimo": SETTINGS_MINIMUM_NAME,
    "limite": SETTINGS_LIMIT_NAME,
    "companhia": SETTINGS_COMPANY_NAME,
    "postagem": "a postagem do ranking",
    "cargos": "os cargos por tempo de câmera",
}
"""How `!auditoriavideo` names each setting (by its `!configvideo` subcommand)."""

# --- automatic ranking posts (`!configvideo postagem`) ---
USAGE_SETTINGS_POST = "<#canal> <semanal|mensal|desligada>"
DESCRIPTION_SETTINGS_POST = "Posta o ranking da semana ou do mês que terminou num canal"
DESCRIBE_SETTINGS_POST = {
    "canal": "Onde postar o ranking (não precisa para desligar)",
    "frequencia": "semanal (toda segunda 00:00), mensal (todo dia 1º) ou desligada",
}
EXAMPLE_SETTINGS_POST = "postagem #ranking semanal"
SETTINGS_FIELD_POST = "Postagem do ranking"
POST_OFF = "desligada"
POST_EVERY_NAMES = {"semanal": "semanal", "mensal": "mensal"}
POST_SETTING_VALUE = "{every} em {channel}"
SETTINGS_POST_NAME = SETTING_NAMES["postagem"]
POST_FREQUENCY_WHAT = "a frequência (semanal, mensal ou desligada)"
POST_CHANNEL_MISSING = "Faltou o canal onde postar o ranking."
POST_FREQUENCY_MISSING = "Faltou a frequência (semanal, mensal ou desligada)."
POST_CHANNEL_NOT_FOUND = "Não encontrei o canal de texto “{argument}” neste servidor."
SETTINGS_POST_SET_WEEKLY = (
    "✅ Toda segunda-feira, à 00:00, vou postar em {channel} o top 10 da semana que terminou "
    "(antes: {before})."
)
SETTINGS_POST_SET_MONTHLY = (
    "✅ Todo dia 1º, à 00:00, vou postar em {channel} o top 10 do mês que terminou "
    "(antes: {before})."
)
SETTINGS_POST_OFF = "✅ Postagem automática do ranking desligada (antes: {before})."
POST_MISSING_PERMISSION = (
    "⚠️ Não consigo postar em {channel}: me falta a permissão {permissions} nesse canal. "
    "Dê essa permissão ao bot (ou escolha outro canal) e tente de novo; nada foi mudado."
)
POST_MISSING_PERMISSIONS = (
    "⚠️ Não consigo postar em {channel}: me faltam as permissões {permissions} nesse canal. "
    "Dê essas permissões ao bot (ou escolha outro canal) e tente de novo; nada foi mudado."
)
POST_PERMISSION_NAMES = {
    "view_channel": "Ver canal",
    "send_messages": "Enviar mensagens",
    "embed_links": "Inserir links",
    "read_message_history": "Ver histórico de mensagens",
}
POST_MONTHS = (
    "janeiro",
    "fevereiro",
    "março",
    "abril",
    "maio",
    "junho",
    "julho",
    "agosto",
    "setembro",
    "outubro",
    "novembro",
    "dezembro",
)
POST_WEEK_TITLE = "🏆 Ranking de câmera — semana de {first} a {last}"
POST_MONTH_TITLE = "🏆 Ranking de câmera — {month} de {year}"
POST_EMPTY = "Ninguém ligou a câmera neste período. Que tal começar o próximo com tudo? 📹"
POST_FOOTER = "{members} no ranking • o ranking de agora: {prefix}rankingvideo"

# --- role rewards (`!cargosvideo`) ---
ROLE_REWARDS = ("cargo", "cargos")
SETTINGS_FIELD_ROLES = "Cargos por tempo de câmera"
SETTINGS_ROLES_NONE = "nenhum"
USAGE_ROLES = "[adicionar|remover]"
DESCRIPTION_ROLES = "Lista os cargos que os membros ganham por tempo de câmera"
BRIEF_ROLES = (
    "Lista os cargos dados por tempo de câmera (no total ou no mês); com adicionar ou "
    "remover, muda a lista."
)
EXAMPLE_ROLES = "adicionar @Focado 10h"
USAGE_ROLES_ADD = "<@cargo> <duração> [total|mes]"
DESCRIPTION_ROLES_ADD = "Dá um cargo a quem chegar a um tempo de câmera (no total ou no mês)"
DESCRIBE_ROLES_ADD = {
    "cargo": "O cargo que o membro ganha",
    "duracao": "Tempo de câmera necessário. Ex.: 10h, 90min, 1h30",
    "escopo": "total: desde sempre (padrão); mes: só neste mês (sai na virada do mês)",
}
USAGE_ROLES_REMOVE = "<@cargo>"
DESCRIPTION_ROLES_REMOVE = "Deixa de dar um cargo por tempo de câmera"
DESCRIBE_ROLES_REMOVE = {"cargo": "O cargo que sai da lista"}
ROLE_NOT_FOUND = "Não encontrei o cargo “{argument}” neste servidor."
ROLE_SCOPE_WHAT = "o escopo (total ou mes)"
ROLE_THRESHOLD_ZERO = "Um cargo por tempo precisa de pelo menos 1s de câmera (por exemplo, 10h)."
ROLE_SCOPES = {"total": "no total", "mes": "no mês"}
ROLES_TITLE = "🎖️ Cargos por tempo de câmera em {guild}"
ROLES_LINE = "{role} — {time} de câmera {scope}"
ROLES_DELETED_ROLE = "cargo apagado ({role_id})"
ROLES_MONTH_NOTE = "Cargos do mês saem na virada do mês de quem não chegar de novo ao tempo."
ROLES_EMPTY = (
    "Este servidor ainda não dá cargos por tempo de câmera. Adicione um com "
    "`{prefix}cargosvideo adicionar @cargo 10h` (ou `... 5h mes` para o tempo do mês)."
)
ROLES_FOOTER = "Mude com {prefix}cargosvideo adicionar|remover"
ROLES_ADDED = "✅ Quem chegar a **{time}** de câmera {scope} ganha o cargo {role}."
ROLES_CHANGED = "✅ O cargo {role} agora vem com **{time}** de câmera {scope} (antes: {before})."
ROLES_MONTHLY_ADDED = " Ele sai na virada do mês de quem não chegar de novo a esse tempo."
ROLES_UNCHANGED = "Nada mudou: o cargo {role} já vem com {time} de câmera {scope}."
ROLES_REMOVED = (
    "✅ O cargo {role} não é mais dado por tempo de câmera. Quem já tem continua com ele."
)
ROLES_NOT_LISTED = "O cargo {role} não está na lista de cargos por tempo de câmera."
ROLES_TOO_MANY = (
    "Este servidor já tem {count} por tempo de câmera, o máximo: remova um antes de "
    "adicionar outro."
)
ROLES_REFUSED_MANAGED = (
    "Não posso usar {role}: é um cargo gerenciado por uma integração (ou o @everyone), que "
    "ninguém consegue dar à mão. Escolha outro cargo."
)
ROLES_WARN_NO_PERMISSION = (
    "⚠️ Mas eu não tenho a permissão **Gerenciar Cargos** neste servidor: enquanto não a "
    "tiver, não consigo entregar nem tirar o cargo (o tempo de câmera continua contando)."
)
ROLES_WARN_ABOVE = (
    "⚠️ Mas o cargo {role} não está abaixo do meu cargo mais alto ({top}): em Configurações "
    "do servidor → Cargos, arraste o meu cargo para cima dele, senão não consigo entregá-lo "
    "(o tempo de câmera continua contando)."
)
ROLES_LIST_NO_PERMISSION = "⚠️ Sem a permissão **Gerenciar Cargos** não consigo entregar cargos."
ROLES_LIST_ABOVE = "⚠️ acima do meu cargo mais alto: não consigo entregá-lo"
AUDIT_ROLE_NONE = "nenhum"
ROLE_CHANGE_REASON = "Bate-Ponto: cargo por tempo de câmera"
AUDIT_ROLE_CHANGE = "{role}: {value}"
# --- privacy (LGPD art. 18): a member's own data ---
DESCRIPTION_MEUSDADOS = "Receba um arquivo com tudo o que o bot guarda sobre você neste servidor"
BRIEF_MEUSDADOS = (
    "Um arquivo JSON com tudo o que guardo sobre você neste servidor: totais, histórico por "
    "dia, sessão em andamento e auditoria (por mensagem privada)."
)
MEUSDADOS_SENT = (
    "📬 Te mandei por mensagem privada um arquivo com todos os seus dados deste servidor."
)
MEUSDADOS_DM = "📄 Tudo o que guardo sobre você no servidor **{guild}**."
MEUSDADOS_DM_CLOSED = (
    "📄 Não consegui te mandar mensagem privada (elas estão fechadas para mim), então aqui "
    "está o arquivo com todos os seus dados deste servidor."
)
MEUSDADOS_HERE = "📄 Aqui está o arquivo com todos os seus dados deste servidor (só você vê)."
MEUSDADOS_FILENAME = "meus-dados-{guild_id}-{day}.json"

DESCRIPTION_ERASE = "Apaga seu tempo de câmera e seu histórico neste servidor (com confirmação)"
BRIEF_ERASE = (
    "Apaga todo o seu tempo de câmera e o seu histórico neste servidor, depois de você "
    "confirmar (a auditoria guarda só que houve a ação, sem o seu nome)."
)
ERASE_CONFIRM = (
    "⚠️ Apagar **todo** o seu tempo de câmera e o seu histórico por dia neste servidor? "
    "Sua sessão em andamento também não será contada, e suas escolhas de `privacidade` "
    "voltam ao padrão. Isso não pode ser desfeito."
)
ERASE_BUTTON_CONFIRM = "Apagar meus dados"
ERASE_DONE = (
    "✅ Seus dados deste servidor foram apagados. A auditoria guarda só que a ação "
    "aconteceu, sem o seu nome."
)
ERASE_UNFINISHED = (
    "⚠️ Seu tempo de câmera e seu histórico foram apagados, mas não consegui terminar agora "
    "(tirar seu nome do registro de auditoria e apagar suas escolhas de `privacidade`). Use o "
    "comando de novo em instantes para terminar."
)
ERASED_MEMBER = "membro que apagou os dados"
"""Stands for the name of a member who erased their data, wherever an audit entry named them."""
AUDIT_ERASE = "<t:{ts}:f> — **um membro** apagou os próprios dados deste servidor"

# --- privacy: hidden members and paused counting (`!privacidade`) ---
HIDDEN_MEMBER = "membro oculto"
"""How a member who chose `!privacidade oculto` is shown to everyone else."""
HIDDEN_MEMBER_REFUSED = (
    "🙈 **membro oculto**: este membro escolheu não mostrar o próprio tempo de câmera aos outros."
)

USAGE_PRIVACY = "[oculto|visivel|parar|voltar]"
DESCRIPTION_PRIVACY = "Suas escolhas de privacidade neste servidor"
BRIEF_PRIVACY = (
    "Sozinho, mostra suas escolhas. `oculto`: você continua contando, mas aparece como "
    "“membro oculto” para os outros (`visivel` desfaz). `parar`: seu tempo deixa de ser "
    "contado neste servidor (`voltar` desfaz)."
)
EXAMPLE_PRIVACY = "oculto"
DESCRIPTION_PRIVACY_HIDE = "Continua contando, mas os outros veem você como “membro oculto”"
DESCRIPTION_PRIVACY_SHOW = "Volta a mostrar seu nome e seu tempo para os outros"
DESCRIPTION_PRIVACY_PAUSE = "Para de contar seu tempo de câmera neste servidor"
DESCRIPTION_PRIVACY_RESUME = "Volta a contar seu tempo de câmera neste servidor"
PRIVACY_SUMMARY = (
    "🔒 Suas escolhas neste servidor:\n• Para os outros: {hidden}\n• Contagem: {paused}"
)
PRIVACY_HIDDEN = "**oculto** (aparece como “membro oculto”)"
PRIVACY_VISIBLE = "**visível**"
PRIVACY_PAUSED = "**parada** (seu tempo não é contado)"
PRIVACY_COUNTING = "**ativa**"
PRIVACY_ALREADY = "Nada mudou: você já está {state}."
PRIVACY_REPLIES = {
    ("hidden", True): (
        "oculto",
        "🙈 Pronto: você continua contando, mas para os outros aparece como “membro oculto” "
        "(rankings, exportações, `meutempo` e gráficos). Desfaça com `privacidade visivel`.",
    ),
    ("hidden", False): (
        "visível",
        "👀 Pronto: seu nome e seu tempo voltam a aparecer para os outros.",
    ),
    ("paused", True): (
        "com a contagem parada",
        "⏸️ Pronto: seu tempo de câmera neste servidor deixou de ser contado (a sessão em "
        "andamento contou até agora). Volte com `privacidade voltar`.",
    ),
    ("paused", False): (
        "com a contagem ativa",
        "▶️ Pronto: seu tempo de câmera neste servidor volta a ser contado.",
    ),
}
"""For each choice (field, value): how the member is then described, and the reply to it."""
