"""The machine's speed on fixed work, so bench figures from different machines can be compared."""

from __future__ import annotations

import hashlib
import time

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa


def _best_of(runs: int, work) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.process_time()
        work()
        best = min(best, time.process_time() - start)
    return round(best * 1000, 2)


def _python_loop() -> None:
    total = 0
    for i in range(1_000_000):
        total += i ^ (i >> 3)


def speed() -> dict:
    """CPU ms (best of five, this process) for a pure-Python loop and 100 RS256 signatures."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    digest = hashlib.sha256(b"calibration").digest()

    def sign() -> None:
        for _ in range(100):
            key.sign(digest, padding.PKCS1v15(), hashes.SHA256())

    return {"python_loop_ms": _best_of(5, _python_loop), "rsa2048_sign_x100_ms": _best_of(5, sign)}
