"""The engine's read/write de-duplication: in-place vars are writes only, repeats dropped, order
kept; short lists (identity scans) and long ones (id sets, kvstore ops over many keys) agree."""
import random

import pytest

from mxnet.engine import Var, _dedupe


def _reference(reads, writes):
    out_w = []
    for v in writes:
        if not any(x is v for x in out_w):
            out_w.append(v)
    out_r = []
    for v in reads:
        if not any(x is v for x in out_w) and not any(x is v for x in out_r):
            out_r.append(v)
    return out_r, out_w


@pytest.mark.parametrize("seed", range(20))
def test_dedupe_matches_reference_short_and_long(seed):
    rng = random.Random(seed)
    pool = [Var() for _ in range(rng.choice([3, 12, 40]))]
    reads = [rng.choice(pool) for _ in range(rng.randint(0, 30))]
    writes = [rng.choice(pool) for _ in range(rng.randint(0, 30))]
    got_r, got_w = _dedupe(reads, writes)
    exp_r, exp_w = _reference(reads, writes)
    assert [id(v) for v in got_r] == [id(v) for v in exp_r]
    assert [id(v) for v in got_w] == [id(v) for v in exp_w]
