"""mx.nd.from_dlpack / to_dlpack_for_read / to_dlpack_for_write, mx.nd.CachedOp and the Python
functions of mx.nd.contrib / mx.sym.contrib (isfinite, isinf, isnan, the AdamW/LAMB wrappers)."""
import numpy as np
import pytest

import mxnet as mx


def test_dlpack_round_trip():
    x = mx.nd.array([[1, 2, 3], [4, 5, 6]])
    cap = mx.nd.to_dlpack_for_read(x)
    assert type(cap).__name__ == "PyCapsule"
    z = mx.nd.from_dlpack(cap)
    assert z.shape == (2, 3) and z.dtype == np.float32 and z.context == mx.cpu()
    np.testing.assert_array_equal(z.asnumpy(), x.asnumpy())
    with pytest.raises(AssertionError, match="consumed only once"):     # as MXNet
        mx.nd.from_dlpack(cap)
    w = mx.nd.from_dlpack(mx.nd.to_dlpack_for_write(mx.nd.arange(4, dtype="int32")))
    assert w.dtype == np.int32
    np.testing.assert_array_equal(w.asnumpy(), [0, 1, 2, 3])
    src = np.arange(6.0).reshape(2, 3)
    v = mx.nd.from_dlpack(src)                  # any __dlpack__ object; shares memory
    src[0, 0] = 42
    assert v.asnumpy()[0, 0] == 42 and v.dtype == np.float64
    sliced = mx.nd.array(np.arange(12).reshape(4, 3))[1:3]
    np.testing.assert_array_equal(mx.nd.from_dlpack(mx.nd.to_dlpack_for_read(sliced)).asnumpy(),
                                  [[3, 4, 5], [6, 7, 8]])
    with pytest.raises(TypeError):
        mx.nd.from_dlpack([1, 2])
    with pytest.raises(TypeError):
        mx.nd.to_dlpack_for_read(np.ones(2))


def test_cached_op_forward_outputs_aux_and_errors():
    x, y = mx.sym.var("x"), mx.sym.var("y")
    op = mx.nd.CachedOp(x * 2 + y)
    np.testing.assert_array_equal(op(mx.nd.ones(2), mx.nd.ones(2)).asnumpy(), [3, 3])
    outs = mx.nd.CachedOp(mx.sym.Group([x * 2, y + 1]))(mx.nd.ones(2), mx.nd.ones(2))
    assert isinstance(outs, list) and len(outs) == 2
    np.testing.assert_array_equal(outs[1].asnumpy(), [2, 2])
    out = mx.nd.zeros(2)
    assert op(mx.nd.ones(2), mx.nd.ones(2), out=out) is out
    np.testing.assert_array_equal(out.asnumpy(), [3, 3])
    bn = mx.sym.BatchNorm(x, name="bn")          # inputs in list_inputs() order, aux states included
    r = mx.nd.CachedOp(bn, flags=[("static_alloc", True)])(mx.nd.ones((2, 3)), mx.nd.ones(3), mx.nd.zeros(3),
                                                          mx.nd.zeros(3), mx.nd.ones(3))
    np.testing.assert_allclose(r.asnumpy(), np.full((2, 3), 0.9995004), rtol=1e-6)   # MXNet 1.9.1
    with pytest.raises(mx.MXNetError, match="1 vs. 2"):
        op(mx.nd.ones(2))
    with pytest.raises(TypeError, match="unexpected keyword argument"):
        op(mx.nd.ones(2), y=mx.nd.ones(2))


def test_cached_op_autograd():
    x, y = mx.sym.var("x"), mx.sym.var("y")
    op = mx.nd.CachedOp(x * 2 + y)
    a = mx.nd.array([1, 2])
    a.attach_grad()
    with mx.autograd.record():
        r = op(a * a, mx.nd.ones(2))
    r.backward()
    np.testing.assert_array_equal(a.grad.asnumpy(), [4, 8])


def test_contrib_isfinite_isinf_isnan():
    d = mx.nd.array([np.inf, -np.inf, np.nan, -1, 0])
    np.testing.assert_array_equal(mx.nd.contrib.isfinite(d).asnumpy(), np.isfinite(d.asnumpy()))
    np.testing.assert_array_equal(mx.nd.contrib.isinf(d).asnumpy(), np.isinf(d.asnumpy()))
    np.testing.assert_array_equal(mx.nd.contrib.isnan(d).asnumpy(), np.isnan(d.asnumpy()))
    h = mx.nd.array([np.inf, 1], dtype="float16")
    assert mx.nd.contrib.isinf(h).dtype == np.float16
    with pytest.raises(AttributeError):
        mx.nd.contrib.isinf([1.0])


def _adamw_ref(w, g, m, v, lr, eta, wd, rescale=1.0, b1=0.9, b2=0.999, eps=1e-8):
    g = g * rescale
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g * g
    return w - eta * (lr * m / (np.sqrt(v) + eps) + wd * w), m, v


