"""Discord presentation: texts, embeds, views, argument converters, member names, charts, CSV."""
