from celery import shared_task

from licensing_center.services import licensing_sign_in_request


@shared_task(name="agreements.licensing_sign_in_request", ignore_result=True)
def licensing_sign_in_request_run(email: str, language: str | None = None) -> None:
    """Look the licensing contact up and email its sign-in link, away from the request."""
    licensing_sign_in_request(email=email, language=language)
