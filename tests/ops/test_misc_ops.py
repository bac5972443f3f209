"""Miscellaneous operators (ops/misc_ops.py): forward vs NumPy, values pasted from MXNet 1.9.1,
backward vs finite differences, errors, in-place updates of the multi-tensor optimizers, and the
symbolic path."""
import numpy as np
import pytest

import mxnet as mx
from mxnet.ops.registry import get_op, OpEnv
from tests.ops.harness import check_forward, check_grad, run_nd

I = mx.nd._internal


def _r(*shape, seed=0):
    return np.random.RandomState(seed).randn(*shape)


def _np_im2col(x, k, stride, pad):
    n, c, h, w = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad[0], pad[0]), (pad[1], pad[1])))
    oh = (h + 2 * pad[0] - k[0]) // stride[0] + 1
    ow = (w + 2 * pad[1] - k[1]) // stride[1] + 1
    cols = np.zeros((n, c, k[0], k[1], oh, ow))
    for i in range(k[0]):
        for j in range(k[1]):
            cols[:, :, i, j] = xp[:, :, i:i + stride[0] * oh:stride[0], j:j + stride[1] * ow:stride[1]]
    return cols.reshape(n, c * k[0] * k[1], oh * ow)


def _khatri_rao(*ms):
    out = ms[0]
    for m in ms[1:]:
        out = np.einsum("ik,jk->ijk", out, m).reshape(-1, m.shape[1])
    return out


def _hist(x, n, rng):
    c, e = np.histogram(x, bins=n, range=rng)
    return [c, e]


X23 = np.arange(6.).reshape(2, 3)
X234 = np.arange(24.).reshape(2, 3, 4)
FORWARD = [
    ("cumsum", [X23], {}, lambda x: np.cumsum(x)),
    ("cumsum", [X234], {"axis": -2}, lambda x: np.cumsum(x, axis=1)),
    ("moments", [X234], {"axes": (0, 2)}, lambda x: [x.mean((0, 2)), x.var((0, 2))]),
    ("moments", [X234], {"axes": (1,), "keepdims": True},
     lambda x: [x.mean(1, keepdims=True), x.var(1, keepdims=True)]),
    ("khatri_rao", [_r(2, 3), _r(4, 3, seed=1), _r(1, 3, seed=2)], {}, _khatri_rao),
    ("im2col", [_r(2, 3, 5, 4)], {"kernel": (2, 3), "stride": (2, 1), "pad": (1, 1)},
     lambda x: _np_im2col(x, (2, 3), (2, 1), (1, 1))),
    ("_split_v2", [X234], {"indices": (0, 1, 3), "axis": 2},
     lambda x: np.split(x, [1, 3], axis=2)),
    ("_split_v2", [X234], {"indices": (), "sections": 3, "axis": -1},
     lambda x: np.array_split(x, 3, axis=2)),
    ("_split_v2", [X234], {"indices": (0, 1, 2), "axis": 1, "squeeze_axis": True},
     lambda x: [x[:, i] for i in range(3)]),
    ("_ravel_multi_index", [np.array([[3, 6, 6], [4, 5, 1]], np.float32)], {"shape": (7, 6)},
     lambda a: np.ravel_multi_index(a.astype(int), (7, 6))),
    ("_unravel_index", [np.array([22, 41, 37], np.float32)], {"shape": (7, 6)},
     lambda a: np.stack(np.unravel_index(a.astype(int), (7, 6)))),
    ("fill_element_0index", [X23, np.array([9., 8]), np.array([1., 2])], {},
     lambda l, m, r: np.array([[0, 9, 2], [3, 4, 8.]])),
    ("_onehot_encode", [np.array([1., 0, 2]), np.zeros((3, 4))], {}, lambda i, z: np.eye(4)[[1, 0, 2]]),
    ("_square_sum", [X234], {"axis": (1,), "keepdims": True}, lambda x: (x * x).sum(1, keepdims=True)),
    ("_square_sum", [X234], {"axis": (1,), "exclude": True}, lambda x: (x * x).sum((0, 2))),
    ("_slice_assign", [X234, np.ones((2, 2, 2))], {"begin": (None, 1, 0), "end": (None, 3, 4), "step": (1, 1, 2)},
     lambda x, v: _assign(x, (slice(None), slice(1, 3), slice(0, 4, 2)), v)),
    ("_crop_assign_scalar", [X234], {"scalar": -2.0, "begin": (1,), "end": (2,)},
     lambda x: _assign(x, (slice(1, 2),), -2.0)),
    ("_scatter_set_nd", [np.ones((3, 3)), np.array([5., 6]), np.array([[0., 2], [1, 0]])], {"shape": (3, 3)},
     lambda l, r, i: _assign(l, ([0, 2], [1, 0]), r)),
    ("_grad_add", [X23, X23 * 2], {}, lambda a, b: a + b),
    ("_identity_with_attr_like_rhs", [X23, np.zeros((2, 3))], {}, lambda a, b: a),
    ("cast_storage", [X23], {"stype": "default"}, lambda a: a),
    ("_copyto", [X23], {}, lambda a: a),
    ("all_finite", [X23], {}, lambda a: np.ones(1)),
    ("multi_sum_sq", [X23, X234], {"num_arrays": 2}, lambda a, b: np.array([(a * a).sum(), (b * b).sum()])),
    ("_histogram", [np.array([0.5, 1, 1.5, 2, 2.5, 9, -1, 3])], {"bin_cnt": 4, "range": (0, 3)},
     lambda x: _hist(x, 4, (0, 3))),
    ("_histogram", [np.array([0.5, 1, 1.5, 2, 2.5, 9, -1, 3]), np.array([0., 1, 2, 10])], {},
     lambda x, b: _hist(x, b, None)),
    ("multi_lars", [np.array([0.1, 0.2, 0.3]), np.array([4., 0, 9]), np.array([1., 4, 0]),
                    np.array([0.01, 0.1, 0])], {"eta": 0.5, "eps": 1e-3, "rescale_grad": 2.0},
     lambda *a: np.array([0.04948045685887337, 0.2, 0.3])),   # MXNet 1.9.1
]


