from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.db import IntegrityError
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme, urlsafe_base64_decode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.limits import email_count_key, sign_in_account_limit

from . import services
from .forms import LanguageForm, PasswordResetForm, ResendVerificationForm, SignInForm, SignUpForm
from .lockout import lockout_username
from .models import User
from .proofs import email_proof_spend, email_proven_by
from .tasks import email_verification_resend_run, lookup_enqueue
from .tokens import email_verification_token

AFTER_VERIFICATION_KEY = "after_verification_url"
BACKEND = "portal.accounts.backends.EmailBackend"


def _safe_next(request, candidate: str | None) -> str | None:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return None


class SignInView(auth_views.LoginView):
    form_class = SignInForm
    template_name = "accounts/sign_in.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        # Too many failures for this account from every address together: paused everywhere,
        # before any password is checked (django-axes counts each address on its own).
        email = lockout_username(request, {"username": request.POST.get("username")})
        if email and sign_in_account_limit.is_exceeded(account=email_count_key(email)):
            return render(request, settings.AXES_LOCKOUT_TEMPLATE, status=429)
        return super().post(request, *args, **kwargs)


class SignOutView(auth_views.LogoutView):
    pass


def sign_up(request):
    if request.user.is_authenticated:
        return redirect("home")
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    # An invitation or licensing-center link emailed to an address proves that mailbox.
    token = request.POST.get("invitation") or request.GET.get("invitation", "")
    invited_email = email_proven_by(token)
    initial = {"preferred_language": request.LANGUAGE_CODE}
    form = SignUpForm(request.POST or None, initial=initial, proven_email=invited_email)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        proven = invited_email is not None and invited_email.casefold() == email.casefold()
        details = {
            "email": email,
            "full_name": form.cleaned_data["full_name"],
            "password": form.cleaned_data["password1"],
            "preferred_language": form.cleaned_data["preferred_language"],
        }
        if proven and not User.objects.filter(email__iexact=email).exists():
            try:
                user = services.user_signup(**details, email_proven=True)
            except IntegrityError:
                pass  # two sign-ups for one address at once: the other one has it
            else:
                email_proof_spend(token)
                login(request, user, backend=BACKEND)
                return redirect(next_url or "home")
        if proven:
            # The link proved this mailbox: its holder learns nothing new from being told.
            form.add_error("email", SignUpForm.taken_message)
        else:
            # The same answer, and the same work, whether or not the address has an account.
            if services.user_signup_request(**details) and next_url:
                request.session[AFTER_VERIFICATION_KEY] = next_url
            return render(request, "accounts/verification_sent.html", {"email": email})
    context = {
        "form": form,
        "next": next_url,
        "invitation_token": token,
    }
    return render(request, "accounts/sign_up.html", context)


def verify_email(request, uidb64, token):
    try:
        user = User.objects.get(pk=int(urlsafe_base64_decode(uidb64).decode()))
    except (TypeError, ValueError, OverflowError, User.DoesNotExist):
        user = None
    if user is None or not user.is_active or not email_verification_token.check_token(user, token):
        return render(request, "accounts/verification_invalid.html", status=400)
    if request.method != "POST":
        # Mail scanners follow links; only the person's click on the button verifies.
        return render(request, "accounts/verify_email.html", {"verified_email": user.email})
    services.user_email_verify(user=user)
    login(request, user, backend=BACKEND)
    messages.success(request, _("Your email address is confirmed. Welcome!"))
    next_url = _safe_next(request, request.session.pop(AFTER_VERIFICATION_KEY, None))
    return redirect(next_url or settings.LOGIN_REDIRECT_URL)


def resend_verification(request):
    form = ResendVerificationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        allowed = services.email_verification_resend_allowed(
            email=email, ip_address=request.META.get("REMOTE_ADDR")
        )
        if allowed:
            lookup_enqueue(email_verification_resend_run, email)
        # The same answer, after the same work, whether or not the address has an account.
        return render(
            request, "accounts/verification_sent.html", {"email": form.cleaned_data["email"]}
        )
    return render(request, "accounts/resend_verification.html", {"form": form})


@require_POST
def language_set(request):
    form = LanguageForm(request.POST)
    next_url = _safe_next(request, request.POST.get("next")) or "/"
    response = HttpResponseRedirect(next_url)
    if form.is_valid():
        language = form.cleaned_data["language"]
        if request.user.is_authenticated:
            services.user_language_set(user=request.user, language=language)
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,  # type: ignore[arg-type]  # a setting
        )
    return response


password_change = auth_views.PasswordChangeView.as_view(
    template_name="accounts/password_change.html",
    success_url=reverse_lazy("accounts:password_change_done"),
)
password_change_done = auth_views.PasswordChangeDoneView.as_view(
    template_name="accounts/password_change_done.html"
)
password_reset = auth_views.PasswordResetView.as_view(
    form_class=PasswordResetForm,
    template_name="accounts/password_reset.html",
    success_url=reverse_lazy("accounts:password_reset_done"),
)
password_reset_done = auth_views.PasswordResetDoneView.as_view(
    template_name="accounts/password_reset_done.html"
)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    def dispatch(self, *args, **kwargs):
        response = super().dispatch(*args, **kwargs)
        session = self.request.session
        # Django keeps the link's token in the session until the new password is chosen; a
        # visitor who never does must not leave it behind for the session's two weeks.
        held = auth_views.INTERNAL_RESET_SESSION_TOKEN in session
        if held and not self.request.user.is_authenticated:
            session.set_expiry(settings.PASSWORD_RESET_SESSION_AGE)
        return response

    def form_valid(self, form):
        response = super().form_valid(form)
        services.sign_in_lockout_lift(user=form.user)
        return response


password_reset_confirm = PasswordResetConfirmView.as_view(
    template_name="accounts/password_reset_confirm.html",
    success_url=reverse_lazy("accounts:password_reset_complete"),
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="accounts/password_reset_complete.html"
)
