from django.contrib import admin
from modeltranslation.admin import TranslationAdmin, TranslationTabularInline

from .models import (
    Benefit,
    BenefitAssignment,
    BenefitPackage,
    BenefitProduct,
    DownloadLink,
    PackageGrant,
    PackagePurchase,
    PartnerMembership,
)


@admin.register(PartnerMembership)
class PartnerMembershipAdmin(admin.ModelAdmin):
    list_display = ["organization", "level", "starts_on", "ends_on", "status"]
    list_filter = ["level", "status"]
    search_fields = ["organization__name"]
    raw_id_fields = ["organization"]


class DownloadLinkInline(TranslationTabularInline):
    model = DownloadLink
    extra = 0


@admin.register(BenefitProduct)
class BenefitProductAdmin(TranslationAdmin):
    list_display = ["name", "code", "kind"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]
    inlines = [DownloadLinkInline]


class PackageGrantInline(admin.TabularInline):
    model = PackageGrant
    extra = 0


@admin.register(BenefitPackage)
class BenefitPackageAdmin(TranslationAdmin):
    list_display = ["name", "code", "is_action_pack", "minimum_level", "on_sale", "sort_order"]
    list_filter = ["is_action_pack", "on_sale"]
    inlines = [PackageGrantInline]


@admin.register(PackagePurchase)
class PackagePurchaseAdmin(admin.ModelAdmin):
    list_display = ["package", "organization", "status", "purchased_at", "available_at"]
    list_filter = ["status", "package"]
    search_fields = ["organization__name"]
    raw_id_fields = ["organization", "membership", "purchased_by"]
    readonly_fields = ["status", "available_at"]


@admin.register(Benefit)
class BenefitAdmin(admin.ModelAdmin):
    """Read-only: product keys are neither listed nor editable here, even encrypted."""

    list_display = ["product", "organization", "kind", "quantity", "unit"]
    list_filter = ["kind"]
    search_fields = ["organization__name", "product__name"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(BenefitAssignment)
class BenefitAssignmentAdmin(admin.ModelAdmin):
    list_display = ["benefit", "seat", "user", "status", "activate_at"]
    list_filter = ["status"]
    search_fields = ["user__email", "benefit__organization__name"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