def _assign(x, key, v):
    y = x.copy()
    y[key] = v
    return y


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("op,xs,kw,ref", FORWARD, ids=[f[0] + str(i) for i, f in enumerate(FORWARD)])
def test_forward(op, xs, kw, ref, dtype):
    check_forward(op, [x.astype(dtype) for x in xs], kw, ref(*xs), rtol=1e-5, atol=1e-5)


def test_values_from_mxnet():
    # dtypes and values printed by MXNet 1.9.1
    x = X23.astype(np.float32)
    assert run_nd("cumsum", [x.astype(np.int8)])[0].dtype == np.int8
    assert run_nd("cumsum", [x], dtype="float64")[0].dtype == np.float64
    m, v = run_nd("moments", [x.astype(np.int32)], axes=(1,))
    assert m.dtype == np.int32 and m.tolist() == [1, 4] and v.tolist() == [0, 0]
    np.testing.assert_array_equal(run_nd("_unravel_index", [np.array([-1.], np.float32)], shape=(7, 6))[0],
                                  [[0], [-1]])   # C-style truncating division
    np.testing.assert_array_equal(run_nd("_ravel_multi_index", [np.array([[8.], [1]], np.float32)],
                                         shape=(7, 6))[0], [49])   # no bounds check
    c, e = run_nd("_histogram", [np.array([0.5, 1, 1.5, 2, 2.5, 9, -1], np.int32)], bin_cnt=3, range=(0, 3))
    assert c.dtype == np.int64 and e.dtype == np.int32
    f, h, d = (np.array([1, 2], t) for t in ("float32", "float16", "float64"))
    assert [o.dtype for o in run_nd("amp_multicast", [f, h, d], num_outputs=3)] == ["float32", "float32", "float64"]
    assert [o.dtype for o in run_nd("amp_multicast", [f, h, d], num_outputs=3, cast_narrow=True)] == \
        ["float16", "float16", "float64"]
    assert [o.dtype for o in run_nd("amp_multicast", [f, d], num_outputs=2, cast_narrow=True)] == ["float32", "float64"]
    assert run_nd("amp_cast", [f], dtype="float16")[0].dtype == np.float16
    assert run_nd("amp_cast", [f.astype(np.int32)], dtype="float16")[0].dtype == np.int32
    assert run_nd("all_finite", [np.array([1, np.inf], np.float32)])[0].tolist() == [0.0]
    assert run_nd("multi_all_finite", [f, np.array([np.nan], np.float32)], num_arrays=2)[0].tolist() == [0.0]
    outs = run_nd("_split_v2", [X234.astype(np.float32)], indices=(0, 0, 2), axis=2)
    assert [o.shape for o in outs] == [(2, 3, 0), (2, 3, 2), (2, 3, 2)]


