from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from portal.limits import email_count_key, password_reset_limit
from portal.tenancy.context import Actor

from .models import User
from .tasks import lookup_enqueue, password_reset_request_run


class SignInForm(auth_forms.AuthenticationForm):
    username = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    error_messages = {
        **auth_forms.AuthenticationForm.error_messages,
        "invalid_login": _("That email address and password do not match an account."),
        "unverified": _(
            "Confirm your email address first: open the link we sent you. "
            "No email? Ask for a new link below."
        ),
    }

    def confirm_login_allowed(self, user: User) -> None:
        super().confirm_login_allowed(user)
        if not user.is_verified:
            raise ValidationError(self.error_messages["unverified"], code="unverified")


class SignUpForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    email = forms.EmailField(
        label=_("Work email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    preferred_language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)

    taken_message = _("An account already uses this address. Sign in, or reset your password.")

    def __init__(self, *args, proven_email: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if proven_email:
            # A link emailed to this address brought the person here: the account is for
            # it, and a posted other address is ignored (a disabled field keeps its initial).
            field = self.fields["email"]
            field.disabled = True
            field.initial = proven_email
            field.help_text = _(
                "The address your link was sent to. To use another one, sign up without the link."
            )

    def clean_email(self) -> str:
        # Whether the address has an account is not the form's to say (see user_signup_request).
        return self.cleaned_data["email"].strip()

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("The two passwords differ."))
        elif password1:
            candidate = User(email=cleaned.get("email", ""), full_name=cleaned.get("full_name", ""))
            try:
                password_validation.validate_password(password1, candidate)
            except ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class ResendVerificationForm(forms.Form):
    email = forms.EmailField(label=_("Email address"), max_length=254)


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's form, except that the address is looked up by a Celery task (whose email goes
    through the outbox), and that requests are rate limited per address and per IP
    address."""

    # Only `request` of Django's arguments is used: the email is built by the outbox.
    def save(self, request=None, **kwargs) -> None:  # type: ignore[override]
        email = self.cleaned_data["email"]
        ip_address = request.META.get("REMOTE_ADDR") if request else None
        try:
            password_reset_limit.enforce(
                actor=Actor(user=None, ip_address=ip_address),
                email=email_count_key(email),
                ip=ip_address,
            )
        except ValidationError:
            # The page answers the same either way, so it reveals nothing: no more emails go.
            return
        lookup_enqueue(password_reset_request_run, email)


class LanguageForm(forms.Form):
    language = forms.ChoiceField(choices=settings.LANGUAGES)
