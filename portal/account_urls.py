"""Portal sign-up, sign-in, profile and passkeys."""

from django.urls import path

from portal import views_account, views_passkeys

urlpatterns = [
    path("", views_account.home, name="home"),
    path("sign-in/", views_account.sign_in_page, name="sign-in"),
    path("sign-in/link/", views_account.sign_in_link, name="sign-in-link"),
    path("sign-out/", views_account.sign_out, name="sign-out"),
    path("link/<str:token>/", views_account.email_link, name="email-link"),
    path("profile/", views_account.profile, name="profile"),
    path("docs/", views_account.docs, name="docs"),
    path("passkeys/", views_passkeys.passkeys, name="passkeys"),
    path("passkeys/<int:pk>/rename/", views_passkeys.passkey_rename_view, name="passkey-rename"),
    path("passkeys/<int:pk>/remove/", views_passkeys.passkey_remove_view, name="passkey-remove"),
    path("webauthn/sign-in/options/", views_passkeys.auth_options, name="passkey-auth-options"),
    path("webauthn/sign-in/verify/", views_passkeys.auth_verify, name="passkey-auth-verify"),
    path("webauthn/check/options/", views_passkeys.reauth_options, name="passkey-reauth-options"),
    path("webauthn/check/verify/", views_passkeys.reauth_verify, name="passkey-reauth-verify"),
    path(
        "webauthn/register/options/",
        views_passkeys.register_options,
        name="passkey-register-options",
    ),
    path(
        "webauthn/register/verify/",
        views_passkeys.register_verify,
        name="passkey-register-verify",
    ),
]
