"""the dashboard's turnaround from a projection: per village (and for the regency) and WIB
month, a histogram of each turnaround leg, and the pickup counts, kept by triggers on
request_states

Revision ID: h0005_dashboard_speed
Revises: h0002
Create Date: 2026-12-01 02:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "h0005"
down_revision: str | None = "h0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Bucket 0: under one minute (and a clock that went backwards). Bucket k, 1..136:
# [2^((k-1)/8), 2^(k/8)) minutes. Bucket 137: 2^17 minutes (91 days) and more.
# regency_hub/turnaround.py reads them with the same bounds.
BUCKET_SQL = """
CREATE FUNCTION turnaround_bucket(span interval) RETURNS smallint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN extract(epoch FROM span) < 60 THEN 0
    ELSE least(137, floor(8 * ln(extract(epoch FROM span)::float8 / 60) / ln(2))::int + 1)
  END::smallint
$$
"""

# One letter's leg into the village's histogram and the regency's (the regency-wide page
# then reads a few hundred rows, not a few hundred per village).
LEG_SQL = """
CREATE FUNCTION turnaround_count(m date, v integer, leg smallint, b smallint, sign integer)
RETURNS void LANGUAGE sql AS $$
  INSERT INTO turnaround_buckets AS t (month, village_id, leg, bucket, letters)
  VALUES (m, v, leg, b, sign)
  ON CONFLICT (month, village_id, leg, bucket) DO UPDATE SET letters = t.letters + sign;
  INSERT INTO turnaround_regency AS t (month, leg, bucket, letters)
  VALUES (m, leg, b, sign)
  ON CONFLICT (month, leg, bucket) DO UPDATE SET letters = t.letters + sign;
$$
"""

# What one request_states row adds to the projection (sign +1) or takes back (-1).
COUNT_SQL = """
CREATE FUNCTION service_count(
  v integer, filed timestamptz, ready timestamptz, picked timestamptz, via text, sign integer
) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  m date;
BEGIN
  IF filed IS NULL THEN
    RETURN;  -- counted once the filed event arrives, whenever that is
  END IF;
  m := date_trunc('month', filed AT TIME ZONE 'Asia/Jakarta')::date;
  IF ready IS NOT NULL THEN
    PERFORM turnaround_count(m, v, 1::smallint, turnaround_bucket(ready - filed), sign);
  END IF;
  IF ready IS NOT NULL AND picked IS NOT NULL THEN
    PERFORM turnaround_count(m, v, 2::smallint, turnaround_bucket(picked - ready), sign);
  END IF;
  IF picked IS NOT NULL THEN
    PERFORM turnaround_count(m, v, 3::smallint, turnaround_bucket(picked - filed), sign);
    INSERT INTO service_months AS s (month, village_id, picked_up, picked_up_kiosk)
    VALUES (m, v, sign, CASE WHEN via = 'kiosk' THEN sign ELSE 0 END)
    ON CONFLICT (month, village_id) DO UPDATE SET
      picked_up = s.picked_up + sign,
      picked_up_kiosk = s.picked_up_kiosk + CASE WHEN via = 'kiosk' THEN sign ELSE 0 END;
  END IF;
END
$$
"""

# The row's old contribution out, its new one in: right whatever order the events came
# in, and a redelivered event never gets here (the events table keeps it out).
TRIGGER_SQL = """
CREATE FUNCTION request_states_service() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    PERFORM service_count(OLD.village_id, OLD.filed_at, OLD.ready_at, OLD.picked_up_at,
                          OLD.picked_up_via, -1);
  END IF;
  PERFORM service_count(NEW.village_id, NEW.filed_at, NEW.ready_at, NEW.picked_up_at,
                        NEW.picked_up_via, 1);
  RETURN NULL;
