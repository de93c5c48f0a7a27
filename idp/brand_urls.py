"""Brand assets of a tenant under /t/<slug>/brand/."""

from django.urls import path

from idp import views_brand

urlpatterns = [
    path("brand/<slug:digest>.css", views_brand.brand_css, name="brand-css"),
    path("brand/logo-<slug:digest>", views_brand.brand_logo, name="brand-logo"),
]
