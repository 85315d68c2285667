"""application_tally: how many applications each (cycle, unit, committee, status) holds, kept
by a statement-level trigger on PostgreSQL (models.tally). The province's page counted the
cycle's 100,000 applications at every visit: a scan and a hash aggregate, 38 of the page's 59
ms. SQLite gets the table, empty, and keeps counting.

The trigger writes one row of differences per group a statement changed, read from the
statement's transition tables (a row trigger would run once per application a closing moves).
Every ``FOLD_EVERY`` rows it writes (by their ids), it folds the cycles it touched into one
row per group — in whichever transaction crossed the mark, unless another transaction is
folding (an advisory lock tried, never waited for) or this one already folded: rows only
ever inserted and deleted, so concurrent writers do not wait for each other. (Adding to one
row per group in place, its rows locked with SKIP LOCKED, cost a simulated 100,000 cycle on
PostgreSQL 325 s in the trigger: a transaction of thousands of statements updating the same
rows left each a chain of versions the next statement read again.)

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-03 07:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.timeutil import UTCDateTime

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Rows of differences between folds (by id: a fold's own rows take ids too, so on average one
# fold per this many rows of differences). A tuning figure, not a policy: a page reads up to
# this many rows beyond one per group, a fold rewrites the cycle's groups (about 6,000 at
# 100,000 applications: tens of milliseconds).
FOLD_EVERY = 4096

_GROUP = "cycle_id, unit_id, committee_id, status"

# written out, not imported from the model: a migration keeps what it made
_FUNCTION = f"""
CREATE FUNCTION application_tally_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    lo bigint;
    hi bigint;
BEGIN
    IF TG_OP = 'INSERT' THEN
        WITH added AS (
            INSERT INTO application_tally ({_GROUP}, n, created_max)
            SELECT {_GROUP}, count(*), max(created_at) FROM new_rows GROUP BY {_GROUP}
            RETURNING id)
        SELECT min(id), max(id) INTO lo, hi FROM added;
    ELSIF TG_OP = 'DELETE' THEN
        WITH added AS (
            INSERT INTO application_tally ({_GROUP}, n, created_max)
            SELECT {_GROUP}, -count(*), NULL FROM old_rows GROUP BY {_GROUP}
            RETURNING id)
        SELECT min(id), max(id) INTO lo, hi FROM added;
    ELSE
        -- an update that moved no application between groups (a lock, a draft rewritten in
        -- place) nets to nothing and writes nothing
        WITH added AS (
            INSERT INTO application_tally ({_GROUP}, n, created_max)
            SELECT {_GROUP}, sum(n), max(created_at)
            FROM (SELECT {_GROUP}, 1 AS n, created_at FROM new_rows
                  UNION ALL
                  SELECT {_GROUP}, -1, NULL FROM old_rows) AS moved
            GROUP BY {_GROUP}
            HAVING sum(n) <> 0
            RETURNING id)
        SELECT min(id), max(id) INTO lo, hi FROM added;
    END IF;
    IF hi IS NOT NULL AND hi / {FOLD_EVERY} > (lo - 1) / {FOLD_EVERY}
            AND current_setting('zhicheng.tally_folded', true) IS DISTINCT FROM '1'
            AND pg_try_advisory_xact_lock(hashtext('zhicheng.application_tally')) THEN
        -- once a transaction: the rows a fold deletes stay until it commits, and each later
        -- fold in it would read them again (a simulated cycle's transactions run thousands
        -- of statements)
        PERFORM set_config('zhicheng.tally_folded', '1', true);
        -- A group that nets to nothing holds no application: its latest creation is carried
        -- by the group each of its applications moved to.
        WITH folded AS (
            DELETE FROM application_tally
            WHERE cycle_id IN (SELECT DISTINCT cycle_id FROM application_tally
                               WHERE id BETWEEN lo AND hi)
            RETURNING {_GROUP}, n, created_max)
        INSERT INTO application_tally ({_GROUP}, n, created_max)
        SELECT {_GROUP}, sum(n), max(created_max) FROM folded
        GROUP BY {_GROUP}
        HAVING sum(n) <> 0;
    END IF;
    RETURN NULL;
END;
$$
"""

# A TRUNCATE (… CASCADE) fires no row or statement trigger of the three above.
_EMPTIED = """
CREATE FUNCTION application_tally_emptied() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM application_tally;
    RETURN NULL;
END;
$$
"""

_TRIGGERS = {
    "INSERT": "REFERENCING NEW TABLE AS new_rows",
    "UPDATE": "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "DELETE": "REFERENCING OLD TABLE AS old_rows",
}


def upgrade() -> None:
    op.create_table(
        "application_tally",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.String(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("committee_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("created_max", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_application_tally_cycle", "application_tally", ["cycle_id", "created_max"])
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        f"INSERT INTO application_tally ({_GROUP}, n, created_max) "
        f"SELECT {_GROUP}, count(*), max(created_at) FROM application GROUP BY {_GROUP}"
    )
    op.execute(_FUNCTION)
    for event, referencing in _TRIGGERS.items():
        op.execute(
            f"CREATE TRIGGER application_tally_{event.lower()} AFTER {event} ON application "
            f"{referencing} FOR EACH STATEMENT EXECUTE FUNCTION application_tally_changed()"
        )
    op.execute(_EMPTIED)
    op.execute(
        "CREATE TRIGGER application_tally_truncate AFTER TRUNCATE ON application "
        "FOR EACH STATEMENT EXECUTE FUNCTION application_tally_emptied()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for event in [*_TRIGGERS, "TRUNCATE"]:
            op.execute(f"DROP TRIGGER application_tally_{event.lower()} ON application")
        op.execute("DROP FUNCTION application_tally_changed()")
        op.execute("DROP FUNCTION application_tally_emptied()")
    op.drop_index("ix_application_tally_cycle", table_name="application_tally")
    op.drop_table("application_tally")