END
$$
"""

# Everything counted again from request_states: the backfill here, and after a bulk load
# that ran with the trigger disabled (benchmarks/hub_dashboard.py).
REBUILD_SQL = """
CREATE FUNCTION service_rebuild() RETURNS void LANGUAGE sql AS $$
  DELETE FROM turnaround_buckets;
  DELETE FROM service_months;
  DELETE FROM turnaround_regency;
  INSERT INTO turnaround_buckets (month, village_id, leg, bucket, letters)
  SELECT month, village_id, leg, bucket, count(*) FROM (
    SELECT date_trunc('month', filed_at AT TIME ZONE 'Asia/Jakarta')::date AS month,
           village_id, leg.n AS leg, turnaround_bucket(leg.span) AS bucket
    FROM request_states
    CROSS JOIN LATERAL (VALUES (1, ready_at - filed_at), (2, picked_up_at - ready_at),
                               (3, picked_up_at - filed_at)) AS leg(n, span)
    WHERE filed_at IS NOT NULL AND leg.span IS NOT NULL
  ) AS made GROUP BY 1, 2, 3, 4;
  INSERT INTO turnaround_regency (month, leg, bucket, letters)
  SELECT month, leg, bucket, sum(letters) FROM turnaround_buckets GROUP BY 1, 2, 3;
  INSERT INTO service_months (month, village_id, picked_up, picked_up_kiosk)
  SELECT date_trunc('month', filed_at AT TIME ZONE 'Asia/Jakarta')::date, village_id,
         count(*), count(*) FILTER (WHERE picked_up_via = 'kiosk')
  FROM request_states WHERE filed_at IS NOT NULL AND picked_up_at IS NOT NULL
  GROUP BY 1, 2;
$$
"""


def upgrade() -> None:
    op.create_table(
        "turnaround_buckets",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("leg", sa.SmallInteger(), nullable=False),
        sa.Column("bucket", sa.SmallInteger(), nullable=False),
        sa.Column("letters", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["village_id"], ["villages.id"], name=op.f("fk_turnaround_buckets_village_id_villages")
        ),
        sa.PrimaryKeyConstraint(
            "month", "village_id", "leg", "bucket", name=op.f("pk_turnaround_buckets")
        ),
    )
    op.create_table(
        "turnaround_regency",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("leg", sa.SmallInteger(), nullable=False),
        sa.Column("bucket", sa.SmallInteger(), nullable=False),
        sa.Column("letters", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("month", "leg", "bucket", name=op.f("pk_turnaround_regency")),
    )
    op.create_table(
        "service_months",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("picked_up", sa.BigInteger(), nullable=False),
        sa.Column("picked_up_kiosk", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["village_id"], ["villages.id"], name=op.f("fk_service_months_village_id_villages")
        ),
        sa.PrimaryKeyConstraint("month", "village_id", name=op.f("pk_service_months")),
    )
    for sql in (BUCKET_SQL, LEG_SQL, COUNT_SQL, TRIGGER_SQL, REBUILD_SQL):
        op.execute(sql)
    op.execute(
        "CREATE TRIGGER request_states_service_insert AFTER INSERT ON request_states "
        "FOR EACH ROW EXECUTE FUNCTION request_states_service()"
    )
    # A status change that moves no time of the legs (most of them) costs nothing.
    op.execute(
        "CREATE TRIGGER request_states_service_update AFTER UPDATE ON request_states "
        "FOR EACH ROW WHEN (OLD.filed_at IS DISTINCT FROM NEW.filed_at"
        " OR OLD.ready_at IS DISTINCT FROM NEW.ready_at"
        " OR OLD.picked_up_at IS DISTINCT FROM NEW.picked_up_at"
        " OR OLD.picked_up_via IS DISTINCT FROM NEW.picked_up_via"
        " OR OLD.village_id IS DISTINCT FROM NEW.village_id)"
        " EXECUTE FUNCTION request_states_service()"
    )
    op.execute("SELECT service_rebuild()")
    # Nothing reads a month of request_states any more: two indexes fewer for the ingest.
    op.drop_index("ix_request_states_village_filed", table_name="request_states")
    op.drop_index("ix_request_states_filed", table_name="request_states")


def downgrade() -> None:
    op.create_index(
        "ix_request_states_filed",
        "request_states",
        ["filed_at", "village_id", "letter_type"],
        postgresql_include=["ready_at", "picked_up_at", "picked_up_via"],
    )
    op.create_index("ix_request_states_village_filed", "request_states", ["village_id", "filed_at"])
    op.execute("DROP TRIGGER request_states_service_update ON request_states")
    op.execute("DROP TRIGGER request_states_service_insert ON request_states")
    op.execute("DROP FUNCTION service_rebuild()")
    op.execute("DROP FUNCTION request_states_service()")
    op.execute(
        "DROP FUNCTION service_count(integer, timestamptz, timestamptz, timestamptz, text, integer)"
    )
    op.execute("DROP FUNCTION turnaround_count(date, integer, smallint, smallint, integer)")
    op.execute("DROP FUNCTION turnaround_bucket(interval)")
    op.drop_table("service_months")
    op.drop_table("turnaround_regency")
    op.drop_table("turnaround_buckets")
