"""`make reliability`: two web nodes on loopback, faults injected under load, nothing lost."""
