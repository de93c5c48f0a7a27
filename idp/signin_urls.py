"""End-user sign-in, registration, account and recovery pages."""

from django.urls import path

from idp import views_signin as views
from idp import views_signin_account as account

urlpatterns = [
    path("sign-in/", views.sign_in, name="sign-in"),
    path("sign-in/passkey/options/", views.signin_options, name="signin-options"),
    path("sign-in/passkey/verify/", views.signin_verify, name="signin-verify"),
    path("sign-in/new/", views.signup_start, name="signin-signup"),
    path("sign-in/email/code/", views.email_code, name="signin-email-code"),
    path(
        "sign-in/email/<slug:kind>/<str:token>/",
        views.email_link,
        name="signin-email-link",
    ),
    path("sign-in/create-passkey/", views.create_passkey, name="signin-create-passkey"),
    path("sign-in/register/options/", views.register_options, name="signin-register-options"),
    path("sign-in/register/verify/", views.register_verify, name="signin-register-verify"),
    path("sign-in/recover/", views.recover, name="signin-recover"),
    path("sign-out/", views.sign_out, name="sign-out"),
    path("account/", account.account, name="account"),
    path("account/passkeys/options/", account.passkey_add_options, name="account-passkey-options"),
    path("account/passkeys/verify/", account.passkey_add_verify, name="account-passkey-verify"),
    path(
        "account/passkeys/<int:passkey_id>/rename/",
        account.passkey_rename,
        name="account-passkey-rename",
    ),
    path(
        "account/passkeys/<int:passkey_id>/remove/",
        account.passkey_remove,
        name="account-passkey-remove",
    ),
    path("account/verify-email/", account.verify_email_send, name="account-verify-email"),
]