@pytest.mark.parametrize("dist,sample,params,want", [
    # (is_log=False values, gradients of sum(pdf) w.r.t. sample and parameters): MXNet 1.9.1
    ("normal", [[0.5, 1.0], [2.0, 0.3]], ([0., 1], [1., 2]),
     [[[0.35207, 0.24197], [0.17603, 0.18762]], [[-0.17603, -0.24197], [-0.04401, 0.03283]],
      [0.418, 0.01117], [-0.26405, -0.14833]]),
    ("uniform", [[0.5, 1.0], [2.0, 0.3]], ([0., -1], [1., 2.5]),
     [[[1.0, 1.0], [0.28571, 0.28571]], [[0, 0], [0, 0]], [2.0, 0.16327], [-2.0, -0.16327]]),
    ("gamma", [[0.5, 1.0], [2.0, 0.3]], ([2., 1.5], [1., 2]),
     [[[0.30327, 0.36788], [0.08267, 0.95937]], [[0.30327, 0.0], [-0.14467, -0.31979]],
      [-0.49396, -0.41349], [0.82278, 0.32838]]),
    ("exponential", [[0.5, 1.0], [2.0, 0.3]], ([2., 1.5],),
     [[[0.73576, 0.27067], [0.07468, 0.95644]], [[-1.47152, -0.54134], [-0.11202, -1.43466]],
      [-0.13534, 0.25112]]),
    ("poisson", [[0, 1.], [2, 3]], ([2., 1.5],),
     [[[0.13534, 0.27067], [0.25102, 0.12551]], [[0, 0], [0, 0]], [-0.27067, 0.20918]]),
    ("negative_binomial", [[0, 1.], [2, 3]], ([2., 3], [0.4, 0.6]),
     [[[0.16, 0.192], [0.20736, 0.13824]], [[0, 0], [0, 0]], [-0.22653, 0.05271], [1.44, -0.3456]]),
    ("generalized_negative_binomial", [[0, 1.], [2, 3]], ([2., 3], [0.4, 0.6]),
     [[[0.23005, 0.25561], [0.1651, 0.12972]], [[0, 0], [0, 0]], [-0.19881, -0.01966], [0.15108, -0.15182]]),
    ("dirichlet", [[[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]]], ([[1., 2, 3]],),
     [[[4.5, 3.84]], [[[0.0, 15.0, 18.0], [0.0, 38.4, 9.6]]], [[2.9586, -3.5568, 2.55697]]]),
])
def test_pdf_values_from_mxnet(dist, sample, params, want):
    op = get_op("_random_pdf_" + dist)
    xs = [np.array(sample)] + [np.array(p) for p in params]
    env = OpEnv(np, False, mx.cpu())
    attrs = op.parse({})
    out = op.forward(env, attrs, xs, [])[0]
    grads = op.backward(env, attrs, xs, [out], [np.ones_like(out)], [True] * len(xs))
    for got, w in zip([out] + list(grads), want):
        np.testing.assert_allclose(got, w, atol=2e-5)
    got32 = run_nd("random_pdf_" + dist, [x.astype(np.float32) for x in xs], is_log=True)[0]
    np.testing.assert_allclose(got32, np.log(want[0]), rtol=1e-4, atol=1e-4)


