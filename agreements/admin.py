from django.contrib import admin

from .models import Agreement, AgreementLine, SubscriptionLevel


@admin.register(SubscriptionLevel)
class SubscriptionLevelAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "sort_order"]


class AgreementLineInline(admin.TabularInline):
    model = AgreementLine
    extra = 0
    readonly_fields = ["seats_assigned"]


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
