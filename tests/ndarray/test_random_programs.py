"""Random programs of NDArray arithmetic, whole and sliced assignment, in-place operators,
``out=``, views and reshapes, checked step by step against the same program on NumPy arrays.

The fast paths under them (lending an operand's memory to the result, a whole assignment taking
a temporary's buffer, running ready ops at once) decide by reference counts and view flags;
these programs mix named arrays, temporaries and views of both so that a wrong decision shows
up as a value that differs from NumPy's."""
import random

import numpy as np
import pytest

import mxnet as mx

ROWS = 6
OPS = ("add", "sub", "rsub", "div", "mul_s", "assign_expr", "update", "nested", "assign_slice",
       "iadd", "imul", "view", "out", "copyto", "setscalar", "del")


def _step(rnd, rng, arrays, counter):
    names = list(arrays)
    shape = arrays[rnd.choice(names)][0].shape
    same = [n for n in names if arrays[n][0].shape == shape]
    op = rnd.choice(OPS)
    a, b = rnd.choice(same), rnd.choice(same)
    (A, An), (B, Bn) = arrays[a], arrays[b]
    s = rnd.choice([0.5, 2.0, -1.0, 0.1])
    f = np.float32(s)

    def new(pair):
        counter[0] += 1
        arrays["v%d" % counter[0]] = pair

    if op == "add":
        new((A + B, An + Bn))
    elif op == "sub":
        new((A - B, An - Bn))
    elif op == "rsub":
        new((s - A, f - An))
    elif op == "div":
        new((A / (B * B + 1), An / (Bn * Bn + 1)))
    elif op == "mul_s":
        new((A * s, An * f))
    elif op == "assign_expr":           # the seed's W[:] = W - G * lr
        A[:] = A - B * s
        An[:] = An - Bn * f
    elif op == "update":
        A[:] = B - A * s
        An[:] = Bn - An * f
    elif op == "nested":
        A[:] = (A + B) * s - (B - A)
        An[:] = (An + Bn) * f - (Bn - An)
    elif op == "assign_slice" and A.shape[0] > 1:
        i = rnd.randrange(0, A.shape[0] - 1)
        j = rnd.randrange(i + 1, A.shape[0])
        A[i:j] = B[i:j] * s
        An[i:j] = Bn[i:j] * f
    elif op == "iadd":
        A += B
        An += Bn
    elif op == "imul":
        A *= s
        An *= f
    elif op == "view" and A.shape[0] > 1:
        i = rnd.randrange(0, A.shape[0] - 1)
        j = rnd.randrange(i + 1, A.shape[0] + 1)
        new((A.reshape((-1,)), An.reshape((-1,))) if rnd.random() < 0.2 else (A[i:j], An[i:j]))
    elif op == "out":
        c = rnd.choice(same)
        C, Cn = arrays[c]
        if rnd.random() < 0.5:
            mx.nd.elemwise_add(A, B, out=C)
            Cn[...] = An + Bn
        else:
            mx.nd.broadcast_mul(A, B, out=C)
            Cn[...] = An * Bn
    elif op == "copyto" and a != b:
        A.copyto(B)
        Bn[...] = An
    elif op == "setscalar":
        A[:] = s
        An[:] = f
    elif op == "del" and len(arrays) > 5:
        del arrays[rnd.choice(names)]
    return op


@pytest.mark.parametrize("seed", range(40))
def test_random_program_matches_numpy(seed):
    rnd, rng = random.Random(seed), np.random.RandomState(seed)
    arrays = {}
    for i in range(4):
        x = rng.randn(ROWS, 3).astype(np.float32)
        arrays["v%d" % i] = (mx.nd.array(x), x.copy())
    counter = [10]
    ops = []
    for step in range(150):
        ops.append(_step(rnd, rng, arrays, counter))
        if step % 10 == 9:
            for name, (x, want) in arrays.items():
                np.testing.assert_allclose(x.asnumpy(), want, rtol=1e-4, atol=1e-4,
                                           err_msg="{} after {}".format(name, ops[-10:]))
