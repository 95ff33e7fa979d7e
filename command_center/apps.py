from django.apps import AppConfig


class CommandCenterConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "command_center"
    verbose_name = "Command center"

    def ready(self) -> None:
        from . import emails  # noqa: F401  (registers the email kinds)