# -- backward ----------------------------------------------------------------------------------
_SMP = np.array([[0.5, 1.2, 0.7], [2.0, 0.3, 1.1]])
GRAD = [
    ("cumsum", [_r(2, 3)], {"axis": 1}, None),
    ("cumsum", [_r(2, 3)], {}, None),
    ("moments", [_r(2, 3, 2)], {"axes": (0, 2)}, None),
    ("im2col", [_r(1, 2, 4, 5)], {"kernel": (2, 2), "stride": (1, 2), "pad": (1, 0), "dilate": (2, 1)}, None),
    ("col2im", [_r(1, 8, 8)], {"output_size": (4, 5), "kernel": (2, 2), "stride": (1, 2), "pad": (1, 0),
                               "dilate": (2, 1)}, None),
    ("_split_v2", [_r(2, 5)], {"indices": (0, 2, 3), "axis": 1}, None),
    ("fill_element_0index", [_r(2, 3), _r(2), np.array([2., 0])], {}, [0, 1]),
    ("_slice_assign", [_r(3, 4), _r(2, 2)], {"begin": (0, 1), "end": (3, 4), "step": (2, 2)}, None),
    ("_slice_assign_scalar", [_r(3, 4)], {"scalar": 3.0, "begin": (1,), "end": (3,)}, None),
    ("_scatter_set_nd", [_r(3, 3), _r(2), np.array([[0., 2], [1, 0]])], {"shape": (3, 3)}, [0, 1]),
    ("_square_sum", [_r(2, 3)], {"axis": (0,)}, None),
    ("_grad_add", [_r(2, 3), _r(2, 3)], {}, None),
    ("_identity_with_attr_like_rhs", [_r(2, 3), _r(2, 3)], {}, None),
    ("amp_cast", [_r(2, 3)], {"dtype": "float32"}, None),
    ("_random_pdf_normal", [_SMP, np.array([0.1, 0.5]), np.array([1.0, 2.0])], {}, None),
    ("_random_pdf_normal", [_SMP, np.array([0.1, 0.5]), np.array([1.0, 2.0])], {"is_log": True}, None),
    ("_random_pdf_uniform", [_SMP, np.array([0.1, 0.2]), np.array([1.5, 2.5])], {}, None),
    ("_random_pdf_gamma", [_SMP, np.array([2.0, 1.5]), np.array([1.0, 2.0])], {}, None),
    ("_random_pdf_exponential", [_SMP, np.array([2.0, 1.5])], {"is_log": True}, None),
    ("_random_pdf_poisson", [np.array([[0., 1, 4], [2, 3, 1]]), np.array([2.0, 1.5])], {}, [1]),
    ("_random_pdf_negative_binomial", [np.array([[0., 1, 4], [2, 3, 1]]), np.array([2.0, 3.5]),
                                       np.array([0.4, 0.6])], {}, [1, 2]),
    ("_random_pdf_generalized_negative_binomial", [np.array([[0., 1, 4], [2, 3, 1]]), np.array([2.0, 3.5]),
                                                   np.array([0.4, 0.6])], {"is_log": True}, [1, 2]),
    ("_random_pdf_dirichlet", [np.array([[[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]]]), np.array([[1.5, 2, 3]])], {},
     None),
]


@pytest.mark.parametrize("op,xs,kw,wrt", GRAD, ids=[g[0] + str(i) for i, g in enumerate(GRAD)])
def test_grad(op, xs, kw, wrt):
    check_grad(op, xs, kw, wrt=wrt)


def test_svm_output_gradient():
    # MXNet 1.9.1: the hinge-loss gradient, the head gradient ignored
    x = np.array([[1, 2, 3], [0.5, -1, 2]])
    lab = np.array([2., 0])
    op = get_op("SVMOutput")
    env = OpEnv(np, True, mx.cpu())
    for kw, want in [({"margin": 1.5, "regularization_coefficient": 0.5}, [[2.5, 3.5, 0], [-1, 0.5, 3.5]]),
                     ({"use_linear": True}, [[1, 1, 0], [-1, 0, 1]])]:
        a = op.parse(kw)
        y = op.forward(env, a, [x, lab], [])[0]
        np.testing.assert_array_equal(y, x)
        g = op.backward(env, a, [x, lab], [y], [np.full_like(y, 7.0)], [True, True])
        np.testing.assert_allclose(g[0], want)
        assert not g[1].any()
    s = mx.sym.SVMOutput(mx.sym.var("d"), name="svm")
    assert s.list_arguments() == ["d", "svm_label"]
    assert s.infer_shape(d=(2, 3, 2))[0] == [(2, 3, 2), (2, 3)]


