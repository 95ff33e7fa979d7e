from django.apps import AppConfig


class LicensingCenterConfig(AppConfig):
    name = "licensing_center"
    verbose_name = "Licensing service center (stand-in)"

    def ready(self) -> None:
        from . import emails  # noqa: F401  (registers the email kind)
