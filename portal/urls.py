"""Portal URL map under /portal/: one pattern list per area."""

from django.urls import include, path

from portal.views import (
    account,
    api_tokens,
    branding,
    dashboard,
    domains,
    keys,
    mailbox,
    members,
    passkeys,
    settings,
    support,
    users,
    viewer,
)

app_name = "portal"

account_patterns = [
    path("", account.home, name="home"),
    path("sign-in/", account.sign_in_page, name="sign-in"),
    path("sign-in/link/", account.sign_in_link, name="sign-in-link"),
    path("sign-out/", account.sign_out, name="sign-out"),
    path("link/<str:token>/", account.email_link, name="email-link"),
    path("profile/", account.profile, name="profile"),
    path("docs/", account.docs, name="docs"),
]

passkey_patterns = [
    path("passkeys/", passkeys.passkeys, name="passkeys"),
    path("passkeys/<int:pk>/rename/", passkeys.passkey_rename_view, name="passkey-rename"),
    path("passkeys/<int:pk>/remove/", passkeys.passkey_remove_view, name="passkey-remove"),
    path("webauthn/sign-in/options/", passkeys.auth_options, name="passkey-auth-options"),
    path("webauthn/sign-in/verify/", passkeys.auth_verify, name="passkey-auth-verify"),
    path("webauthn/check/options/", passkeys.reauth_options, name="passkey-reauth-options"),
    path("webauthn/check/verify/", passkeys.reauth_verify, name="passkey-reauth-verify"),
    path("webauthn/register/options/", passkeys.register_options, name="passkey-register-options"),
    path("webauthn/register/verify/", passkeys.register_verify, name="passkey-register-verify"),
]

api_token_patterns = [
    path("api-tokens/", api_tokens.api_tokens, name="api-tokens"),
    path("api-tokens/<int:pk>/revoke/", api_tokens.api_token_revoke_view, name="api-token-revoke"),
]

support_patterns = [
    path("support/", support.console, name="support"),
    path("support/users/<int:user_id>/", support.user_detail, name="support-user"),
    path(
        "support/users/<int:user_id>/assign/",
        support.membership_assign_view,
        name="support-membership-assign",
    ),
    path(
        "support/memberships/<int:membership_id>/role/",
        support.membership_role_view,
        name="support-membership-role",
    ),
    path(
        "support/memberships/<int:membership_id>/remove/",
        support.membership_remove_view,
        name="support-membership-remove",
    ),
    path(
        "support/access-requests/<int:request_id>/resolve/",
        support.access_request_resolve_view,
        name="support-access-request-resolve",
    ),
    path("support/tenants/new/", support.tenant_create_view, name="support-tenant-create"),
    path("support/tenants/<slug:slug>/", support.tenant_detail, name="support-tenant"),
    path(
        "support/tenants/<slug:slug>/status/",
        support.tenant_status_view,
        name="support-tenant-status",
    ),
    path(
        "support/tenants/<slug:slug>/policy/",
        support.tenant_policy_view,
        name="support-tenant-policy",
    ),
]

# Under /portal/tenants/<slug>/.
tenant_member_patterns = [
    path("members/", members.members, name="tenant-members"),
    path("audit/", members.audit, name="tenant-audit"),
    path("access-request/", members.access_request, name="tenant-access-request"),
]

tenant_settings_patterns = [
    path("settings/", settings.settings_page, name="tenant-settings"),
    path("settings/oidc/", settings.settings_update, name="tenant-settings-update"),
    path("settings/branding/", branding.branding_update, name="tenant-settings-branding"),
    path("settings/embedding/", settings.embedding_update, name="tenant-settings-embedding"),
    path(
        "settings/redirect-urls/",
        settings.redirect_url_create,
        name="tenant-settings-redirect-url-add",
    ),
    path(
        "settings/redirect-urls/<int:pk>/remove/",
        settings.redirect_url_delete,
        name="tenant-settings-redirect-url-remove",
    ),
    path("settings/secrets/", settings.secret_generate, name="tenant-settings-secret-generate"),
    path(
        "settings/secrets/<int:pk>/revoke/",
        settings.secret_revoke,
        name="tenant-settings-secret-revoke",
    ),
    path(
        "settings/b2c-claims-provider.xml",
        settings.b2c_claims_provider,
        name="tenant-settings-b2c-xml",
    ),
]

tenant_key_patterns = [
    path("keys/", keys.keys_page, name="tenant-keys"),
    path("keys/rotate/", keys.key_rotate, name="tenant-key-rotate"),
    path("keys/es256/", keys.key_add_es256, name="tenant-key-add-es256"),
    path("keys/<str:kid>/revoke/", keys.key_revoke_view, name="tenant-key-revoke"),
]

tenant_domain_patterns = [
    path("domains/", domains.domains_page, name="tenant-domains"),
    path("domains/add/", domains.domain_add, name="tenant-domain-add"),
    path("domains/<int:pk>/check/", domains.domain_check, name="tenant-domain-check"),
    path("domains/<int:pk>/remove/", domains.domain_remove, name="tenant-domain-remove"),
    path("domains/passkeys/", domains.relying_party_update, name="tenant-relying-party"),
    path("domains/issuer/", domains.issuer_choose, name="tenant-issuer"),
]

# Development only: the views answer 404 unless settings.DEV_MAILBOX.
dev_mailbox_patterns = [
    path("dev/mail/", mailbox.mailbox, name="dev-mailbox"),
    path("dev/mail/<str:message_id>/", mailbox.mailbox_message, name="dev-mailbox-message"),
]

# Under /portal/tenants/<slug>/: the built-in token viewer.
tenant_viewer_patterns = [
    path("test-sign-in/", viewer.test_sign_in, name="tenant-test-sign-in"),
    path(
        "test-sign-in/callback/",
        viewer.test_sign_in_callback,
        name="tenant-test-sign-in-callback",
    ),
]

# Under /portal/tenants/<slug>/: the tenant's home (sign-in dashboard) and Users page.
tenant_user_patterns = [
    path("", dashboard.tenant_home, name="tenant-home"),
    path("users/", users.users, name="tenant-users"),
    path("users/<int:user_id>/", users.user_detail, name="tenant-user"),
    path("users/<int:user_id>/disable/", users.user_disable, name="tenant-user-disable"),
    path("users/<int:user_id>/enable/", users.user_enable, name="tenant-user-enable"),
    path(
        "users/<int:user_id>/revoke-sessions/",
        users.user_revoke_sessions,
        name="tenant-user-revoke-sessions",
    ),
    path(
        "users/<int:user_id>/send-recovery/",
        users.user_send_recovery,
        name="tenant-user-send-recovery",
    ),
    path(
        "users/<int:user_id>/passkeys/<int:pk>/remove/",
        users.user_passkey_remove,
        name="tenant-user-passkey-remove",
    ),
]

urlpatterns = [
    *account_patterns,
    *passkey_patterns,
    *support_patterns,
    *api_token_patterns,
    *dev_mailbox_patterns,
    path(
        "tenants/<slug:slug>/",
        include(
            tenant_member_patterns
            + tenant_settings_patterns
            + tenant_key_patterns
            + tenant_domain_patterns
            + tenant_viewer_patterns
            + tenant_user_patterns
        ),
    ),
]
