"""Tenant branding: display name, logo, primary colour, default language, passkey button."""
