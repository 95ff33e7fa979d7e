"""The API's operations, a module per resource; each has its router, mounted in api/api.py.
Every operation goes through the pages' selectors and services: a token sees and changes
exactly what its organization's people would."""

from . import agreements, benefits, partner_links, subscribers, usage

ROUTERS = [
    agreements.router,
    subscribers.router,
    partner_links.router,
    usage.router,
    benefits.router,
]
