from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from agreements.models import SubscriptionLevel
from agreements.orders.forms import OrderForm
from agreements.orders.selectors import order_list
from agreements.orders.services import order_place
from portal.limits import invitation_limit_enforce
from portal.tenancy.decorators import partner_required


@partner_required
def order_new(request):
    levels = list(SubscriptionLevel.objects.all())
    form = OrderForm(
        request.POST or None,
        levels=levels,
        initial={"default_language": request.actor.organization.default_language},
    )
    if request.method == "POST" and form.is_valid():
        try:
            # Each order emails an invitation with the partner's words: the invitation budget.
            invitation_limit_enforce(actor=request.actor)
        except ValidationError as error:
            form.add_error(None, error)
            return render(request, "agreements/order_new.html", {"form": form}, status=429)
        data = form.cleaned_data
        agreement = order_place(
            actor=request.actor,
            partner=request.actor.organization,
            customer_name=data["customer_name"],
            customer_email=data["customer_email"],
            seats=form.seats(),
            default_language=data["default_language"],
            country=data["country"],
        )
        messages.success(
            request,
            _(
                "Order placed: Open License %(authorization)s / %(license)s. %(email)s is invited "
                "to name administrators and open the subscriptions."
            )
            % {
                "authorization": agreement.authorization_number,
                "license": agreement.license_number,
                "email": agreement.customer_email,
            },
        )
        return redirect("agreements:orders")
    return render(request, "agreements/order_new.html", {"form": form})


@partner_required
def orders(request):
    placed = order_list(actor=request.actor)
    return render(request, "agreements/orders.html", {"orders": placed})