# -- optimizer updates (values from MXNet 1.9.1) --------------------------------------------------
def _arrs(dtype="float32"):
    w = [mx.nd.array([1., 2, 3], dtype=dtype), mx.nd.array([[0.5, -1], [2, 0]], dtype=dtype)]
    g = [mx.nd.array([0.5, -1, 2], dtype=dtype), mx.nd.array([[1, 2], [-3, 0.1]], dtype=dtype)]
    m = [mx.nd.array([0.1] * 3), mx.nd.array([[0.2] * 2] * 2)]
    v = [x * 2 for x in m]
    return w, g, m, v


def _close(nds, want, atol=1e-5):
    for a, b in zip(nds, want):
        np.testing.assert_allclose(a.asnumpy().astype(np.float64), b, rtol=1e-5, atol=atol)


def test_multi_lamb_update():
    w, g, m, v = _arrs()
    out = [mx.nd.zeros((3,)), mx.nd.zeros((2, 2))]
    r = I._multi_lamb_update(w[0], g[0], m[0], v[0], w[1], g[1], m[1], v[1], learning_rates=(0.1, 0.2),
                             wds=(0.01, 0.0), step_count=(1, 3), num_tensors=2, rescale_grad=0.5,
                             clip_gradient=0.8, out=out)
    assert r[0] is out[0]
    _close(out, [[0.8124164, 1.9008521, 2.6918085], [[0.2402656, -1.2934698], [1.8871270, -0.2089815]]])
    _close(m, [[0.115, 0.04, 0.17], [[0.23, 0.26], [0.1, 0.185]]])
    _close(v, [[0.19986249, 0.20005, 0.20043999], [[0.39985, 0.40024], [0.40024, 0.3996025]]])
    w, g, m, v = _arrs()
    r = I._multi_lamb_update(w[0], g[0], m[0], v[0], w[1], g[1], m[1], v[1], learning_rates=(0.1, 0.2),
                             wds=(0.01, 0.0), step_count=(1, 3), num_tensors=2, bias_correction=False,
                             lower_bound=0.5, upper_bound=1.0)
    _close(r, [[0.9566982, 2.0003104, 2.909862], [[0.39263165, -1.1451716], [2.0455623, -0.07294726]]])


def test_multi_mp_sgd_mom_update():
    w, g, m, _ = _arrs()
    w32 = [x.copy() for x in w]
    wh = [x.astype("float16") for x in w]
    gh = [x.astype("float16") for x in g]
    r = mx.nd.multi_mp_sgd_mom_update(wh[0], gh[0], m[0], w32[0], wh[1], gh[1], m[1], w32[1], lrs=(0.1, 0.2),
                                      wds=(0.01, 0.02), momentum=0.9, rescale_grad=0.5, clip_gradient=0.6,
                                      num_weights=2, out=wh)
    assert r[0].dtype == np.float16 and r[1] is wh[1]
    _close(wh, [[1.064453125, 2.138671875, 3.02734375], [[0.578125, -0.93603515625], [2.29296875, 0.1700439453125]]])
    _close(m, [[0.064, 0.138, 0.027], [[0.078, 0.064], [0.292, 0.17000243]]])
    _close(w32, [[1.064, 2.138, 3.027], [[0.578, -0.936], [2.292, 0.17000243]]])


@pytest.mark.parametrize("name,extra", [("multi_sgd_update", {}), ("multi_sgd_mom_update", {"momentum": 0.9}),
                                        ("preloaded_multi_sgd_update", {}),
                                        ("preloaded_multi_sgd_mom_update", {"momentum": 0.9})])
