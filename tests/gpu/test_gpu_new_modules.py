"""GPU checks of the modules added without a GPU in sight: legacy/contrib operators, image operators
and mx.image decoding, control flow, Custom operators, sparse arrays, mx.np with autograd and mx.rnn
cells. Each case runs the same inputs on mx.cpu() and mx.gpu(0) and compares outputs (and gradients),
and checks that results live on the GPU. Skipped where CuPy or a GPU is missing; run on a GPU
machine with tools/gpu_check.sh."""
import numpy as np
import pytest

from . import require_gpu

mx = require_gpu()
from mxnet.test_utils import check_consistency  # noqa: E402  (after the skip)
pytestmark = pytest.mark.gpu

CPU = mx.cpu(0)
GPU = mx.gpu(0)
TOL = dict(rtol=1e-4, atol=1e-5)


def _rs(seed=0):
    return np.random.RandomState(seed)


def _run(ctx, fn, arrays, grad_of=(), head_seed=1):
    """fn(*NDArrays on ctx) under autograd; returns (outputs, grads of the inputs in grad_of), all as
    NumPy. The loss is sum_i <out_i, w_i> with fixed random weights w_i (same on every context)."""
    xs = [mx.nd.array(a, ctx=ctx, dtype=a.dtype) for a in arrays]
    for i in grad_of:
        xs[i].attach_grad()
    with mx.autograd.record():
        out = fn(*xs)
        outs = list(out) if isinstance(out, (list, tuple)) else [out]
    for o in outs:
        assert o.context == ctx, "result on {}, expected {}".format(o.context, ctx)
    if grad_of:
        r = _rs(head_seed)
        heads = [mx.nd.array(r.uniform(-1, 1, o.shape), ctx=ctx, dtype=o.dtype) for o in outs
                 if np.dtype(o.dtype).kind == "f"]
        mx.autograd.backward([o for o in outs if np.dtype(o.dtype).kind == "f"], head_grads=heads)
    grads = []
    for i in grad_of:
        assert xs[i].grad.context == ctx
        grads.append(xs[i].grad.asnumpy())
    return [o.asnumpy() for o in outs], grads


def _same(fn, arrays, grad_of=(), rtol=TOL["rtol"], atol=TOL["atol"]):
    """fn gives the same outputs and gradients on the CPU and the GPU."""
    c_out, c_grad = _run(CPU, fn, arrays, grad_of)
    g_out, g_grad = _run(GPU, fn, arrays, grad_of)
    for i, (c, g) in enumerate(zip(c_out, g_out)):
        assert c.dtype == g.dtype and c.shape == g.shape, (i, c.dtype, g.dtype, c.shape, g.shape)
        np.testing.assert_allclose(g.astype(np.float64), c.astype(np.float64), rtol=rtol, atol=atol,
                                   err_msg="output %d" % i)
    for i, (c, g) in zip(grad_of, zip(c_grad, g_grad)):
        np.testing.assert_allclose(g, c, rtol=rtol, atol=atol, err_msg="gradient of input %d" % i)
    return c_out


def _ctx_list(dtype="float32", **shapes):
    return [dict(ctx=CPU, type_dict={k: dtype for k in shapes}, **shapes),
            dict(ctx=GPU, type_dict={k: dtype for k in shapes}, **shapes)]


# -- legacy and contrib operators (ops/legacy_ops.py) ------------------------------------------------
def test_legacy_v1_layers_consistent():
    d = mx.sym.var("data")
    for sym in (mx.sym.Convolution_v1(d, kernel=(3, 3), num_filter=4, pad=(1, 1), name="c"),
                mx.sym.Pooling_v1(d, kernel=(2, 2), stride=(2, 2), pool_type="avg"),
                mx.sym.Pooling_v1(d, kernel=(2, 2), stride=(2, 2), pool_type="max"),
                mx.sym.BatchNorm_v1(d, fix_gamma=False, name="bn"),
                mx.sym.IdentityAttachKLSparseReg(mx.sym.sigmoid(d), name="kl")):
        check_consistency(sym, _ctx_list(data=(2, 3, 6, 6)), rtol=1e-3, atol=1e-4)


def test_fft_ifft_on_gpu():
    x = _rs(1).randn(3, 8).astype(np.float32)
    _same(lambda a: mx.nd.contrib.fft(a), [x], grad_of=(0,))
    _same(lambda a: mx.nd.contrib.ifft(a), [x], grad_of=(0,))


