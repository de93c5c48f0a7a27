"""What a tenant's OpenID Provider is made of: clients, secrets, signing keys, endpoints."""
