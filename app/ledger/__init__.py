"""The order ledger: every order the orders API accepts, kept in Aurora PostgreSQL through the RDS Data API.

Four parts share this package (the stack ships `app/` as the code of every function): `migrate` applies the
versioned SQL in `migrations/`; `credentials` gives the application users their passwords and rotates the
application secret (both run by the migration function); `writer` copies the orders table's stream into the
ledger; and `orders` holds the SQL the writer and the orders API's `GET /orders` run.
"""
