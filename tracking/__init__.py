"""The camera-time domain: sessions, typed records, the ledger, periods and standings.

Pure: no Discord I/O, no `discord.ext`, addressed by plain ids, time from an injected clock.
"""
