"""Portal sign-up, sign-in, profile and passkeys."""

from django.urls import path

from portal import views_home

urlpatterns = [
    path("", views_home.home, name="home"),
    path("sign-in/", views_home.home, name="sign-in"),
    path("link/<str:token>/", views_home.home, name="email-link"),
]