@pytest.mark.parametrize("modulated", [False, True])
def test_deformable_convolution_consistent(modulated):
    r = _rs(2)
    x = r.randn(2, 4, 6, 6).astype(np.float32)
    off = r.uniform(-1.5, 1.5, (2, 2 * 9 * 2, 6, 6)).astype(np.float32)
    w = r.randn(6, 4, 3, 3).astype(np.float32)
    b = r.randn(6).astype(np.float32)
    kw = dict(kernel=(3, 3), pad=(1, 1), num_filter=6, num_deformable_group=2)
    if modulated:
        mask = r.uniform(0, 1, (2, 2 * 9, 6, 6)).astype(np.float32)
        _same(lambda *a: mx.nd.contrib.ModulatedDeformableConvolution(*a, **kw), [x, off, mask, w, b],
              grad_of=(0, 1, 2, 3, 4), rtol=1e-3, atol=1e-4)
    else:
        _same(lambda *a: mx.nd.contrib.DeformableConvolution(*a, **kw), [x, off, w, b],
              grad_of=(0, 1, 2, 3), rtol=1e-3, atol=1e-4)


def test_roi_pooling_family_consistent():
    r = _rs(3)
    data = r.randn(2, 8, 9, 9).astype(np.float32)
    rois = np.array([[0, 0.6, 1.2, 7.7, 8.1], [1, 2, 2, 6, 5], [1, -3, -2, 20, 5]], np.float32)
    _same(lambda d, q: mx.nd.contrib.PSROIPooling(d, q, spatial_scale=0.6, output_dim=2, pooled_size=3,
                                                  group_size=2), [data, rois], grad_of=(0,))
    trans = r.uniform(-0.3, 0.3, (3, 4, 2, 2)).astype(np.float32)
    _same(lambda d, q, t: mx.nd.contrib.DeformablePSROIPooling(
        d, q, t, spatial_scale=0.5, output_dim=2, group_size=2, pooled_size=2, sample_per_part=2,
        trans_std=0.1), [data, rois, trans], grad_of=(0, 2), rtol=1e-3, atol=1e-4)
    rrois = np.array([[0, 3.2, 2.9, 3.0, 2.5, 33.0], [1, 4.1, 3.3, 2.0, 3.0, -120.0]], np.float32)
    _same(lambda d, q: mx.nd.contrib.RROIAlign(d, q, pooled_size=(2, 2), spatial_scale=1.0),
          [data, rrois], grad_of=(0,))


def test_quantization_and_graph_helpers_on_gpu():
    r = _rs(4)
    q = r.randint(-128, 128, (3, 5)).astype(np.int8)
    lo, hi = np.array([-2.5], np.float32), np.array([3.0], np.float32)
    _same(lambda a, b, c: mx.nd.contrib.dequantize(a, b, c), [q, lo, hi])
    big = r.randint(-2 ** 30, 2 ** 30, (4, 6)).astype(np.int32)
    for kw in ({}, {"min_calib_range": -1.0, "max_calib_range": 1.5}, {"out_type": "uint8",
                                                                       "min_calib_range": 0.0,
                                                                       "max_calib_range": 1.5}):
        _same(lambda a, b, c: mx.nd.contrib.requantize(a, b, c, **kw), [big, lo, hi])
    _same(lambda a, b, c: mx.nd.contrib.requantize(a, b, c), [np.zeros((2, 2), np.int32), lo, hi])
    hist = r.randint(0, 50, 101).astype(np.float32)
    edges = np.linspace(-1, 1, 102).astype(np.float32)
    _same(lambda h, e: mx.nd.contrib.calibrate_entropy(h, e, num_quantized_bins=11), [hist, edges])
    adj = np.array([[0, 5, 0], [7, 0, 2], [0, 0, 0]], np.float32)
    u, v = np.array([0, 1, 1, 2, 3], np.float32), np.array([1, 0, 2, 2, 0], np.float32)
    _same(lambda a, b, c: mx.nd.contrib.edge_id(a, b, c), [adj, u, v])
    _same(lambda a: mx.nd.contrib.dgl_adjacency(a), [adj])
    _same(lambda a: mx.nd.contrib.getnnz(a, axis=1), [adj])


