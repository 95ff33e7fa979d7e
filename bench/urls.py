"""The portal's URLs plus what only the benchmarks serve: never part of portal.urls."""

from django.urls import include, path

from .views import bare_page, bench_admin

urlpatterns = [
    path("bench/bare/", bare_page, name="bench_bare"),
    path("bench/admin/", bench_admin.urls),
    path("", include("portal.urls")),
]
