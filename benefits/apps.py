from django.apps import AppConfig


class BenefitsConfig(AppConfig):
    name = "benefits"
    verbose_name = "Partner network benefits"

    def ready(self) -> None:
        from . import checks, emails  # noqa: F401  (registers the system check and email kinds)
