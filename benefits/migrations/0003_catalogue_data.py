from django.db import migrations

from benefits.catalogue import catalogue_install


def install(apps, schema_editor):
    catalogue_install(
        product_model=apps.get_model("benefits", "BenefitProduct"),
        link_model=apps.get_model("benefits", "DownloadLink"),
        package_model=apps.get_model("benefits", "BenefitPackage"),
        grant_model=apps.get_model("benefits", "PackageGrant"),
    )


class Migration(migrations.Migration):

    dependencies = [
        ("benefits", "0002_catalogue_and_benefits"),
    ]

    operations = [
        migrations.RunPython(install, migrations.RunPython.noop),
    ]
