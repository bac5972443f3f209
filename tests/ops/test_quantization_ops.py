"""INT8 quantization operators: independent NumPy integer references, float results within the
quantization error, and oracle values (tests/fixtures/mxnet-1.9.1/quantization/quantization.npz)."""
import os

import numpy as np
import pytest

import mxnet as mx

nd = mx.nd
FIX = os.path.join(os.path.dirname(__file__), "..", "fixtures", "mxnet-1.9.1", "quantization", "quantization.npz")
RS = np.random.RandomState(7)


def R(v):
    return nd.array([v])


def I8(a, dt="int8"):
    return nd.array(a, dtype=dt)


def rhalf(x):
    return np.sign(x) * np.floor(np.abs(x) + 0.5)


def ints(shape, lo=-127, hi=128, dt="int8"):
    return RS.randint(lo, hi, shape).astype(dt)


def outs(r):
    return [o.asnumpy() for o in r]


# -- oracle fixtures ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def fx():
    return np.load(FIX, allow_pickle=False)


def _cmp(fx, case, got, rtol=0.0):
    for i, g in enumerate(got):
        want = fx["{}/out{}".format(case, i)]
        assert g.dtype == want.dtype, (case, i)
        np.testing.assert_allclose(g.astype(np.float64), want.astype(np.float64), rtol=rtol, atol=0)


def test_oracle_quantize_v2(fx):
    _cmp(fx, "v2", outs(nd.contrib.quantize_v2(nd.array(fx["v2/x"]))))
    _cmp(fx, "v2u", outs(nd.contrib.quantize_v2(nd.array(fx["v2u/x"]), out_type="auto", min_calib_range=0.0,
                                                 max_calib_range=1.5)))


def test_oracle_fc_conv(fx):
    _cmp(fx, "fc", outs(nd.contrib.quantized_fully_connected(
        I8(fx["fc/d"]), I8(fx["fc/w"]), I8(fx["fc/b"]), R(-1.), R(1.), R(-0.5), R(0.5), R(-2.), R(2.), num_hidden=3)))
    _cmp(fx, "conv", outs(nd.contrib.quantized_conv(
        I8(fx["conv/d"], "uint8"), I8(fx["conv/w"]), I8(fx["conv/b"]), R(0.), R(1.5), R(-0.25), R(0.5), R(-1.), R(3.),
        kernel=(3, 3), num_filter=3, pad=(1, 1))))


def test_oracle_pool_add_concat(fx):
    _cmp(fx, "pool", outs(nd.contrib.quantized_pooling(I8(fx["pool/d"]), R(-1.), R(2.), kernel=(2, 2), stride=(2, 2),
                                                        pool_type="avg")))
    # oneDNN sums in float32: last bits of the int32 output differ
    _cmp(fx, "add", outs(nd.contrib.quantized_elemwise_add(I8(fx["add/a"]), I8(fx["add/b"]), R(-1.), R(1.), R(-0.5),
                                                            R(0.75))), rtol=1e-6)
    _cmp(fx, "cat", outs(nd.contrib.quantized_concat(I8(fx["cat/a"]), I8(fx["cat/b"]), R(-1.), R(1.), R(-0.5), R(2.),
                                                      num_args=2, dim=1)))


# -- quantize family ---------------------------------------------------------------------------

