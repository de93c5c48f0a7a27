"""`make reliability`: a two-node stack on loopback, faults under load, and what was lost (nothing)."""
