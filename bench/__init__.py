"""Benchmarks for Latchkey's hot paths (`make bench`)."""
