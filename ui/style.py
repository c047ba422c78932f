"""How the bot's embeds look and how much a page holds."""

EMBED_COLOR = 0x5865F2
"""Discord blurple."""
RANKING_PAGE_SIZE = 10
"""Members per ranking page (the original design's top 10)."""
