"""The schema revision this budgetctl reads and writes.

Kept apart from the migrations so that checking a database's revision on every
command is one ``SELECT`` compared with a constant, without importing Alembic.
A test checks that it equals the head of ``store/migrations``.
"""

HEAD_REVISION = "0001"
