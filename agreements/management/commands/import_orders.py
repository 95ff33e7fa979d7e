from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from agreements.orders.csv_import import OrderImportError, order_import
from portal.accounts.models import User
from portal.tenancy.context import actor_build


class Command(BaseCommand):
    help = (
        "Place Open License orders from a CSV file (see docs/order-import.md): every row is "
        "checked first, and one bad row means nothing is imported."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path, help="the CSV file, UTF-8")
        parser.add_argument(
            "--operator",
            required=True,
            help="email of the staff user placing the orders (recorded in the audit log)",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="check the file only; import nothing"
        )

    def handle(self, *args, file: Path, operator: str, dry_run: bool, **options) -> None:
        user = User.objects.filter(email__iexact=operator.strip(), is_active=True).first()
        if user is None or not user.is_staff:
            raise CommandError(
                _("%(email)s is not an active staff user: only operators import orders.")
                % {"email": operator}
            )
        try:
            stream = file.open("rb")
        except OSError as error:
            raise CommandError(
                _("Cannot read %(file)s: %(error)s") % {"file": file, "error": error.strerror}
            ) from error
        try:
            with stream:
                result = order_import(actor=actor_build(user=user), file=stream, dry_run=dry_run)
        except OrderImportError as error:
            for problem in error.errors:
                self.stderr.write(str(problem))
            raise CommandError(
                ngettext(
                    "%(count)d error: nothing was imported.",
                    "%(count)d errors: nothing was imported.",
                    len(error.errors),
                )
                % {"count": len(error.errors)}
            ) from error
        count = len(result.orders)
        if dry_run:
            self.stdout.write(
                self.style.SUCCESS(
                    ngettext(
                        "The file is valid: %(count)d order would be placed. Nothing was "
                        "imported (--dry-run).",
                        "The file is valid: %(count)d orders would be placed. Nothing was "
                        "imported (--dry-run).",
                        count,
                    )
                    % {"count": count}
                )
            )
            return
        for agreement in result.agreements:
            self.stdout.write(
                f"{agreement.authorization_number}\t{agreement.license_number}\t"
                f"{agreement.customer_email}"
            )
        self.stdout.write(
            self.style.SUCCESS(
                ngettext(
                    "%(count)d order placed; its customer is invited by email.",
                    "%(count)d orders placed; each customer is invited by email.",
                    count,
                )
                % {"count": count}
            )
        )