def test_multi_sgd_matches_single(name, extra):
    w, g, m, _ = _arrs("float64")
    mom = "mom" in name
    lrs, wds = (0.1, 0.2), (0.01, 0.0)
    args = []
    for i in range(2):
        args += [w[i], g[i]] + ([m[i].astype("float64")] if mom else [])
    kw = dict(extra, num_weights=2)
    if name.startswith("preloaded"):
        args += [mx.nd.array(lrs, dtype="float64"), mx.nd.array(wds, dtype="float64")]
    else:
        kw.update(lrs=lrs, wds=wds)
    moms = [a for i, a in enumerate(args[:6]) if mom and i % 3 == 2]
    want_m = [x.copy() for x in moms]
    r = getattr(mx.nd, name)(*args, **kw)
    for i in range(2):
        single = (mx.nd.sgd_mom_update(w[i], g[i], want_m[i], lr=lrs[i], wd=wds[i], **extra) if mom
                  else mx.nd.sgd_update(w[i], g[i], lr=lrs[i], wd=wds[i]))
        np.testing.assert_allclose(r[i].asnumpy(), single.asnumpy(), rtol=1e-12)
        if mom:
            np.testing.assert_allclose(moms[i].asnumpy(), want_m[i].asnumpy(), rtol=1e-12)


def test_adamw_updates():
    w, g, m, v = _arrs()
    w2 = [x.copy() for x in w]
    r = I._multi_adamw_update(w2[0], g[0], m[0], v[0], w2[1], g[1], m[1], v[1], mx.nd.array([0.5]),
                              lrs=(0.1, 0.2), wds=(0.01, 0.0), etas=(0.5, 1.0), clip_gradient=0.8,
                              num_weights=2, out=w2)
    _close(w2, [[0.98213816, 1.9855285, 2.9660144], [[0.42725396, -1.0821946], [1.9683868, -0.05853122]]])
    _close(m, [[0.115, 0.04, 0.17], [[0.23, 0.26], [0.1, 0.185]]])
    w = mx.nd.array([1., 2, 3])
    m, v = mx.nd.array([0.1] * 3), mx.nd.array([0.2] * 3)
    r = I._adamw_update(w, mx.nd.array([0.5, -1, 2]), m, v, mx.nd.array([2.0]), lr=0.1, eta=0.5, wd=0.01,
                        clip_gradient=1.5)
    _close([r, m, v], [[0.9737997, 1.9966741, 2.9583037], [0.19, -0.06, 0.24], [0.2008, 0.20205, 0.20205]])
    # a non-finite rescale_grad skips the update (MXNet leaves weight and states untouched)
    r = I._adamw_update(w, mx.nd.array([0.5, -1, 2]), m, v, mx.nd.array([np.inf]), lr=0.1, eta=0.5)
    _close([r, m], [[1, 2, 3], [0.19, -0.06, 0.24]])
    wh, w32 = mx.nd.array([1., 2, 3], dtype="float16"), mx.nd.array([1., 2, 3])
    m, v = mx.nd.array([0.1] * 3), mx.nd.array([0.2] * 3)
    r = I._mp_adamw_update(wh, mx.nd.array([0.5, -1, 2], dtype="float16"), m, v, w32, mx.nd.array([0.5]),
                           lr=0.1, eta=0.7, wd=0.1, out=wh)
    assert r.dtype == np.float16
    _close([wh, w32, m], [[0.912109375, 1.853515625, 2.759765625], [0.91199344, 1.8537397, 2.7603195],
                          [0.115, 0.04, 0.19]])


def test_in_place_states_are_engine_writes():
    # the states are auxiliary inputs: a later read waits for the update, and they are listed as
    # auxiliary states symbolically (as MXNet lists mutated inputs)
    op = get_op("multi_sgd_mom_update")
    attrs = op.parse({"lrs": (0.1,), "wds": (0.0,), "num_weights": 1})
    assert op.input_names(attrs) == ["weight_0"] and op.aux_names(attrs) == ["grad_0", "mom_0"]
    a, b = mx.nd.ones((300, 300)), mx.nd.ones((2,))
    mx.nd.reset_arrays(a, b, num_arrays=2)
    assert a.asnumpy().sum() == 0 and b.asnumpy().sum() == 0
    assert get_op("_adamw_update").all_input_names() == ["weight", "grad", "mean", "var", "rescale_grad"]


