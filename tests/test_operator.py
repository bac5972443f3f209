"""mx.operator: Python custom operators (CustomOp / CustomOpProp / register) through mx.nd.Custom,
mx.sym.Custom + executor, autograd and hybridized Gluon; legacy NumpyOp / NDArrayOp; errors."""
import numpy as np
import pytest

import mxnet as mx
from mxnet import autograd, gluon


# -- the classic softmax custom op of MXNet's docs / example/numpy-ops/custom_softmax.py ---------
class Softmax(mx.operator.CustomOp):
    def forward(self, is_train, req, in_data, out_data, aux):
        x = in_data[0].asnumpy()
        y = np.exp(x - x.max(axis=1).reshape((x.shape[0], 1)))
        y /= y.sum(axis=1).reshape((x.shape[0], 1))
        self.assign(out_data[0], req[0], mx.nd.array(y))

    def backward(self, req, out_grad, in_data, out_data, in_grad, aux):
        label = in_data[1].asnumpy().ravel().astype(int)
        y = out_data[0].asnumpy()
        y[np.arange(label.shape[0]), label] -= 1.0
        self.assign(in_grad[0], req[0], mx.nd.array(y))


@mx.operator.register("test_softmax")
class SoftmaxProp(mx.operator.CustomOpProp):
    def __init__(self):
        super(SoftmaxProp, self).__init__(need_top_grad=False)

    def list_arguments(self):
        return ["data", "label"]

    def list_outputs(self):
        return ["output"]

    def infer_shape(self, in_shape):
        data_shape = in_shape[0]
        label_shape = (in_shape[0][0],)
        return [data_shape, label_shape], [data_shape], []

    def infer_type(self, in_type):
        return in_type, [in_type[0]], []

    def create_operator(self, ctx, shapes, dtypes):
        return Softmax()


def _softmax(x):
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _softmax_grad(x, label):
    g = _softmax(x)
    g[np.arange(len(label)), label.astype(int)] -= 1
    return g


@pytest.fixture
def data():
    rng = np.random.RandomState(0)
    return rng.randn(4, 5).astype(np.float32), np.array([0, 2, 4, 1], dtype=np.float32)


@pytest.mark.parametrize("engine", ["ThreadedEnginePerDevice", "NaiveEngine"], indirect=False)
def test_softmax_nd_and_autograd(data, engine):
    prev = type(mx.engine.get()).__name__
    mx.engine.set_engine_type(engine)
    try:
        x, label = data
        xn, ln = mx.nd.array(x), mx.nd.array(label)
        y = mx.nd.Custom(xn, ln, op_type="test_softmax")
        np.testing.assert_allclose(y.asnumpy(), _softmax(x), rtol=1e-5, atol=1e-6)
        # inputs by name, as the prop lists them
        y2 = mx.nd.Custom(data=xn, label=ln, op_type="test_softmax")
        np.testing.assert_allclose(y2.asnumpy(), _softmax(x), rtol=1e-5, atol=1e-6)
        xn.attach_grad()
        with autograd.record():
            y = mx.nd.Custom(xn, ln, op_type="test_softmax")
        y.backward()          # need_top_grad=False: no head gradient needed
        np.testing.assert_allclose(xn.grad.asnumpy(), _softmax_grad(x, label), rtol=1e-5, atol=1e-6)
    finally:
        mx.engine.set_engine_type("NaiveEngine" if prev == "NaiveEngine" else "ThreadedEnginePerDevice")


