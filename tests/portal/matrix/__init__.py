"""Permission-matrix cases, one module per portal area; see spec.py."""