def test_hawkesll_consistent():
    r = _rs(5)
    n, k, t = 3, 2, 5
    ins = [r.uniform(0.5, 1.5, (n, k)), r.uniform(0.1, 0.5, k), r.uniform(0.5, 2.0, k),
           r.uniform(0, 1, (n, k)), r.uniform(0.1, 1.0, (n, t)), r.randint(0, k, (n, t)).astype(np.int32),
           np.array([5, 3, 1], np.float64), np.full(n, 10.0)]
    ins = [a.astype(np.float32) if a.dtype == np.float64 else a for a in ins]
    _same(lambda *a: mx.nd.contrib.hawkesll(*a), ins, grad_of=(0, 1, 2, 3), rtol=1e-3, atol=1e-4)


def test_linspace_and_zipfian_land_on_gpu():
    a = mx.nd.linspace(0, 1, 7, ctx=GPU)
    assert a.context == GPU
    np.testing.assert_allclose(a.asnumpy(), np.linspace(0, 1, 7), rtol=1e-6)
    mx.random.seed(3)
    with GPU:
        s, t = mx.nd._internal._sample_unique_zipfian(range_max=50, shape=(4, 10))
    assert s.context == GPU and t.context == GPU
    sv = s.asnumpy()
    assert sv.min() >= 0 and sv.max() < 50 and all(len(set(row)) == 10 for row in sv.tolist())
    assert (t.asnumpy() >= 10).all()


# -- image operators and mx.image (ops/image_ops.py, image/) ------------------------------------------
def test_image_tensor_ops_consistent():
    r = _rs(6)
    img = r.randint(0, 256, (2, 9, 11, 3)).astype(np.uint8)
    _same(lambda a: mx.nd.image.to_tensor(a), [img])
    t = r.uniform(0, 1, (2, 3, 9, 11)).astype(np.float32)
    _same(lambda a: mx.nd.image.normalize(a, mean=(0.1, 0.2, 0.3), std=(0.5, 0.6, 0.7)), [t], grad_of=(0,))
    _same(lambda a: mx.nd.image.flip_left_right(a), [img[0]])
    _same(lambda a: mx.nd.image.flip_top_bottom(a), [img[0].astype(np.float32)], grad_of=(0,))
    _same(lambda a: mx.nd.image.adjust_lighting(a, alpha=(0.1, -0.2, 0.05)), [img[0].astype(np.float32)])
    for interp in (0, 1, 2, 3, 4):
        _same(lambda a: mx.nd.image.resize(a, size=(7, 5), interp=interp), [img], atol=0)
        _same(lambda a: mx.nd.image.resize(a, size=(17, 13), interp=interp), [img[0]], atol=0)
        _same(lambda a: mx.nd.image.resize(a, size=(6, 4), interp=interp), [img[0].astype(np.float32)])
    _same(lambda a: mx.nd.image.resize(a, size=(5, 4)), [img[0, :8, :10]], atol=0)       # 2x2 box path


def test_image_random_ops_run_on_gpu():
    img = mx.nd.array(_rs(7).randint(0, 256, (8, 10, 3)), ctx=GPU, dtype=np.uint8)
    fimg = img.astype(np.float32)
    for fn in (lambda: mx.nd.image.random_brightness(img, 0.5, 1.5),
               lambda: mx.nd.image.random_contrast(img, 0.5, 1.5),
               lambda: mx.nd.image.random_saturation(img, 0.5, 1.5),
               lambda: mx.nd.image.random_hue(img, 0.0, 0.3),
               lambda: mx.nd.image.random_color_jitter(img, 0.3, 0.3, 0.3, 0.2),
               lambda: mx.nd.image.random_lighting(fimg, 0.1),
               lambda: mx.nd.image.random_flip_left_right(img)):
        mx.random.seed(11)
        a = fn()
        mx.random.seed(11)
        b = fn()
        assert a.context == GPU and a.shape == img.shape
        np.testing.assert_array_equal(a.asnumpy(), b.asnumpy())     # the GPU generator drew both


