from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from modeltranslation.admin import TranslationAdmin

from agreements.orders.csv_import import MAX_FILE_BYTES, MAX_ORDERS, OrderImportError, order_import
from agreements.orders.services import MAX_SEATS_PER_ORDER

from .models import Agreement, AgreementLine, SubscriptionLevel


@admin.register(SubscriptionLevel)
class SubscriptionLevelAdmin(TranslationAdmin):
    list_display = ["name", "code", "sort_order"]


class AgreementLineInline(admin.TabularInline):
    model = AgreementLine
    extra = 0
    readonly_fields = ["seats_assigned"]


class OrderImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("UTF-8, with a header row; columns separated by commas or semicolons."),
    )
    dry_run = forms.BooleanField(label=_("Only check the file; import nothing"), required=False)


@admin.register(Agreement)
class AgreementAdmin(admin.ModelAdmin):
    list_display = [
        "authorization_number",
        "license_number",
        "customer_email",
        "customer_organization",
        "partner_of_record",
        "status",
    ]
    list_filter = ["status"]
    search_fields = ["authorization_number", "license_number", "customer_email"]
    list_select_related = ["customer_organization", "partner_of_record"]
    raw_id_fields = ["customer_organization", "partner_of_record"]
    inlines = [AgreementLineInline]

    def get_urls(self):
        # Before the default URLs, whose "<path:object_id>/" would take "import/".
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_orders_view),
                name=f"{self.opts.app_label}_{self.opts.model_name}_import",
            ),
            *super().get_urls(),
        ]

    def import_orders_view(self, request: HttpRequest) -> HttpResponse:
        """Operators place orders from a CSV file, through the same service as the portal."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = OrderImportForm(request.POST or None, request.FILES or None)
        errors = []
        if request.method == "POST" and form.is_valid():
            dry_run = form.cleaned_data["dry_run"]
            try:
                result = order_import(
                    actor=request.actor, file=form.cleaned_data["file"], dry_run=dry_run
                )
            except OrderImportError as error:
                errors = error.errors
            else:
                count = len(result.orders)
                if dry_run:
                    messages.success(
                        request,
                        ngettext(
                            "The file is valid: %(count)d order would be placed. Nothing was "
                            "imported yet.",
                            "The file is valid: %(count)d orders would be placed. Nothing was "
                            "imported yet.",
                            count,
                        )
                        % {"count": count},
                    )
                    return redirect(request.path)
                messages.success(
                    request,
                    ngettext(
                        "%(count)d order placed; its customer is invited by email.",
                        "%(count)d orders placed; each customer is invited by email.",
                        count,
                    )
                    % {"count": count},
                )
                return redirect(
                    reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist")
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Import orders from CSV"),
            "form": form,
            "errors": errors,
            "levels": SubscriptionLevel.objects.all(),
            "max_orders": number_format(MAX_ORDERS, force_grouping=True),
            "max_megabytes": MAX_FILE_BYTES // (1024 * 1024),
            "max_seats": number_format(MAX_SEATS_PER_ORDER, force_grouping=True),
        }
        return TemplateResponse(request, "admin/agreements/agreement/import_orders.html", context)
