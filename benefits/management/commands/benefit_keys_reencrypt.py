from django.core.management.base import BaseCommand

from benefits.services import product_keys_reencrypt


class Command(BaseCommand):
    help = (
        "Encrypt every product key again with the first key of BENEFIT_KEY_ENCRYPTION_KEYS. "
        "Run it after putting a new key first; then the old keys can be dropped."
    )

    def handle(self, *args, **options) -> None:
        count = product_keys_reencrypt()
        self.stdout.write(
            self.style.SUCCESS(f"{count} product keys encrypted with the newest key.")
        )