@pytest.mark.parametrize("kw,dtype,scale,lo,hi", [
    ({}, np.int8, 127.5 / 2.0, -2.0, 2.0),
    ({"out_type": "uint8"}, np.uint8, 255.5 / 2.0, None, None),
    ({"min_calib_range": -0.5, "max_calib_range": 1.0}, np.int8, 127.5, -1.0, 1.0),
    ({"out_type": "auto", "min_calib_range": 0.0, "max_calib_range": 1.5}, np.uint8, 255.5 / 1.5, 0.0, 1.5),
    ({"out_type": "auto"}, np.int8, 127.5 / 2.0, -2.0, 2.0),
])
def test_quantize_v2(kw, dtype, scale, lo, hi):
    x = RS.uniform(-1, 2, (3, 4)).astype(np.float32)
    x[0, 0] = 2.0
    q, mn, mx_ = outs(nd.contrib.quantize_v2(nd.array(x), **kw))
    qmax = 255 if dtype == np.uint8 else 127
    ref = np.clip(rhalf(x.astype(np.float64) * scale), 0 if dtype == np.uint8 else -127, qmax)
    assert q.dtype == dtype and mn.dtype == np.float32 and mn.shape == (1,)
    np.testing.assert_array_equal(q, ref)
    if lo is None:
        lo, hi = x.min(), x.max()
    np.testing.assert_allclose([mn[0], mx_[0]], [lo, hi], rtol=1e-6)
    # dequantized values are within one level of the data inside the range
    back = nd.contrib.dequantize(nd.array(q, dtype=q.dtype), nd.array(mn), nd.array(mx_)).asnumpy()
    r = max(abs(mn[0]), abs(mx_[0]))
    inside = (np.abs(x) <= r) & ((x >= 0) | (dtype == np.int8))
    assert np.all(np.abs(back - x)[inside] <= r / qmax)


@pytest.mark.parametrize("out_type", ["int8", "uint8"])
def test_quantize_v1(out_type):
    x = RS.uniform(-1, 2, (2, 5)).astype(np.float32)
    q, mn, mx_ = outs(nd.contrib.quantize(nd.array(x), R(-1.), R(2.), out_type=out_type))
    if out_type == "int8":
        np.testing.assert_array_equal(q, np.clip(rhalf(x * 127 / 2.0), -127, 127))
        assert (mn[0], mx_[0]) == (-2.0, 2.0)
    else:   # oneDNN: scale 255 / max|range|, the range passes through
        np.testing.assert_array_equal(q, np.clip(rhalf(x * 255 / 2.0), 0, 255))
        assert (mn[0], mx_[0]) == (-1.0, 2.0)


def test_quantize_asym():
    x = RS.uniform(-1, 3, (4, 3)).astype(np.float32)
    q, scale, shift = outs(nd.contrib.quantize_asym(nd.array(x)))
    s = 255.0 / (x.max() - x.min())
    sh = 255.0 - x.max() * s
    np.testing.assert_allclose([scale[0], shift[0]], [s, sh], rtol=1e-5)
    np.testing.assert_array_equal(q, np.clip(np.floor(x.astype(np.float64) * s + sh + 0.5), 0, 255))
    assert q.dtype == np.uint8 and q.min() == 0 and q.max() == 255


def test_quantize_errors():
    with pytest.raises(mx.MXNetError):
        nd.contrib.quantize_v2(nd.array([1, 2], dtype="int32"))
    with pytest.raises(mx.MXNetError):
        nd.contrib.quantize(nd.ones((2,)), nd.zeros((2,)), R(1.))
    with pytest.raises(mx.MXNetError):
        nd.contrib.quantize_v2(nd.ones((2,)), out_type="int4")


# -- int32-accumulating ops --------------------------------------------------------------------

def _range(md, mw):
    r = 2147483647.0 * md * mw / (127.0 * 127.0)
    return np.float32(-r), np.float32(r)


@pytest.mark.parametrize("dt", ["int8", "uint8"])
@pytest.mark.parametrize("no_bias", [False, True])
def test_quantized_fully_connected(dt, no_bias):
    d = ints((3, 2, 4), 0 if dt == "uint8" else -127, 128 if dt == "int8" else 256, dt)
    w, b = ints((5, 8)), ints((5,))
    args = [I8(d, dt), I8(w)] + ([] if no_bias else [I8(b)]) + [R(-1.), R(1.5), R(-0.5), R(0.25)] + \
        ([] if no_bias else [R(-2.), R(2.)])
    q, mn, mx_ = outs(nd.contrib.quantized_fully_connected(*args, num_hidden=5, no_bias=no_bias))
    acc = d.reshape(3, -1).astype(np.int64) @ w.T.astype(np.int64)
    if not no_bias:
        qd = 255.0 if dt == "uint8" else 127.0
        acc = acc + rhalf(b * (qd / 1.5) * (127.5 / 0.5) / (127.0 / 2.0))
    assert q.dtype == np.int32
    np.testing.assert_array_equal(q, acc)
    np.testing.assert_allclose([mn[0], mx_[0]], _range(1.5, 0.5), rtol=1e-6)


