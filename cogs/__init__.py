"""The bot's extensions other than the original design's `events` and `commands`.

Thin adapters: they read Discord objects, ask the domain and the store by plain ids,
and reply through `ui`.
"""