def test_cv_ops_and_decode_land_on_gpu():
    from mxnet.ops import image_codec
    r = _rs(8)
    img = r.randint(0, 256, (9, 7, 3)).astype(np.uint8)
    _same(lambda a: mx.nd._internal._cvimresize(a, w=5, h=12, interp=2), [img], atol=0)
    _same(lambda a: mx.nd._internal._cvcopyMakeBorder(a, top=1, bot=2, left=3, right=0, type=0,
                                                      values=(1.0, 2.0, 3.0)), [img])
    _same(lambda a: mx.nd._internal._cvcopyMakeBorder(a, top=2, bot=1, left=0, right=2, type=4), [img])
    png = image_codec.encode(img, ".png")
    with GPU:
        dec = mx.image.imdecode(png)
    assert dec.context == GPU
    np.testing.assert_array_equal(dec.asnumpy(), img)
    buf = mx.nd.array(np.frombuffer(png, np.uint8), ctx=GPU, dtype=np.uint8)
    dec2 = mx.image.imdecode(buf, flag=0)
    assert dec2.context == GPU
    np.testing.assert_array_equal(dec2.asnumpy(), mx.image.imdecode(png, flag=0).asnumpy())
    f = mx.nd.array(r.uniform(0, 1, (2, 3, 8, 8)), ctx=GPU)
    rot = mx.image.imrotate(f, 30.0, zoom_in=True)
    assert rot.context == GPU
    np.testing.assert_allclose(rot.asnumpy(), mx.image.imrotate(f.as_in_context(CPU), 30.0, zoom_in=True).asnumpy(),
                               **TOL)


# -- control flow (ops/control_flow.py) --------------------------------------------------------------
def _step(x, states):
    h = mx.nd.tanh(x * states[0] + states[1]) if isinstance(x, mx.nd.NDArray) else \
        mx.sym.tanh(x * states[0] + states[1])
    return h * 2, [h, states[1]]


def test_foreach_while_cond_imperative_consistent():
    r = _rs(9)
    data, s0, s1 = r.randn(5, 2, 3), r.randn(2, 3), r.randn(2, 3)

    def fe(d, a, b):
        outs, states = mx.nd.contrib.foreach(_step, d, [a, b])
        return [outs] + list(states)
    _same(fe, [a.astype(np.float32) for a in (data, s0, s1)], grad_of=(0, 1, 2))

    def wl(a):
        outs, vars_ = mx.nd.contrib.while_loop(lambda i, v: i < 3, lambda i, v: (v * 2, (i + 1, v * 1.5)),
                                              [mx.nd.zeros((1,), ctx=a.context), a], max_iterations=5)
        return [outs, vars_[1]]
    _same(wl, [s0.astype(np.float32)], grad_of=(0,))

    def cd(a, b):
        return mx.nd.contrib.cond((a.sum() > 0), lambda: a * b, lambda: a - b)
    _same(cd, [s0.astype(np.float32), s1.astype(np.float32)], grad_of=(0, 1))
    _same(cd, [-np.abs(s0).astype(np.float32), s1.astype(np.float32)], grad_of=(0, 1))


def test_foreach_symbol_consistent():
    data, a, b = mx.sym.var("data"), mx.sym.var("a"), mx.sym.var("b")
    outs, states = mx.sym.contrib.foreach(_step, data, [a, b])
    sym = mx.sym.Group([outs] + list(states))
    check_consistency(sym, _ctx_list(data=(4, 2, 3), a=(2, 3), b=(2, 3)), rtol=1e-3, atol=1e-4)


# -- Custom operators (ops/custom.py, operator.py) ----------------------------------------------------
class _Sqr(mx.operator.CustomOp):
    def forward(self, is_train, req, in_data, out_data, aux):
        self.assign(out_data[0], req[0], in_data[0] * in_data[0])

    def backward(self, req, out_grad, in_data, out_data, in_grad, aux):
        self.assign(in_grad[0], req[0], 2 * in_data[0] * out_grad[0])


@mx.operator.register("gpu_test_sqr")
class _SqrProp(mx.operator.CustomOpProp):
    def __init__(self):
        super().__init__(need_top_grad=True)

    def list_arguments(self):
        return ["data"]

    def list_outputs(self):
        return ["output"]

    def infer_shape(self, in_shape):
        return in_shape, [in_shape[0]], []

    def create_operator(self, ctx, shapes, dtypes):
        return _Sqr()


class _HostSoftmax(mx.operator.CustomOp):
    """MXNet's documented pattern: compute on the host, assign a CPU NDArray into a GPU output."""
    def forward(self, is_train, req, in_data, out_data, aux):
        x = in_data[0].asnumpy()
        y = np.exp(x - x.max(axis=1, keepdims=True))
        self.assign(out_data[0], req[0], mx.nd.array(y / y.sum(axis=1, keepdims=True)))

    def backward(self, req, out_grad, in_data, out_data, in_grad, aux):
        y, g = out_data[0].asnumpy(), out_grad[0].asnumpy()
        self.assign(in_grad[0], req[0], mx.nd.array(y * (g - (g * y).sum(axis=1, keepdims=True))))