def test_quantized_fc_close_to_float():
    x = RS.uniform(-1, 1, (4, 6)).astype(np.float32)
    w = RS.uniform(-0.5, 0.5, (3, 6)).astype(np.float32)
    qx = nd.contrib.quantize_v2(nd.array(x))
    qw = nd.contrib.quantize(nd.array(w), R(float(w.min())), R(float(w.max())), out_type="int8")
    q, mn, mx_ = nd.contrib.quantized_fully_connected(qx[0], qw[0], qx[1], qx[2], qw[1], qw[2], num_hidden=3,
                                                      no_bias=True)
    real = q.asnumpy() * (mx_.asnumpy()[0] / 2147483647.0)
    np.testing.assert_allclose(real, x @ w.T, atol=0.03)


@pytest.mark.parametrize("dt", ["int8", "uint8"])
def test_quantized_conv(dt):
    d = ints((2, 4, 5, 5), 0 if dt == "uint8" else -127, 256 if dt == "uint8" else 128, dt)
    w, b = ints((6, 2, 3, 3)), ints((6,))
    q, mn, mx_ = outs(nd.contrib.quantized_conv(I8(d, dt), I8(w), I8(b), R(-1.), R(1.), R(-0.5), R(0.5), R(-2.),
                                                R(2.), kernel=(3, 3), num_filter=6, num_group=2, stride=(2, 1),
                                                pad=(1, 0)))
    # direct integer convolution (no im2col): loop over the 9 kernel taps only
    dp = np.pad(d.astype(np.int64), ((0, 0), (0, 0), (1, 1), (0, 0)))
    oh, ow = (5 + 2 - 3) // 2 + 1, 5 - 3 + 1
    ref = np.zeros((2, 6, oh, ow), np.int64)
    for g in range(2):
        for i in range(3):
            for j in range(3):
                patch = dp[:, 2 * g:2 * g + 2, i:i + 2 * oh:2, j:j + ow]
                ref[:, 3 * g:3 * g + 3] += np.einsum("nchw,fc->nfhw", patch, w[3 * g:3 * g + 3, :, i, j].astype(np.int64))
    if dt == "uint8":   # oneDNN adds the int8 bias as it is
        ref += b.reshape(1, -1, 1, 1)
    else:
        ref += rhalf(b * 127.0 * (127.5 / 0.5) / (127.0 / 2.0)).astype(np.int64).reshape(1, -1, 1, 1)
    assert q.dtype == np.int32 and q.shape == (2, 6, oh, ow)
    np.testing.assert_array_equal(q, ref)
    np.testing.assert_allclose([mn[0], mx_[0]], _range(1.0, 0.5), rtol=1e-6)


def test_quantized_conv_errors():
    with pytest.raises(mx.MXNetError):   # float data
        nd.contrib.quantized_conv(nd.ones((1, 1, 3, 3)), I8(np.ones((1, 1, 3, 3))), R(-1.), R(1.), R(-1.), R(1.),
                                  kernel=(3, 3), num_filter=1, no_bias=True)
    with pytest.raises(mx.MXNetError):   # weight shape
        nd.contrib.quantized_conv(I8(np.ones((1, 1, 3, 3))), I8(np.ones((2, 1, 3, 3))), R(-1.), R(1.), R(-1.),
                                  R(1.), kernel=(3, 3), num_filter=1, no_bias=True)
    with pytest.raises(mx.MXNetError):
        nd.contrib.quantized_fully_connected(I8(np.ones((2, 3))), I8(np.ones((4, 3))), R(-1.), R(1.), R(-1.),
                                             R(1.), num_hidden=5, no_bias=True)