def test_contrib_adamw_wrappers():
    w0, g = np.array([1., 2., 3.], np.float32), np.array([.1, .2, -.3], np.float32)
    w, m, v = mx.nd.array(w0), mx.nd.zeros(3), mx.nd.zeros(3)
    mx.nd.contrib.adamw_update(w, mx.nd.array(g), m, v, rescale_grad=1.0, lr=0.1, eta=1.0, wd=0.01, out=w)
    ew, em, ev = _adamw_ref(w0, g, 0, 0, 0.1, 1.0, 0.01)
    np.testing.assert_allclose(w.asnumpy(), ew, rtol=1e-5)
    np.testing.assert_allclose(w.asnumpy(), [0.67377114, 1.6637706, 3.2862296], rtol=1e-6)   # MXNet 1.9.1
    np.testing.assert_allclose(m.asnumpy(), em, rtol=1e-5)
    w16, w32 = mx.nd.array(w0, dtype="float16"), mx.nd.array(w0)
    mx.nd.contrib.mp_adamw_update(w16, mx.nd.array(g, dtype="float16"), mx.nd.zeros(3), mx.nd.zeros(3), w32,
                                  rescale_grad=mx.nd.array([2.0]), lr=0.1, eta=1.0, out=w16)
    np.testing.assert_allclose(w32.asnumpy(), [0.68377066, 1.6837704, 3.3162298], rtol=1e-6)  # MXNet 1.9.1
    ws = [mx.nd.array([1., 2.]), mx.nd.array([3.])]
    gs = [np.array([.5, -.5], np.float32), np.array([1.], np.float32)]
    mx.nd.contrib.multi_adamw_update(ws, [mx.nd.array(x) for x in gs], [mx.nd.zeros(2), mx.nd.zeros(1)],
                                     [mx.nd.zeros(2), mx.nd.zeros(1)], 1.0, lrs=[0.1, 0.2], wds=[0., 0.1],
                                     etas=[1., 1.], out=ws)
    np.testing.assert_allclose(ws[0].asnumpy(), _adamw_ref(np.array([1., 2.]), gs[0], 0, 0, 0.1, 1.0, 0.)[0],
                               rtol=1e-5)
    np.testing.assert_allclose(ws[1].asnumpy(), [2.0675404], rtol=1e-6)                       # MXNet 1.9.1
    w32s = [mx.nd.array([1., 2.]), mx.nd.array([3.])]
    mx.nd.contrib.multi_mp_adamw_update([x.astype("float16") for x in w32s], [mx.nd.array(x, dtype="float16")
                                        for x in gs], [mx.nd.zeros(2), mx.nd.zeros(1)],
                                        [mx.nd.zeros(2), mx.nd.zeros(1)], w32s, 2.0, lrs=[0.1, 0.2],
                                        wds=[0., 0.1], etas=[1., .5])
    np.testing.assert_allclose(w32s[1].asnumpy(), [2.53377], rtol=1e-5)                        # MXNet 1.9.1


def test_contrib_lamb_wrappers():
    gs = [mx.nd.array([.5, -.5]), mx.nd.array([1.])]
    ws = [mx.nd.array([1., 2.]), mx.nd.array([3.])]
    mx.nd.contrib.multi_lamb_update(ws, gs, [mx.nd.zeros(2), mx.nd.zeros(1)], [mx.nd.zeros(2), mx.nd.zeros(1)],
                                    step_count=[1, 1], lrs=[0.1, 0.2], wds=[0., 0.1], out=ws)
    np.testing.assert_allclose(ws[0].asnumpy(), [0.8418861, 2.158114], rtol=1e-6)            # MXNet 1.9.1
    np.testing.assert_allclose(ws[1].asnumpy(), [2.4], rtol=1e-6)
    w16 = [mx.nd.array([1., 2.], dtype="float16"), mx.nd.array([3.], dtype="float16")]
    w32 = [mx.nd.array([1., 2.]), mx.nd.array([3.])]
    mx.nd.contrib.multi_mp_lamb_update(w16, [g.astype("float16") for g in gs], [mx.nd.zeros(2), mx.nd.zeros(1)],
                                       [mx.nd.zeros(2), mx.nd.zeros(1)], w32, step_count=[1, 1], lrs=[0.1, 0.2],
                                       wds=[0., 0.1], out=w16)
    np.testing.assert_allclose(w16[0].asnumpy(), [0.842, 2.158], rtol=1e-3)
    with pytest.raises(mx.MXNetError):
        mx.nd.contrib.multi_lamb_update(ws, gs[:1], [mx.nd.zeros(2)], [mx.nd.zeros(2)], step_count=[1, 1],
                                        lrs=[0.1, 0.2], wds=[0., 0.1], num_tensors=2)


def test_sym_contrib_adamw():
    s = mx.sym.contrib.adamw_update(mx.sym.var("w"), mx.sym.var("g"), mx.sym.var("m"), mx.sym.var("v"),
                                    rescale_grad=1.0, lr=0.1, eta=1.0, wd=0.01, name="up")
    assert s.list_inputs() == ["w", "g", "m", "v"]
    ex = s.bind(mx.cpu(), {"w": mx.nd.array([1., 2., 3.]), "g": mx.nd.array([.1, .2, -.3])},
                aux_states={"m": mx.nd.zeros(3), "v": mx.nd.zeros(3)})
    np.testing.assert_allclose(ex.forward()[0].asnumpy(), [0.67377114, 1.6637706, 3.2862296], rtol=1e-6)
    s = mx.sym.contrib.mp_adamw_update(mx.sym.var("w"), mx.sym.var("g"), mx.sym.var("m"), mx.sym.var("v"),
                                       mx.sym.var("w32"), rescale_grad=mx.sym.var("r"), lr=0.1, eta=1.0)
    assert s.list_inputs() == ["w", "g", "m", "v", "w32", "r"]
