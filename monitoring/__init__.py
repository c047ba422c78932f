"""Health check and Prometheus metrics, served on the bot's own event loop when asked.

`metrics` holds the metric families (in a registry of their own) and the few
calls the bot makes to them; `server` answers `GET /healthz` and `GET /metrics`.
"""