@pytest.mark.parametrize("calib", [False, True])
def test_quantized_elemwise_add(calib):
    a, b = ints((3, 4)), ints((3, 4))
    kw = {"min_calib_range": -1.0, "max_calib_range": 1.2} if calib else {}
    q, mn, mx_ = outs(nd.contrib.quantized_elemwise_add(I8(a), I8(b), R(-1.), R(1.), R(-0.5), R(0.5), **kw))
    real = a / 127.5 + b * 0.5 / 127.5
    if calib:
        np.testing.assert_array_equal(q, np.clip(rhalf(real * 127 / 1.2), -127, 127))
        assert (q.dtype, mn[0], mx_[0]) == (np.int8, np.float32(-1.0), np.float32(1.2))
    else:
        np.testing.assert_array_equal(q, rhalf(real * 2147483647.0 / 1.5))
        assert (q.dtype, mn[0], mx_[0]) == (np.int32, -1.5, 1.5)


@pytest.mark.parametrize("mode", ["int32", "calib", "float"])
def test_quantized_elemwise_mul(mode):
    a, b = ints((2, 5)), ints((2, 5))
    kw = {"int32": {}, "calib": {"min_calib_range": -0.3, "max_calib_range": 0.3},
          "float": {"enable_float_output": True}}[mode]
    q, mn, mx_ = outs(nd.contrib.quantized_elemwise_mul(I8(a), I8(b), R(-1.), R(1.), R(-0.5), R(0.5), **kw))
    prod = a.astype(np.int64) * b
    s = (1 / 127.0) * (0.5 / 127.0)
    if mode == "int32":
        np.testing.assert_array_equal(q, prod)
        np.testing.assert_allclose(mx_[0], 2147483647.0 * s, rtol=1e-6)
    elif mode == "calib":
        np.testing.assert_array_equal(q, np.clip(rhalf(prod * s * 127 / 0.3), -127, 127))
    else:
        np.testing.assert_allclose(q, prod * s, rtol=1e-6)
        assert q.dtype == np.float32


# -- range-preserving ops ----------------------------------------------------------------------

@pytest.mark.parametrize("pool_type,dt", [("max", "int8"), ("avg", "int8"), ("max", "uint8"), ("avg", "uint8")])
def test_quantized_pooling(pool_type, dt):
    d = ints((2, 3, 4, 6), 0 if dt == "uint8" else -127, 256 if dt == "uint8" else 128, dt)
    q, mn, mx_ = outs(nd.contrib.quantized_pooling(I8(d, dt), R(-1.), R(2.), kernel=(2, 2), stride=(2, 2),
                                                   pool_type=pool_type))
    win = d.astype(np.float64).reshape(2, 3, 2, 2, 3, 2)
    ref = win.max(axis=(3, 5)) if pool_type == "max" else np.rint(win.mean(axis=(3, 5)))
    assert q.dtype == np.dtype(dt)
    np.testing.assert_array_equal(q, ref)
    assert (mn[0], mx_[0]) == (-1.0, 2.0)
    with pytest.raises(mx.MXNetError):
        nd.contrib.quantized_pooling(I8(d, dt), R(-1.), R(2.), kernel=(2, 2), pool_type="lp", p_value=2)


def test_quantized_act_flatten_embedding():
    d = ints((2, 3, 2))
    q, mn, mx_ = outs(nd.contrib.quantized_act(I8(d), R(-1.), R(2.), act_type="relu"))
    np.testing.assert_array_equal(q, np.maximum(d, 0))
    assert q.dtype == np.int8 and (mn[0], mx_[0]) == (-1.0, 2.0)
    with pytest.raises(mx.MXNetError):
        nd.contrib.quantized_act(I8(d), R(-1.), R(2.), act_type="tanh")
    q, mn, mx_ = outs(nd.contrib.quantized_flatten(I8(d), R(-1.), R(2.)))
    np.testing.assert_array_equal(q, d.reshape(2, 6))
    w = ints((4, 3))
    q, mn, mx_ = outs(nd.contrib.quantized_embedding(nd.array([[0, 2], [3, 1]]), I8(w), R(-1.), R(1.), input_dim=4,
                                                     output_dim=3))
    np.testing.assert_array_equal(q, w[[[0, 2], [3, 1]]])
    with pytest.raises(mx.MXNetError):
        nd.contrib.quantized_embedding(nd.array([0]), I8(w), R(-1.), R(1.), input_dim=5, output_dim=3)


