"""Indexes for the Subscribers grid's sorts and its filter (see bench/README.md).

The btree indexes are in Subscription.Meta and work on any database. The filter's trigram
index (pg_trgm, with btree_gin for the agreement column) exists on PostgreSQL only, so it is
made here and nowhere in the model state; SQLite, which the demo runs on, skips it.
"""

import django.db.models.functions.text
from django.db import migrations, models

EXTENSIONS = ("pg_trgm", "btree_gin")
# Every column the grid's filter reads, as it reads it: Django's `icontains` is
# UPPER(column) LIKE UPPER('%term%') on PostgreSQL.
SEARCH_INDEX = """
CREATE INDEX IF NOT EXISTS sub_grid_search_trgm ON agreements_subscription USING gin (
    agreement_id,
    UPPER(first_name) gin_trgm_ops,
    UPPER(last_name) gin_trgm_ops,
    UPPER(sign_in_email) gin_trgm_ops,
    UPPER(notification_email) gin_trgm_ops,
    UPPER(reference) gin_trgm_ops
) WHERE assigned_at IS NOT NULL
"""


def search_index_create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for extension in EXTENSIONS:
        schema_editor.execute(f"CREATE EXTENSION IF NOT EXISTS {extension}")
    schema_editor.execute(SEARCH_INDEX)


def search_index_drop(apps, schema_editor):
    # The extensions stay: other indexes may use them by then.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS sub_grid_search_trgm")


class Migration(migrations.Migration):

    dependencies = [
        ('agreements', '0004_subscriptions'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='subscription',
            index=models.Index(models.F('agreement'), django.db.models.functions.text.Lower('last_name'), django.db.models.functions.text.Lower('first_name'), models.F('id'), condition=models.Q(('assigned_at__isnull', False)), name='sub_grid_last'),
        ),
        migrations.AddIndex(
            model_name='subscription',
            index=models.Index(models.F('agreement'), django.db.models.functions.text.Lower('first_name'), django.db.models.functions.text.Lower('last_name'), models.F('id'), condition=models.Q(('assigned_at__isnull', False)), name='sub_grid_first'),
        ),
        migrations.AddIndex(
            model_name='subscription',
            index=models.Index(models.F('agreement'), django.db.models.functions.text.Lower('sign_in_email'), condition=models.Q(('assigned_at__isnull', False)), name='sub_grid_email'),
        ),
        migrations.AddIndex(
            model_name='subscription',
            index=models.Index(models.F('agreement'), django.db.models.functions.text.Lower('notification_email'), django.db.models.functions.text.Lower('last_name'), django.db.models.functions.text.Lower('first_name'), models.F('id'), condition=models.Q(('assigned_at__isnull', False)), name='sub_grid_notify'),
        ),
        migrations.AddIndex(
            model_name='subscription',
            index=models.Index(models.F('agreement'), django.db.models.functions.text.Lower('reference'), django.db.models.functions.text.Lower('last_name'), django.db.models.functions.text.Lower('first_name'), models.F('id'), condition=models.Q(('assigned_at__isnull', False)), name='sub_grid_reference'),
        ),
        migrations.AddIndex(
            model_name='subscription',
            index=models.Index(models.F('agreement'), models.OrderBy(django.db.models.functions.text.Lower('reference'), descending=True), django.db.models.functions.text.Lower('last_name'), django.db.models.functions.text.Lower('first_name'), models.F('id'), condition=models.Q(('assigned_at__isnull', False)), name='sub_grid_reference_desc'),
        ),
        migrations.AddIndex(
            model_name='subscription',
            index=models.Index(models.F('agreement'), models.F('downloads_enabled'), django.db.models.functions.text.Lower('last_name'), django.db.models.functions.text.Lower('first_name'), models.F('id'), condition=models.Q(('assigned_at__isnull', False)), name='sub_grid_downloads'),
        ),
        migrations.AddIndex(
            model_name='subscription',
            index=models.Index(models.F('agreement'), models.OrderBy(models.F('downloads_enabled'), descending=True), django.db.models.functions.text.Lower('last_name'), django.db.models.functions.text.Lower('first_name'), models.F('id'), condition=models.Q(('assigned_at__isnull', False)), name='sub_grid_downloads_desc'),
        ),
        migrations.AddIndex(
            model_name='subscription',
            index=models.Index(models.F('agreement'), models.F('country'), django.db.models.functions.text.Lower('last_name'), django.db.models.functions.text.Lower('first_name'), models.F('id'), condition=models.Q(('assigned_at__isnull', False)), name='sub_grid_country'),
        ),
        migrations.AddIndex(
            model_name='subscription',
            index=models.Index(models.F('agreement'), models.OrderBy(models.F('country'), descending=True), django.db.models.functions.text.Lower('last_name'), django.db.models.functions.text.Lower('first_name'), models.F('id'), condition=models.Q(('assigned_at__isnull', False)), name='sub_grid_country_desc'),
        ),
        migrations.AddIndex(
            model_name='subscription',
            index=models.Index(models.F('agreement'), models.F('language'), django.db.models.functions.text.Lower('last_name'), django.db.models.functions.text.Lower('first_name'), models.F('id'), condition=models.Q(('assigned_at__isnull', False)), name='sub_grid_language'),
        ),
        migrations.AddIndex(
            model_name='subscription',
            index=models.Index(models.F('agreement'), models.OrderBy(models.F('language'), descending=True), django.db.models.functions.text.Lower('last_name'), django.db.models.functions.text.Lower('first_name'), models.F('id'), condition=models.Q(('assigned_at__isnull', False)), name='sub_grid_language_desc'),
        ),
        migrations.RunPython(search_index_create, search_index_drop),
    ]