def test_softmax_symbol_names_and_executor(data):
    x, label = data
    d = mx.sym.Variable("data")
    s = mx.sym.Custom(data=d, op_type="test_softmax", name="softmax")
    assert s.list_arguments() == ["data", "softmax_label"]
    assert s.list_outputs() == ["softmax_output"]
    assert s.infer_shape(data=(4, 5)) == ([(4, 5), (4,)], [(4, 5)], [])
    assert s.infer_type(data=np.float64)[1] == [np.float64]
    auto = mx.sym.Custom(d, op_type="test_softmax")
    assert auto.list_arguments()[1].endswith("_label") and auto.name.startswith("custom")
    ex = s.simple_bind(mx.cpu(), data=x.shape)
    ex.arg_dict["data"][:] = x
    ex.arg_dict["softmax_label"][:] = label
    out = ex.forward(is_train=True)[0]
    np.testing.assert_allclose(out.asnumpy(), _softmax(x), rtol=1e-5, atol=1e-6)
    ex.backward()
    np.testing.assert_allclose(ex.grad_dict["data"].asnumpy(), _softmax_grad(x, label), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ex.grad_dict["softmax_label"].asnumpy(), 0)
    # JSON: Custom node with op_type kept as a parameter, loadable again
    s2 = mx.sym.load_json(s.tojson())
    assert s2.tojson() == s.tojson()
    ex2 = s2.bind(mx.cpu(), {"data": mx.nd.array(x), "softmax_label": mx.nd.array(label)})
    np.testing.assert_allclose(ex2.forward()[0].asnumpy(), _softmax(x), rtol=1e-5, atol=1e-6)


def test_softmax_in_a_network_grad_add(data):
    """FullyConnected -> Custom softmax; grad_req='add' accumulates over two backward passes."""
    x, label = data
    net = mx.sym.FullyConnected(mx.sym.var("data"), num_hidden=3, name="fc")
    net = mx.sym.Custom(net, mx.sym.var("label"), op_type="test_softmax", name="sm")
    ex = net.simple_bind(mx.cpu(), data=x.shape, label=label.shape, grad_req="add")
    w = np.random.RandomState(1).randn(3, 5).astype(np.float32)
    lab = np.array([0, 2, 1, 1], dtype=np.float32)
    ex.arg_dict["data"][:] = x
    ex.arg_dict["label"][:] = lab
    ex.arg_dict["fc_weight"][:] = w
    ex.arg_dict["fc_bias"][:] = 0
    for g in ex.grad_arrays:
        if g is not None:
            g[:] = 0
    for _ in range(2):
        ex.forward(is_train=True)
        ex.backward()
    gz = _softmax_grad(x @ w.T, lab)
    np.testing.assert_allclose(ex.grad_dict["fc_weight"].asnumpy(), 2 * gz.T @ x, rtol=1e-4, atol=1e-5)


def test_softmax_gluon_hybridized_matches_imperative(data):
    x, label = data

    class Net(gluon.HybridBlock):
        def __init__(self, **kw):
            super().__init__(**kw)
            with self.name_scope():
                self.fc = gluon.nn.Dense(3, in_units=5)

        def hybrid_forward(self, F, x, label):
            return F.Custom(self.fc(x), label, op_type="test_softmax")

    results = []
    for hybrid in (False, True):
        net = Net()
        net.initialize(mx.init.Constant(0.1))
        net.fc.weight.set_data(mx.nd.array(np.arange(15, dtype=np.float32).reshape(3, 5) / 10))
        if hybrid:
            net.hybridize()
        xn, ln = mx.nd.array(x), mx.nd.array(label[:4] % 3)
        xn.attach_grad()
        with autograd.record():
            y = net(xn, ln)
        y.backward()
        results.append((y.asnumpy(), xn.grad.asnumpy(), net.fc.weight.grad().asnumpy()))
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    z = x @ (np.arange(15, dtype=np.float32).reshape(3, 5) / 10).T + 0.1
    np.testing.assert_allclose(results[1][0], _softmax(z), rtol=1e-5, atol=1e-6)


# -- an op written with mx.nd calls (kernel pushes engine ops), need_top_grad=True, kwargs ------
class Scale(mx.operator.CustomOp):
    def __init__(self, scale):
        super().__init__()
        self.scale = scale

    def forward(self, is_train, req, in_data, out_data, aux):
        self.saved = in_data[0].copy()               # state kept until backward
        self.assign(out_data[0], req[0], mx.nd.exp(in_data[0]) * self.scale)

    def backward(self, req, out_grad, in_data, out_data, in_grad, aux):
        assert np.allclose(self.saved.asnumpy(), in_data[0].asnumpy())
        self.assign(in_grad[0], req[0], out_grad[0] * out_data[0])