@mx.operator.register("gpu_test_host_softmax")
class _HostSoftmaxProp(_SqrProp):
    def create_operator(self, ctx, shapes, dtypes):
        return _HostSoftmax()


def test_custom_op_on_gpu():
    x = _rs(10).randn(3, 4).astype(np.float32)
    out = _same(lambda a: mx.nd.Custom(a, op_type="gpu_test_sqr"), [x], grad_of=(0,))
    np.testing.assert_allclose(out[0], x * x, rtol=1e-6)
    _same(lambda a: mx.nd.Custom(a, op_type="gpu_test_host_softmax"), [x], grad_of=(0,))
    sym = mx.sym.Custom(mx.sym.var("data"), op_type="gpu_test_sqr") + 1
    check_consistency(sym, _ctx_list(data=(3, 4)))


# -- sparse arrays (ndarray/sparse.py, ops/sparse_ops.py) ---------------------------------------------
def test_sparse_on_gpu():
    r = _rs(11)
    dense = r.randn(6, 5).astype(np.float32)
    dense[r.rand(6, 5) < 0.6] = 0
    dense[2] = 0
    rhs = r.randn(5, 4).astype(np.float32)
    got = {}
    for ctx in (CPU, GPU):
        d = mx.nd.array(dense, ctx=ctx)
        csr = mx.nd.sparse.cast_storage(d, "csr")
        rsp = mx.nd.sparse.cast_storage(d, "row_sparse")
        assert csr.stype == "csr" and rsp.stype == "row_sparse" and csr.context == ctx and rsp.context == ctx
        prod = mx.nd.sparse.dot(csr, mx.nd.array(rhs, ctx=ctx))
        prod_t = mx.nd.sparse.dot(csr, mx.nd.array(r.randn(6, 3).astype(np.float32) * 0 + 1, ctx=ctx),
                                  transpose_a=True)
        kept = mx.nd.sparse.retain(rsp, mx.nd.array([0, 3, 4], ctx=ctx, dtype=np.int64))
        back = mx.nd.sparse.cast_storage(csr, "default")
        for a in (prod, prod_t, kept, back, csr.data, csr.indptr, rsp.indices):
            assert a.context == ctx
        got[ctx] = [prod.asnumpy(), prod_t.asnumpy(), kept.asnumpy(), back.asnumpy(), csr.indices.asnumpy(),
                    csr.indptr.asnumpy(), rsp.indices.asnumpy(), (csr * 2).asnumpy()]
    np.testing.assert_allclose(got[CPU][0], dense @ rhs, rtol=1e-5, atol=1e-5)
    for c, g in zip(got[CPU], got[GPU]):
        np.testing.assert_allclose(g, c, **TOL)
    sym = mx.sym.sparse.dot(mx.sym.var("lhs", stype="csr"), mx.sym.var("rhs"))
    check_consistency(sym, _ctx_list(lhs=(4, 5), rhs=(5, 3)))


# -- mx.np (numpy/) --------------------------------------------------------------------------------
def test_mx_np_arithmetic_reductions_autograd():
    r = _rs(12)
    xa, ya = r.uniform(0.5, 2.0, (3, 4)).astype(np.float32), r.randn(4).astype(np.float32)
    res = {}
    for ctx in (CPU, GPU):
        x, y = mx.np.array(xa, ctx=ctx), mx.np.array(ya, ctx=ctx)
        x.attach_grad()
        y.attach_grad()
        with mx.autograd.record():
            z = mx.np.sin(x) * y + x ** 2 / (y * y + 1) - mx.np.log(x)
            loss = z.sum() + mx.np.max(z, axis=1).mean() + (x @ y).sum() + mx.np.exp(-x).std()
        loss.backward()
        assert loss.context == ctx and x.grad.context == ctx
        med = mx.np.median(x, axis=0)           # a NumPy function run through the generic path
        uniq = mx.np.unique(mx.np.array([3, 1, 3, 2], ctx=ctx))
        assert med.context == ctx and uniq.context == ctx
        res[ctx] = [z.asnumpy(), loss.asnumpy(), x.grad.asnumpy(), y.grad.asnumpy(), med.asnumpy(),
                    uniq.asnumpy(), mx.np.cumsum(x, axis=1).asnumpy(), mx.np.argmax(x, axis=0).asnumpy()]
    for i, (c, g) in enumerate(zip(res[CPU], res[GPU])):
        np.testing.assert_allclose(g, c, rtol=1e-4, atol=1e-5, err_msg="item %d" % i)


