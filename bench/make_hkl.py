#!/usr/bin/env python3
"""Writes a dense synthetic HKL file: every h, k in -H..H and l in -L..L
with a deterministic pseudo-random amplitude (a linear congruential
generator, so any Python gives the same file).

  make_hkl.py H L OUTFILE      (bench B of docs/performance.md: 50 25)
"""
import sys

h_max, l_max, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
state = 12345
with open(path, "w") as out:
    for h in range(-h_max, h_max + 1):
        for k in range(-h_max, h_max + 1):
            for l in range(-l_max, l_max + 1):
                state = (1103515245 * state + 12345) % 2147483648
                out.write("%d %d %d %.2f\n" % (h, k, l, 10 + 190 * state / 2147483648))