@mx.operator.register("test_scale_exp")
class ScaleProp(mx.operator.CustomOpProp):
    def __init__(self, scale="1.0"):
        super().__init__(need_top_grad=True)
        assert isinstance(scale, str)               # MXNet passes kwargs as strings
        self.scale = float(scale)

    def create_operator(self, ctx, shapes, dtypes):
        assert isinstance(ctx, mx.Context) and len(shapes) == 1 and isinstance(shapes[0], list)
        return Scale(self.scale)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_nd_ops_inside_kernel_and_head_grads(dtype):
    x = np.random.RandomState(2).rand(2, 3).astype(dtype)
    head = np.random.RandomState(3).rand(2, 3).astype(dtype)
    xn = mx.nd.array(x, dtype=dtype)
    xn.attach_grad()
    with autograd.record():
        y = mx.nd.Custom(xn, op_type="test_scale_exp", scale=2.5)
        z = y * 2
    z.backward(mx.nd.array(head, dtype=dtype))
    assert y.dtype == np.dtype(dtype)
    np.testing.assert_allclose(y.asnumpy(), 2.5 * np.exp(x), rtol=1e-5)
    np.testing.assert_allclose(xn.grad.asnumpy(), 2 * head * 2.5 * np.exp(x), rtol=1e-5)
    # several recorded calls before one backward: each backward gets its own forward's op
    a, b = mx.nd.array(x, dtype=dtype), mx.nd.array(x + 1, dtype=dtype)
    a.attach_grad()
    b.attach_grad()
    with autograd.record():
        out = mx.nd.Custom(a, op_type="test_scale_exp") + mx.nd.Custom(b, op_type="test_scale_exp")
    out.backward()
    np.testing.assert_allclose(b.grad.asnumpy(), np.exp(x + 1), rtol=1e-5)
    # executor with explicit head gradient
    s = mx.sym.Custom(mx.sym.var("x"), op_type="test_scale_exp", scale=3)
    ex = s.simple_bind(mx.cpu(), x=(2, 3), type_dict={"x": dtype})
    ex.arg_dict["x"][:] = x
    ex.forward(is_train=True)
    ex.backward(mx.nd.array(head, dtype=dtype))
    np.testing.assert_allclose(ex.grad_dict["x"].asnumpy(), head * 3 * np.exp(x), rtol=1e-5)


def test_executor_head_gradient_follows_need_top_grad():
    # MXNet 1.9.1: need_top_grad=True asks for the head gradient, False makes a loss layer
    s = mx.sym.Custom(mx.sym.var("x"), op_type="test_scale_exp")
    ex = s.simple_bind(mx.cpu(), x=(2, 3))
    ex.forward(is_train=True, x=np.ones((2, 3)))
    with pytest.raises(mx.MXNetError, match="head_gradient is required"):
        ex.backward()
    s = mx.sym.Custom(mx.sym.var("data"), mx.sym.var("label"), op_type="test_softmax")
    ex = s.simple_bind(mx.cpu(), data=(2, 3), label=(2,))
    ex.forward(is_train=True, data=np.zeros((2, 3)), label=np.array([0, 2]))
    ex.backward()
    np.testing.assert_allclose(ex.grad_dict["data"].asnumpy(), [[-2 / 3, 1 / 3, 1 / 3], [1 / 3, 1 / 3, -2 / 3]],
                               rtol=1e-5)


class Outer(mx.operator.CustomOp):
    """Calls another custom op (and mx.nd ops) from inside its kernel."""

    def forward(self, is_train, req, in_data, out_data, aux):
        y = mx.nd.Custom(in_data[0], op_type="test_scale_exp", scale=2.0)
        self.assign(out_data[0], req[0], y + 1)

    def backward(self, req, out_grad, in_data, out_data, in_grad, aux):
        self.assign(in_grad[0], req[0], out_grad[0] * (out_data[0] - 1))


@mx.operator.register("test_outer")
class OuterProp(mx.operator.CustomOpProp):
    def create_operator(self, ctx, shapes, dtypes):
        return Outer()


