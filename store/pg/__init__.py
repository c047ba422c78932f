"""The PostgreSQL store's foundations: its schema as numbered SQL migrations, and `migrate`.

`migrations/NNNN_name.sql` are applied in order by `store.pg.migrate`. The store itself
(selected by `DATABASE_URL`) is not built yet: without it the JSON store runs. Never imports
`discord`.
"""
