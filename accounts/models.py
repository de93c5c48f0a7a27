"""Users (portal admins, support staff, tenant end users), memberships and passkeys."""

from __future__ import annotations

import secrets

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from tenants.models import Tenant
from tenants.querysets import TenantOwned, TenantQuerySet


def normalize_email(email: str) -> str:
    """Trim and lower-case an address; addresses compare case-insensitively."""
    return (email or "").strip().lower()


def generate_subject() -> str:
    """Opaque, stable OIDC `sub`: never the email, never a database id."""
    return secrets.token_urlsafe(24)


def generate_webauthn_handle() -> bytes:
    """Random WebAuthn user handle (64 bytes, the maximum the spec allows)."""
    return secrets.token_bytes(64)


class UserQuerySet(TenantQuerySet):
    """Users, with the realm split; for_tenant() gives one tenant's end users."""

    def portal(self):
        """Portal users (tenant admins and support staff)."""
        return self.filter(tenant__isnull=True)

    def by_email(self, email):
        """Case-insensitive email match."""
        return self.filter(email=normalize_email(email))


class UserManager(BaseUserManager.from_queryset(UserQuerySet)):
    """Creates users; email is the identifier within a realm."""

    use_in_migrations = True

    def create_user(self, email, tenant=None, **extra):
        user = self.model(email=normalize_email(email), tenant=tenant, **extra)
        user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        user = self.create_user(email, **extra)
        if password:
            user.set_password(password)
            user.save(update_fields=["password"])
        return user


class User(AbstractBaseUser, PermissionsMixin):
    """A person in one realm: the portal (tenant is null) or one tenant's directory."""

    tenant_path = "tenant"

    email = models.EmailField(max_length=254)
    tenant = models.ForeignKey(
        Tenant, null=True, blank=True, on_delete=models.CASCADE, related_name="end_users"
    )
    given_name = models.CharField(max_length=150, blank=True)
    family_name = models.CharField(max_length=150, blank=True)
    nickname = models.CharField(max_length=150, blank=True)
    subject = models.CharField(max_length=64, unique=True, default=generate_subject)
    webauthn_handle = models.BinaryField(
        max_length=64, unique=True, default=generate_webauthn_handle
    )
    email_verified_at = models.DateTimeField(null=True, blank=True)
    # Sessions and tokens from before this moment are void (set on recovery).
    sessions_valid_after = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    # Support staff: portal users not tied to any tenant who run the support console.
    is_staff = models.BooleanField(default=False, verbose_name="support staff")
    date_joined = models.DateTimeField(auto_now_add=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        constraints = [
            models.UniqueConstraint(
                Lower("email"), condition=Q(tenant__isnull=True), name="uniq_portal_email"
            ),
            models.UniqueConstraint(
                Lower("email"),
                "tenant",
                condition=Q(tenant__isnull=False),
                name="uniq_tenant_email",
            ),
            models.CheckConstraint(
                condition=Q(is_staff=False) | Q(tenant__isnull=True),
                name="support_staff_in_portal_realm",
            ),
        ]
        indexes = [
            # The Users page: keyset pages newest first, and email-prefix search, per tenant.
            models.Index(fields=["tenant", "-id"], name="user_tenant_newest"),
            models.Index(
                fields=["tenant", "email"],
                name="user_tenant_email_prefix",
                opclasses=["int8_ops", "varchar_pattern_ops"],
            ),
        ]

    def __str__(self):
        return self.email

    def save(self, *args, **kwargs):
        self.email = normalize_email(self.email)
        super().save(*args, **kwargs)

    @property
    def is_support_staff(self) -> bool:
        return self.is_active and self.is_staff and self.tenant_id is None

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def name(self) -> str:
        """Display name for the `name` claim: nickname, else given + family name."""
        full = " ".join(p for p in (self.given_name, self.family_name) if p)
        return self.nickname or full

    def has_perm(self, perm, obj=None):
        # Support staff run the Django admin; ModelAdmins narrow what they may change.
        return self.is_support_staff or super().has_perm(perm, obj)

    def tenant_role(self, tenant) -> str | None:
        """This portal user's membership role in the tenant, or None (read once per request)."""
        roles = self.__dict__.setdefault("_tenant_roles", {})
        if tenant.pk not in roles:
            memberships = Membership.objects.for_tenant(tenant).filter(user=self)
            roles[tenant.pk] = memberships.values_list("role", flat=True).first()
        return roles[tenant.pk]

    def remember_tenant_role(self, tenant, role: str | None) -> None:
        """Record a role already read (access_tenant), so tenant_role() needs no query."""
        self.__dict__.setdefault("_tenant_roles", {})[tenant.pk] = role

    def has_module_perms(self, app_label):
        return self.is_support_staff or super().has_module_perms(app_label)


class Membership(TenantOwned):
    """A portal user's role in one tenant."""

    class Role(models.TextChoices):
        READ_ONLY = "read_only", "Read-only"
        READ_WRITE = "read_write", "Read-write"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.READ_ONLY)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "tenant"], name="uniq_membership"),
        ]

    def __str__(self):
        return f"{self.user} @ {self.tenant.slug}: {self.role}"

    @property
    def can_write(self) -> bool:
        return self.role == self.Role.READ_WRITE


class WebAuthnCredential(models.Model):
    """A passkey registered by a user (portal or tenant end user)."""

    tenant_path = "user__tenant"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="credentials")
    credential_id = models.BinaryField(max_length=1023, unique=True)
    public_key = models.BinaryField()
    sign_count = models.PositiveBigIntegerField(default=0)
    transports = models.JSONField(default=list, blank=True)
    aaguid = models.CharField(max_length=36, blank=True)
    backup_eligible = models.BooleanField(default=False)
    backup_state = models.BooleanField(default=False)
    name = models.CharField(max_length=100, blank=True)
    possibly_cloned = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.name or f"passkey {self.pk}"


class EmailLink(models.Model):
    """A single-use emailed link (verification, sign-in, recovery); only its digest is stored."""

    tenant_path = "tenant"

    class Purpose(models.TextChoices):
        SIGNUP = "signup", "Verify email and sign up"
        SIGN_IN = "sign_in", "Sign in"
        RECOVERY = "recovery", "Recover access"
        VERIFY = "verify", "Verify email"

    purpose = models.CharField(max_length=16, choices=Purpose.choices)
    email = models.EmailField(max_length=254)
    tenant = models.ForeignKey(Tenant, null=True, blank=True, on_delete=models.CASCADE)
    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.CASCADE)
    digest = models.CharField(max_length=64, unique=True)
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    objects = TenantQuerySet.as_manager()

    def __str__(self):
        return f"{self.purpose} link for {self.email}"


class AccessRequest(TenantOwned):
    """A read-only member asking support staff for read-write access to one tenant."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        DENIED = "denied", "Denied"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="access_requests")
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="access_requests")
    reason = models.TextField(max_length=1000)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolution_reason = models.TextField(max_length=1000, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "tenant"],
                condition=Q(status="pending"),
                name="one_pending_access_request",
            ),
        ]

    def __str__(self):
        return f"{self.user} asks read-write @ {self.tenant.slug} ({self.status})"