@pytest.mark.parametrize("caller_runs", [True, False])
def test_kernels_on_engine_workers_and_nested_custom(caller_runs):
    """Kernels running on an engine worker (or the caller) push mx.nd ops, even another Custom,
    without deadlock; many pushes in flight without a sync in between."""
    prev = type(mx.engine.get()).__name__
    mx.engine.set_engine_type("ThreadedEnginePerDevice")
    mx.engine.get().caller_runs = caller_runs
    try:
        x = np.array([[0.0, 1.0]], dtype=np.float32)
        a = mx.nd.array(x)
        a.attach_grad()
        with autograd.record():
            b = mx.nd.Custom(a, op_type="test_outer")
        b.backward()
        np.testing.assert_allclose(b.asnumpy(), 2 * np.exp(x) + 1, rtol=1e-6)
        np.testing.assert_allclose(a.grad.asnumpy(), 2 * np.exp(x), rtol=1e-6)
        y = mx.nd.ones((30, 30))
        for _ in range(50):
            y = mx.nd.Custom(mx.nd.dot(y, y) * 0, op_type="test_outer")
        np.testing.assert_allclose(y.asnumpy(), 3)
        ex = mx.sym.Custom(mx.sym.var("x"), op_type="test_outer").simple_bind(mx.cpu(), x=(1, 2))
        ex.arg_dict["x"][:] = x
        np.testing.assert_allclose(ex.forward()[0].asnumpy(), 2 * np.exp(x) + 1, rtol=1e-6)
    finally:
        mx.engine.set_engine_type("NaiveEngine" if prev == "NaiveEngine" else "ThreadedEnginePerDevice")


# -- auxiliary states, several outputs --------------------------------------------------------
class Counter(mx.operator.CustomOp):
    def forward(self, is_train, req, in_data, out_data, aux):
        if is_train:
            aux[0][:] += 1                  # updated in place, like BatchNorm's moving stats
        self.assign(out_data[0], req[0], in_data[0] * 2)
        self.assign(out_data[1], req[1], in_data[0] + aux[0])

    def backward(self, req, out_grad, in_data, out_data, in_grad, aux):
        self.assign(in_grad[0], req[0], out_grad[0] * 2 + out_grad[1])


@mx.operator.register("test_counter")
class CounterProp(mx.operator.CustomOpProp):
    def list_outputs(self):
        return ["double", "shifted"]

    def list_auxiliary_states(self):
        return ["count"]

    def infer_shape(self, in_shape):
        return in_shape, [in_shape[0], in_shape[0]], [in_shape[0]]

    def create_operator(self, ctx, shapes, dtypes):
        return Counter()


def test_aux_states_and_multiple_outputs():
    s = mx.sym.Custom(mx.sym.var("x"), op_type="test_counter", name="cnt")
    assert s.list_arguments() == ["x"]
    assert s.list_outputs() == ["cnt_double", "cnt_shifted"]
    assert s.list_auxiliary_states() == ["cnt_count"]
    assert s.infer_shape(x=(2, 2)) == ([(2, 2)], [(2, 2), (2, 2)], [(2, 2)])
    ex = s.simple_bind(mx.cpu(), x=(2, 2))
    ex.arg_dict["x"][:] = 1
    ex.aux_dict["cnt_count"][:] = 0
    for i in range(1, 3):
        outs = ex.forward(is_train=True)
        np.testing.assert_allclose(ex.aux_dict["cnt_count"].asnumpy(), i)
        np.testing.assert_allclose(outs[1].asnumpy(), 1 + i)
    ex.forward(is_train=False)
    np.testing.assert_allclose(ex.aux_dict["cnt_count"].asnumpy(), 2)
    ex.forward(is_train=True)
    ex.backward([mx.nd.ones((2, 2)), mx.nd.ones((2, 2)) * 3])
    np.testing.assert_allclose(ex.grad_dict["x"].asnumpy(), 5)
    # imperative: aux states follow the inputs
    x, count = mx.nd.ones((2, 2)), mx.nd.zeros((2, 2))
    x.attach_grad()
    with autograd.record():
        d, sh = mx.nd.Custom(x, count, op_type="test_counter")
        total = d + sh
    total.backward()
    np.testing.assert_allclose(count.asnumpy(), 1)
    np.testing.assert_allclose(sh.asnumpy(), 2)
    np.testing.assert_allclose(x.grad.asnumpy(), 3)


