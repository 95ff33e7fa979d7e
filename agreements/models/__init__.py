"""The agreements app's models, one module per sub-domain (NetBox's dcim/models precedent).

Everything is re-exported here, so `from agreements.models import Agreement` and the app label
stay as they were: the split moved code, not tables, and needs no migration.
"""

from .administrators import AdminRole, AgreementAdmin, AgreementInvitation
from .agreement import Agreement, AgreementLine, AgreementQuerySet, SubscriptionLevel
from .bulk_imports import BulkImport, BulkImportQuerySet
from .partner_links import LicensingContact, LinkMethod, PartnerLink, PartnerLinkQuerySet
from .subscriptions import Subscription, SubscriptionQuerySet
from .usage import UsageSnapshot

__all__ = [
    "AdminRole",
    "Agreement",
    "AgreementAdmin",
    "AgreementInvitation",
    "AgreementLine",
    "AgreementQuerySet",
    "BulkImport",
    "BulkImportQuerySet",
    "LicensingContact",
    "LinkMethod",
    "PartnerLink",
    "PartnerLinkQuerySet",
    "Subscription",
    "SubscriptionLevel",
    "SubscriptionQuerySet",
    "UsageSnapshot",
]