def test_mx_np_random_on_gpu():
    mx.random.seed(5)
    a = mx.np.random.normal(0, 1, size=(200,), ctx=GPU)
    b = mx.np.random.uniform(-1, 1, size=(200,), ctx=GPU)
    c = mx.np.random.randint(0, 10, size=(50,), ctx=GPU)
    for v in (a, b, c):
        assert v.context == GPU
    assert -1 <= b.asnumpy().min() and b.asnumpy().max() < 1 and 0 <= c.asnumpy().min() <= c.asnumpy().max() < 10
    s = mx.np.arange(10, ctx=GPU)
    mx.np.random.shuffle(s)
    assert s.context == GPU and sorted(s.asnumpy().tolist()) == list(range(10))


# -- mx.rnn cells (rnn/) ----------------------------------------------------------------------------
@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_rnn_cell_unroll_bound_on_gpu(cell):
    make = {"lstm": lambda: mx.rnn.LSTMCell(8, prefix="c_"), "gru": lambda: mx.rnn.GRUCell(8, prefix="c_"),
            "rnn": lambda: mx.rnn.RNNCell(8, prefix="c_")}[cell]
    outputs, _ = make().unroll(4, inputs=mx.sym.var("data"), merge_outputs=True, layout="NTC")
    check_consistency(outputs, _ctx_list(data=(2, 4, 5)), rtol=1e-3, atol=1e-4)


def test_rnn_stacked_cells_module_on_gpu():
    stack = mx.rnn.SequentialRNNCell()
    stack.add(mx.rnn.LSTMCell(6, prefix="l0_"))
    stack.add(mx.rnn.DropoutCell(0.0))
    stack.add(mx.rnn.LSTMCell(6, prefix="l1_"))
    outputs, _ = stack.unroll(3, inputs=mx.sym.var("data"), merge_outputs=True)
    net = mx.sym.LinearRegressionOutput(mx.sym.FullyConnected(outputs, num_hidden=1), name="lro")
    x = _rs(13).randn(16, 3, 4).astype(np.float32)
    it = mx.io.NDArrayIter(x, np.zeros((16, 1), np.float32), batch_size=8, label_name="lro_label")
    mod = mx.mod.Module(net, label_names=["lro_label"], context=[GPU])
    mod.fit(it, num_epoch=1, optimizer="sgd")
    assert mod.get_outputs()[0].context == GPU
    assert np.isfinite(mod.get_outputs()[0].asnumpy()).all()


def test_seed_loop_lazy_data_gradient_on_gpu():
    """The seed's executor loop: the unread data gradient is computed on demand (engine.Lazy) on
    the GPU too; after a few steps it equals the CPU run's, and lending (W - G * lr) stays CPU-only."""
    def steps(ctx):
        data = mx.sym.Variable("data")
        fc = mx.sym.FullyConnected(data=data, num_hidden=16, name="fc")
        net = mx.sym.SoftmaxOutput(data=fc, label=mx.sym.Variable("softmax_label"), name="sm")
        ex = net.simple_bind(ctx, grad_req="write", data=(8, 12), softmax_label=(8,))
        rs = _rs(3)
        ex.arg_dict["fc_weight"][:] = rs.randn(16, 12) * 0.1
        for _ in range(4):
            ex.arg_dict["data"][:] = rs.rand(8, 12)
            ex.arg_dict["softmax_label"][:] = rs.randint(0, 16, 8)
            ex.forward(is_train=True)
            ex.backward()
            for name in ("fc_weight", "fc_bias"):
                W, G = ex.arg_dict[name], ex.grad_dict[name]
                W[:] = W - G * 0.1
        return ex.grad_dict["data"].asnumpy(), ex.arg_dict["fc_weight"].asnumpy()

    for c, g in zip(steps(CPU), steps(GPU)):
        np.testing.assert_allclose(g, c, **TOL)