# -- errors ------------------------------------------------------------------------------------
@pytest.mark.parametrize("op,xs,kw,match", [
    ("cumsum", [X23], {"axis": 2}, "axis 2 out of range"),
    ("moments", [X23], {}, "empty axes"),
    ("moments", [X23], {"axes": (3,)}, "out of range"),
    ("khatri_rao", [np.ones((2, 2)), np.ones((3, 3))], {}, "same number of columns"),
    ("im2col", [np.ones((1, 1, 2, 2))], {"kernel": (3, 3)}, "does not fit"),
    ("col2im", [np.ones((1, 5, 4))], {"output_size": (3, 3), "kernel": (2, 2)}, "multiple of the kernel"),
    ("_split_v2", [X234], {"indices": (0, 3, 1), "axis": 2}, "sorted"),
    ("_split_v2", [X234], {"indices": (0, 5), "axis": 2}, "exceeds"),
    ("_split_v2", [X234], {"indices": (0, 2), "axis": 2, "squeeze_axis": True}, "size 1"),
    ("_ravel_multi_index", [np.ones(3)], {"shape": (7, 6)}, "two-dimensional"),
    ("_ravel_multi_index", [np.ones((2, 1))], {}, "shape parameter is required"),
    ("_slice_assign", [X23, np.ones((3, 2))], {"begin": (0, 1), "end": (2, 3)}, "rhs has shape"),
    ("_histogram", [X23], {"bin_cnt": 4}, "both be given"),
    ("_random_pdf_normal", [np.ones((2, 2)), np.ones(1), np.ones(1)], {}, "prefix of the sample shape"),
    ("multi_sum_sq", [np.ones(2, np.float16), np.ones(2)], {"num_arrays": 2}, "same dtype"),
    ("amp_multicast", [np.ones(2), np.ones(2)], {"num_outputs": 3}, "expects 3 inputs"),
    ("multi_sgd_update", [np.ones(2), np.ones(2)], {"lrs": (0.1, 0.2), "wds": (0, 0), "num_weights": 2},
     "expects"),
    ("multi_sgd_update", [np.ones(2), np.ones(2)], {"lrs": (0.1, 0.2), "wds": (0,), "num_weights": 1},
     "give one per weight"),
    ("multi_sgd_mom_update", [np.ones(2), np.ones(3), np.ones(2)], {"lrs": (0.1,), "wds": (0,),
                                                                   "num_weights": 1}, "shape mismatch"),
])
def test_errors(op, xs, kw, match):
    with pytest.raises(mx.MXNetError, match=match):
        run_nd(op, [np.asarray(x, dtype=x.dtype if x.dtype != np.float64 else np.float32) for x in xs], **kw)


def test_cast_storage_in_a_graph_runs_dense():
    # MXNet's executor falls back to dense storage: the node is a copy for every stype
    x = mx.sym.Variable("x")
    ex = mx.sym.cast_storage(x, stype="csr").simple_bind(mx.cpu(), x=(2, 3))
    ex.arg_dict["x"][:] = X23
    np.testing.assert_array_equal(ex.forward()[0].asnumpy(), X23)
    assert mx.nd.cast_storage(mx.nd.array(X23), stype="csr").stype == "csr"


# -- symbolic path -----------------------------------------------------------------------------
@pytest.mark.parametrize("op,xs,kw", [
    ("cumsum", [_r(2, 3)], {"axis": 0}),
    ("moments", [_r(2, 3)], {"axes": (1,)}),
    ("im2col", [_r(1, 2, 4, 4)], {"kernel": (2, 2), "stride": (2, 2)}),
    ("_split_v2", [_r(2, 5)], {"indices": (0, 2), "axis": 1}),
    ("_slice_assign", [_r(3, 4), _r(2, 2)], {"begin": (0, 1), "end": (2, 3)}),
    ("_random_pdf_gamma", [np.abs(_r(2, 3)) + 0.5, np.array([2.0, 1.5]), np.array([1.0, 2.0])], {}),
])
def test_symbolic(op, xs, kw):
    o = get_op(op)
    attrs = o.parse(kw)
    names = o.input_names(attrs)
    s = getattr(mx.sym._internal if op.startswith("_") else mx.sym, op)(*[mx.sym.var(n) for n in names], **kw)
    if len(s.list_outputs()) > 1:
        s = mx.sym.Group([s[i] for i in range(len(s.list_outputs()))])
    xs32 = [x.astype(np.float32) for x in xs]
    ex = s.simple_bind(mx.cpu(), **{n: x.shape for n, x in zip(names, xs)})
    outs = ex.forward(is_train=True, **dict(zip(names, xs32)))
    want = run_nd(op, xs32, **kw)
    for got, w in zip(outs, want):
        np.testing.assert_allclose(got.asnumpy(), w, rtol=1e-5, atol=1e-5)
    heads = [_r(*w.shape, seed=5) for w in want]
    ex.backward([mx.nd.array(h) for h in heads])
    env = OpEnv(np, True, mx.cpu())
    xs64 = [x.astype(np.float64) for x in xs]
    ref = o.backward(env, attrs, xs64, list(o.forward(env, attrs, xs64, [])), heads, [True] * len(xs))
    for n, r in zip(names, ref):
        np.testing.assert_allclose(ex.grad_dict[n].asnumpy(), r, rtol=1e-4, atol=1e-4)


