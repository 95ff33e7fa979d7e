"""Every write of the benefits app, one module per sub-domain: membership, purchases (and
provisioning, keys), assignments. Each service checks the actor's permissions
(tenancy.models.Permission) itself, so a view, a command or a task cannot skip them.
The services are re-exported here: callers write `services.benefit_assign`."""

from benefits.services.assignments import (
    benefit_assign,
    benefit_unassign,
    support_activate,
    support_activations_run,
)
from benefits.services.common import (
    KEY_ALPHABET,
    ONE_ACTION_PACK,
    ONE_HOLDER_PER_SEAT,
    ONE_SEAT_PER_USER,
    partner_organization,
)
from benefits.services.membership import (
    membership_current,
    partner_network_join,
    partner_network_renew,
    partner_network_upgrade,
    renewal_opens_on,
)
from benefits.services.purchases import (
    benefit_keys_reveal,
    package_provision,
    package_purchase,
    product_keys_reencrypt,
)

__all__ = [
    "KEY_ALPHABET",
    "ONE_ACTION_PACK",
    "ONE_HOLDER_PER_SEAT",
    "ONE_SEAT_PER_USER",
    "benefit_assign",
    "benefit_keys_reveal",
    "benefit_unassign",
    "membership_current",
    "package_provision",
    "package_purchase",
    "partner_network_join",
    "partner_network_renew",
    "partner_network_upgrade",
    "partner_organization",
    "product_keys_reencrypt",
    "renewal_opens_on",
    "support_activate",
    "support_activations_run",
]