def test_assign_req_modes():
    op = mx.operator.CustomOp()
    dst = mx.nd.ones((3,))
    op.assign(dst, "add", mx.nd.array([1, 2, 3]))
    np.testing.assert_allclose(dst.asnumpy(), [2, 3, 4])
    op.assign(dst, "write", mx.nd.array([5, 5, 5]))
    np.testing.assert_allclose(dst.asnumpy(), 5)
    op.assign(dst, "inplace", mx.nd.array([6, 6, 6]))
    np.testing.assert_allclose(dst.asnumpy(), 6)
    op.assign(dst, "null", mx.nd.array([7, 7, 7]))
    np.testing.assert_allclose(dst.asnumpy(), 6)
    with pytest.raises(mx.MXNetError, match="unknown req"):
        op.assign(dst, "sometimes", dst)


def test_backward_req_null_for_inputs_without_gradient():
    seen = []

    class Rec(mx.operator.CustomOp):
        def forward(self, is_train, req, in_data, out_data, aux):
            self.assign(out_data[0], req[0], in_data[0] * in_data[1])

        def backward(self, req, out_grad, in_data, out_data, in_grad, aux):
            seen.append(list(req))
            self.assign(in_grad[0], req[0], out_grad[0] * in_data[1])
            self.assign(in_grad[1], req[1], out_grad[0] * in_data[0])

    @mx.operator.register("test_mul_req")
    class RecProp(mx.operator.CustomOpProp):
        def list_arguments(self):
            return ["a", "b"]

        def create_operator(self, ctx, shapes, dtypes):
            return Rec()

    a, b = mx.nd.array([1.0, 2.0]), mx.nd.array([3.0, 4.0])
    a.attach_grad()
    with autograd.record():
        y = mx.nd.Custom(a, b, op_type="test_mul_req")
    y.backward()
    np.testing.assert_allclose(a.grad.asnumpy(), [3, 4])
    assert seen[-1] == ["write", "null"]
    assert mx.operator.get_all_registered_operators().count("Custom") == 1


# -- legacy NumpyOp / NDArrayOp -------------------------------------------------------------------
class NumpySoftmax(mx.operator.NumpyOp):
    def __init__(self):
        super().__init__(False)

    def list_arguments(self):
        return ["data", "label"]

    def infer_shape(self, in_shape):
        return [in_shape[0], (in_shape[0][0],)], [in_shape[0]]

    def forward(self, in_data, out_data):
        out_data[0][:] = _softmax(in_data[0])

    def backward(self, out_grad, in_data, out_data, in_grad):
        in_grad[0][:] = _softmax_grad(in_data[0], in_data[1])


class NDDouble(mx.operator.NDArrayOp):
    def forward(self, in_data, out_data):
        out_data[0][:] = in_data[0] * 2

    def backward(self, out_grad, in_data, out_data, in_grad):
        in_grad[0][:] = out_grad[0] * 2


def test_legacy_numpy_and_ndarray_ops(data):
    x, label = data
    op = NumpySoftmax()
    s = op(data=mx.sym.var("data"), name="np_sm")
    assert s.list_arguments() == ["data", "np_sm_label"]
    ex = s.simple_bind(mx.cpu(), data=x.shape)
    ex.arg_dict["data"][:] = x
    ex.arg_dict["np_sm_label"][:] = label
    np.testing.assert_allclose(ex.forward(is_train=True)[0].asnumpy(), _softmax(x), rtol=1e-5, atol=1e-6)
    ex.backward()
    np.testing.assert_allclose(ex.grad_dict["data"].asnumpy(), _softmax_grad(x, label), rtol=1e-5, atol=1e-6)
    d = NDDouble()(mx.sym.var("x"))
    ex = d.simple_bind(mx.cpu(), x=(3,))
    ex.arg_dict["x"][:] = 1.5
    np.testing.assert_allclose(ex.forward(is_train=True)[0].asnumpy(), 3)
    ex.backward(mx.nd.ones((3,)))
    np.testing.assert_allclose(ex.grad_dict["x"].asnumpy(), 2)


# -- errors -----------------------------------------------------------------------------------------
@mx.operator.register("test_bad_shape")
class BadShapeProp(mx.operator.CustomOpProp):
    def infer_shape(self, in_shape):
        return in_shape, [], []


