from django.db import migrations

LEVELS = [
    ("vs-enterprise", "Visual Studio Enterprise", 10),
    ("vs-professional", "Visual Studio Professional", 20),
    ("vs-test-professional", "Visual Studio Test Professional", 30),
    ("msdn-platforms", "MSDN Platforms", 40),
]


def forwards(apps, schema_editor):
    SubscriptionLevel = apps.get_model("agreements", "SubscriptionLevel")
    for code, name, sort_order in LEVELS:
        SubscriptionLevel.objects.update_or_create(
            code=code, defaults={"name": name, "sort_order": sort_order}
        )


class Migration(migrations.Migration):
    dependencies = [("agreements", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
