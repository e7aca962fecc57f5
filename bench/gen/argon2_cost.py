#!/usr/bin/env python3
"""Times argon2id verification (m=19456 KiB, t=2, p=1) with argon2-cffi, i.e. the
reference C libargon2 that slapd's argon2 module also links. Usage: argon2_cost.py [N]"""
import statistics
import sys
import time

from argon2 import PasswordHasher

n = max(1, int(sys.argv[1]) if len(sys.argv) > 1 else 20)
ph = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1, hash_len=32, salt_len=16)
h = ph.hash("pw-10000")
ph.verify(h, "pw-10000")
ms = []
for _ in range(n):
    t = time.perf_counter()
    ph.verify(h, "pw-10000")
    ms.append((time.perf_counter() - t) * 1000)
ms.sort()
print("# argon2 tool=python-argon2-cffi(libargon2) params=m19456,t2,p1 verifies=%d mean_ms=%.2f "
      "median_ms=%.2f min_ms=%.2f max_ms=%.2f verifies_per_core_s=%.1f"
      % (n, statistics.mean(ms), ms[n // 2], ms[0], ms[-1], 1000 / ms[n // 2]))
