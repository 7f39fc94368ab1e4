"""Refuse UPDATE on audit events at the database level, whatever code path tries it."""

from __future__ import annotations

from django.db import migrations

POSTGRES_FORWARD = """
CREATE OR REPLACE FUNCTION catalog_auditevent_refuse_update() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER catalog_auditevent_no_update BEFORE UPDATE ON catalog_auditevent
    FOR EACH ROW EXECUTE FUNCTION catalog_auditevent_refuse_update();
"""
POSTGRES_BACKWARD = """
DROP TRIGGER IF EXISTS catalog_auditevent_no_update ON catalog_auditevent;
DROP FUNCTION IF EXISTS catalog_auditevent_refuse_update();
"""
SQLITE_FORWARD = """
CREATE TRIGGER catalog_auditevent_no_update BEFORE UPDATE ON catalog_auditevent
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
"""
SQLITE_BACKWARD = "DROP TRIGGER IF EXISTS catalog_auditevent_no_update;"


def _run(sql_by_vendor: dict[str, str]):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        sql = sql_by_vendor.get(schema_editor.connection.vendor)
        if sql:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_inventory")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRES_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": POSTGRES_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        )
    ]