def test_dense_stand_ins_for_sparse_variants():
    a = np.array([[1, 2], [3, 4.]], np.float32)
    np.testing.assert_array_equal(run_nd("_scatter_elemwise_div", [a, np.array([[2, 2], [4, 1]], np.float32)])[0],
                                  [[0.5, 1], [0.75, 4]])
    np.testing.assert_array_equal(run_nd("_scatter_plus_scalar", [a], scalar=2.0)[0], a + 2)
    np.testing.assert_array_equal(run_nd("_scatter_minus_scalar", [a], scalar=2.0)[0], a - 2)
    np.testing.assert_array_equal(I._rnn_param_concat(mx.nd.array(a), mx.nd.array([[5], [6.]]), num_args=2).asnumpy(),
                                  [[1, 2, 5], [3, 4, 6]])
    np.testing.assert_array_equal(I._rnn_param_concat(mx.nd.ones((3,)), mx.nd.ones((2,)), num_args=2, dim=0).shape,
                                  (5,))
    emb = mx.nd.contrib.SparseEmbedding(mx.nd.array([0, 2]), mx.nd.array(np.arange(6.).reshape(3, 2)),
                                        input_dim=3, output_dim=2)
    np.testing.assert_array_equal(emb.asnumpy(), [[0, 1], [4, 5]])
    check_grad("_scatter_elemwise_div", [_r(2, 3), np.abs(_r(2, 3, seed=1)) + 1])


@pytest.mark.parametrize("extra", [{}, {"clip_gradient": 0.5, "rescale_grad": 0.7}, {"wd_on": True}])
def test_multi_sgd_mom_update_equals_single_updates_bitwise_float32(extra):
    # the multi-weight kernel (Gluon Trainer's SGD path) shares sgd_mom_update's arithmetic exactly
    extra = dict(extra)
    wd_on = extra.pop("wd_on", False)
    rng = np.random.RandomState(4)
    shapes = [(3, 4), (5,), (2, 2, 2)]
    ws = [rng.randn(*s).astype(np.float32) for s in shapes]
    gs = [rng.randn(*s).astype(np.float32) for s in shapes]
    ms = [rng.randn(*s).astype(np.float32) * 0.1 for s in shapes]
    lrs, wds = (0.1, 0.05, 0.2), ((0.01, 0.0, 0.02) if wd_on else (0.0, 0.0, 0.0))
    args, moms = [], []
    for w, g, m in zip(ws, gs, ms):
        mom = mx.nd.array(m)
        moms.append(mom)
        args += [mx.nd.array(w), mx.nd.array(g), mom]
    out = mx.nd.multi_sgd_mom_update(*args, lrs=lrs, wds=wds, momentum=0.9, num_weights=3, **extra)
    for i in range(3):
        m1 = mx.nd.array(ms[i])
        single = mx.nd.sgd_mom_update(mx.nd.array(ws[i]), mx.nd.array(gs[i]), m1, lr=lrs[i], wd=wds[i],
                                      momentum=0.9, **extra)
        np.testing.assert_array_equal(out[i].asnumpy(), single.asnumpy())
        np.testing.assert_array_equal(moms[i].asnumpy(), m1.asnumpy())