def test_quantized_concat():
    a, b, c = ints((2, 3)), ints((2, 1)), ints((2, 2))
    q, mn, mx_ = outs(nd.contrib.quantized_concat(I8(a), I8(b), I8(c), R(-1.), R(1.), R(-0.5), R(2.), R(-4.), R(3.),
                                                  num_args=3, dim=1))
    ref = np.concatenate([np.rint(a / 4.0), np.rint(b.astype(np.float64) * 2 / 4.0), c], axis=1)
    np.testing.assert_array_equal(q, ref)
    assert (mn[0], mx_[0]) == (-4.0, 3.0)
    with pytest.raises(mx.MXNetError):
        nd.contrib.quantized_concat(I8(a), I8(np.ones((3, 1))), R(-1.), R(1.), R(-0.5), R(2.), num_args=2, dim=1)


def test_quantized_batch_norm():
    d = ints((2, 2, 3, 3))
    g, be, mm, mv = [nd.array(v) for v in ([1., 2.], [0.1, -0.2], [0.05, 0.1], [0.5, 2.])]
    q, mn, mx_ = outs(nd.contrib.quantized_batch_norm(I8(d), g, be, mm, mv, R(-1.), R(1.), fix_gamma=False,
                                                      min_calib_range=-2., max_calib_range=2.))
    x = d / 127.0
    y = (x - np.array([0.05, 0.1]).reshape(1, 2, 1, 1)) / np.sqrt(np.array([0.5, 2.]) + 1e-3).reshape(1, 2, 1, 1) \
        * np.array([1., 2.]).reshape(1, 2, 1, 1) + np.array([0.1, -0.2]).reshape(1, 2, 1, 1)
    np.testing.assert_array_equal(q, np.clip(rhalf(y * 127 / 2.0), -127, 127))
    assert (mn[0], mx_[0]) == (-2.0, 2.0)


# -- symbolic --------------------------------------------------------------------------------

def test_symbolic_quantize_fc_chain():
    data = mx.sym.var("data")
    q = mx.sym.contrib.quantize_v2(data, min_calib_range=-1.0, max_calib_range=1.0, name="dq")
    w = mx.sym.var("w", dtype="int8")
    wmin, wmax = mx.sym.var("wmin"), mx.sym.var("wmax")
    fc = mx.sym.contrib.quantized_fully_connected(data=q[0], weight=w, min_data=q[1], max_data=q[2],
                                                  min_weight=wmin, max_weight=wmax, num_hidden=3, no_bias=True,
                                                  name="qfc")
    rq = mx.sym.contrib.requantize(fc[0], fc[1], fc[2], name="rq")
    out = mx.sym.contrib.dequantize(rq[0], rq[1], rq[2], name="deq")
    x = RS.uniform(-1, 1, (2, 4)).astype(np.float32)
    wf = RS.uniform(-0.5, 0.5, (3, 4)).astype(np.float32)
    qw = nd.contrib.quantize(nd.array(wf), R(float(wf.min())), R(float(wf.max())), out_type="int8")
    ex = out.bind(mx.cpu(), args={"data": nd.array(x), "w": qw[0], "wmin": qw[1], "wmax": qw[2]}, grad_req="null")
    y = ex.forward()[0].asnumpy()
    np.testing.assert_allclose(y, x @ wf.T, atol=0.05)
    _, out_shapes, _ = out.infer_shape(data=(2, 4))
    assert out_shapes == [(2, 3)]