class Boom(mx.operator.CustomOp):
    def forward(self, is_train, req, in_data, out_data, aux):
        raise ValueError("boom in forward")


@mx.operator.register("test_boom")
class BoomProp(mx.operator.CustomOpProp):
    def create_operator(self, ctx, shapes, dtypes):
        return Boom()


def test_errors():
    x = mx.nd.ones((2, 3))
    with pytest.raises(mx.MXNetError, match=r"'no_such_op'.*test_softmax"):
        mx.nd.Custom(x, op_type="no_such_op")
    with pytest.raises(mx.MXNetError, match="no_such_op"):
        mx.sym.Custom(mx.sym.var("x"), op_type="no_such_op")
    with pytest.raises(mx.MXNetError, match="op_type"):
        mx.nd.Custom(x)
    with pytest.raises(mx.MXNetError, match=r"test_bad_shape.*1 output shapes|test_bad_shape.*expected 1"):
        mx.nd.Custom(x, op_type="test_bad_shape")
    with pytest.raises(mx.MXNetError, match="test_bad_shape"):
        mx.sym.Custom(mx.sym.var("x"), op_type="test_bad_shape").infer_shape(x=(2,))
    with pytest.raises(mx.MXNetError, match=r"test_softmax.*label"):
        mx.nd.Custom(x, op_type="test_softmax")          # missing input
    with pytest.raises(mx.MXNetError, match="unknown input 'weight'"):
        mx.nd.Custom(x, weight=x, op_type="test_scale_exp")
    with pytest.raises(mx.MXNetError, match="cannot create"):
        mx.nd.Custom(x, op_type="test_scale_exp", nonsense=1)
    with pytest.raises(mx.MXNetError, match="boom in forward"):
        mx.nd.Custom(x, op_type="test_boom").asnumpy()
    with pytest.raises(mx.MXNetError, match="not a CustomOpProp"):
        mx.operator.register("test_not_a_prop")(object)


def test_get_operator_arguments():
    args = mx.operator.get_operator_arguments("Custom")
    assert args.narg == 2 and args.names == ["data", "op_type"]
    assert args.types[0] == "NDArray-or-Symbol[]"
    fc = mx.operator.get_operator_arguments("FullyConnected")
    assert fc.names[:3] == ["data", "weight", "bias"] and "num_hidden" in fc.names
    assert fc.types[fc.names.index("no_bias")] == "boolean, optional, default=0"
    assert "Custom" in mx.operator.get_all_registered_operators()


def test_graphs_with_user_code_keep_the_engines_registered_path(data):
    # A graph of registry kernels runs at once under the engine lock; one holding a Custom
    # operator (user code that pushes and waits) is registered and run outside it.
    from mxnet.executor.graph import engine_inline
    from mxnet.autograd import _sweep_inline
    x, label = data
    plain = mx.sym.softmax(mx.sym.Variable("data"))
    custom = mx.sym.Custom(mx.sym.Variable("data"), mx.sym.Variable("label"), op_type="test_softmax")
    ex_plain = plain.simple_bind(mx.cpu(), data=x.shape)
    ex_custom = custom.simple_bind(mx.cpu(), data=x.shape, label=label.shape)
    assert engine_inline(mx.cpu(), ex_plain._plan) is True
    assert engine_inline(mx.cpu(), ex_custom._plan) == "idle"
    assert engine_inline(mx.gpu(0), ex_plain._plan) is False
    ex_custom.forward(is_train=True, data=x, label=label)
    ex_custom.backward()
    np.testing.assert_allclose(ex_custom.outputs[0].asnumpy(), _softmax(x), rtol=1e-5)
    # the tape: a recorded Custom operator or Function makes the sweep take the registered path
    a = mx.nd.array(x)
    a.attach_grad()
    with autograd.record():
        y = mx.nd.Custom(a, mx.nd.array(label), op_type="test_softmax")
    order = autograd._graph_order([y])
    assert _sweep_inline(mx.cpu(), order) == "idle"
    with autograd.record():
        z = mx.nd.softmax(a) * 2
    assert _sweep_inline(mx.cpu(), autograd._graph_order([z])) is True
