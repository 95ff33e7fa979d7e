from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The project itself: pages and commands that bring several apps together."""

    name = "portal"
    verbose_name = "Portal"
