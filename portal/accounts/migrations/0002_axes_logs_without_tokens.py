"""Used email-verification (and invitation) links that signed someone in left their token in
django-axes' tables; the receivers in accounts/signals.py keep new rows clean, and this
cleans the rows written before them."""

from django.db import migrations

from portal.log_redaction import tokens_redact


def tokens_remove(apps, schema_editor):
    for name, fields in (
        ("AccessLog", ("path_info",)),
        ("AccessFailureLog", ("path_info",)),
        ("AccessAttempt", ("path_info", "get_data")),
    ):
        model = apps.get_model("axes", name)
        for row in model.objects.only("pk", *fields).iterator():
            changed = {f: tokens_redact(getattr(row, f)) for f in fields}
            if any(changed[f] != getattr(row, f) for f in fields):
                model.objects.filter(pk=row.pk).update(**changed)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("axes", "0010_accessattemptexpiration"),
    ]

    operations = [migrations.RunPython(tokens_remove, migrations.RunPython.noop)]
