from django.contrib import admin

from .models import PartnerMembership


@admin.register(PartnerMembership)
class PartnerMembershipAdmin(admin.ModelAdmin):
    list_display = ["organization", "level", "starts_on", "ends_on", "status"]
    list_filter = ["level", "status"]
    search_fields = ["organization__name"]
    raw_id_fields = ["organization"]
