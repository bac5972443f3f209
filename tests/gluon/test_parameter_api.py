"""Parameter.dtype (a property whose setter casts), row_sparse parameters (row_sparse_data /
list_row_sparse_data through the Trainer's KVStore), ParameterDict.load_dict, SymbolBlock.reset_ctx,
HookHandle.attach and the module-level names MXNet's gluon modules have. Messages and values were
checked against MXNet 1.9.1 and are written here as constants."""
import pickle
from collections import OrderedDict

import numpy as np
import pytest

import mxnet as mx
from mxnet import autograd, gluon
from mxnet.gluon.utils import HookHandle

NAMING = "https://mxnet.io/api/python/docs/tutorials/packages/gluon/blocks/naming.html"


# -- dtype ------------------------------------------------------------------------------------------
def test_dtype_is_a_property_whose_setter_casts_data_and_grad():
    assert isinstance(gluon.Parameter.__dict__["dtype"], property)
    p = gluon.Parameter("w", shape=(2, 3))
    assert p.dtype is np.float32
    p.dtype = "float16"                         # before initialisation: only recorded
    assert p.dtype == "float16"
    p.initialize(ctx=[mx.cpu(0), mx.cpu(1)], init=mx.init.One())
    assert p.data(mx.cpu(1)).dtype == np.float16 and p.grad(mx.cpu(1)).dtype == np.float16
    p.grad(mx.cpu(0))[:] = 3
    p.dtype = np.float64                        # casts data and gradient, keeping their values
    assert p.data(mx.cpu(0)).dtype == np.float64 and p.grad(mx.cpu(0)).dtype == np.float64
    np.testing.assert_array_equal(p.grad(mx.cpu(0)).asnumpy(), np.full((2, 3), 3.0))
    x = p.data(mx.cpu(0))
    with autograd.record():                     # the cast arrays are still autograd variables
        y = (x * x).sum()
    y.backward()
    np.testing.assert_array_equal(p.grad(mx.cpu(0)).asnumpy(), np.full((2, 3), 2.0))


def test_constant_dtype_and_parameter_dict_get_dtype():
    c = gluon.Constant("c", [[1, 2], [3, 4]])
    assert c.dtype is np.float32
    c.dtype = "float64"
    c.initialize()
    assert c.data().dtype == np.float64
    np.testing.assert_array_equal(c.data().asnumpy(), [[1, 2], [3, 4]])
    pd = gluon.ParameterDict("a_")
    q = pd.get("q", shape=(2,), dtype="float16")
    assert pd.get("q", dtype=np.float16) is q
    with pytest.raises(AssertionError, match="attribute 'dtype': desired 'float32' vs stored 'float16'"):
        pd.get("q", dtype="float32")


def test_invalid_stype_is_rejected():
    with pytest.raises(AssertionError, match="stype for Parameter 'z' must be one of 'default', "
                                             "'row_sparse', or 'csr', but got 'foo'"):
        gluon.Parameter("z", stype="foo")
    with pytest.raises(AssertionError, match="grad_stype for Parameter 'z'"):
        gluon.Parameter("z", grad_stype="bar")


# -- row_sparse parameters --------------------------------------------------------------------------
W0 = np.arange(10, dtype=np.float32).reshape(5, 2)


def _row_sparse_param(ctx):
    w = gluon.Parameter("rs", shape=(5, 2), stype="row_sparse", grad_stype="row_sparse")
    w.initialize(init=mx.init.Zero(), ctx=ctx)
    w.set_data(mx.nd.array(W0))
    return w


def test_dense_parameter_has_no_row_sparse_data():
    p = gluon.Parameter("d", shape=(4, 2))
    p.initialize()
    with pytest.raises(RuntimeError, match="Cannot return a copy of Parameter d via row_sparse_data\\(\\) "
                                           "because its storage type is default. Please use data"):
        p.row_sparse_data(mx.nd.array([0]))
    with pytest.raises(RuntimeError, match="Cannot return copies of Parameter 'd' on all contexts via "
                                           "list_row_sparse_data\\(\\) because its storage type is default"):
        p.list_row_sparse_data(mx.nd.array([0]))
    c = gluon.Constant("c", [1, 2])
    with pytest.raises(RuntimeError, match="Parameter c via row_sparse_data"):
        c.row_sparse_data(mx.nd.array([0]))


def test_row_sparse_parameter_storage_and_errors():
    w = _row_sparse_param([mx.cpu(0), mx.cpu(1)])
    assert isinstance(w._data[0], mx.nd.sparse.RowSparseNDArray)
    assert isinstance(w._grad[1], mx.nd.sparse.RowSparseNDArray)
    with pytest.raises(RuntimeError, match="Cannot return a copy of Parameter 'rs' on ctx None via data\\(\\) "
                                           "because its storage type is row_sparse. Please use row_sparse_data"):
        w.data()
    with pytest.raises(RuntimeError, match="via list_data\\(\\) because its storage type is row_sparse"):
        w.list_data()
    with pytest.raises(RuntimeError, match="Cannot get row_sparse data for Parameter 'rs' when no Trainer "
                                           "is created with it."):
        w.row_sparse_data(mx.nd.array([0, 2]))
    with pytest.raises(TypeError, match="row_id must have NDArray type, but <class 'list'> is given"):
        w.list_row_sparse_data([0, 2])
    gluon.Trainer([w], "sgd")
    with pytest.raises(RuntimeError, match="Parameter 'rs' was not initialized on context cpu\\(2\\). It was "
                                           "only initialized on \\[cpu\\(0\\), cpu\\(1\\)\\]."):
        w.row_sparse_data(mx.nd.array([0], ctx=mx.cpu(2)))
    with pytest.raises(RuntimeError, match="Failed to set the trainer for Parameter 'rs' because it was "
                                           "already set. More than one trainers for a row_sparse Parameter"):
        gluon.Trainer([w], "sgd")


def test_row_sparse_data_keeps_only_the_requested_rows():
    w = _row_sparse_param([mx.cpu(0), mx.cpu(1)])
    trainer = gluon.Trainer([w], "sgd", {"learning_rate": 0.1})
    r = w.row_sparse_data(mx.nd.array([3, 0], ctx=mx.cpu(1)))
    assert r is w._data[1] and r.context == mx.cpu(1)       # the parameter's own array, refreshed
    assert r.indices.asnumpy().tolist() == [0, 3]
    want = np.zeros((5, 2), np.float32)
    want[[0, 3]] = W0[[0, 3]]
    np.testing.assert_array_equal(r.asnumpy(), want)
    rows = w.list_row_sparse_data(mx.nd.array([4, 1, 4]))
    assert [x.context for x in rows] == [mx.cpu(0), mx.cpu(1)]
    want = np.zeros((5, 2), np.float32)
    want[[1, 4]] = W0[[1, 4]]
    for x in rows:
        assert x.indices.asnumpy().tolist() == [1, 4]
        np.testing.assert_array_equal(x.asnumpy(), want)
    assert trainer._kvstore.type == "device"     # a store even for sparse weights on one machine


def test_row_sparse_training_step_updates_on_the_kvstore():
    ctxs = [mx.cpu(0), mx.cpu(1)]
    w = _row_sparse_param(ctxs)
    trainer = gluon.Trainer([w], "sgd", {"learning_rate": 0.1})
    ids = mx.nd.array([1, 3])
    for ctx in ctxs:
        rows = w.row_sparse_data(ids.as_in_context(ctx))
        with autograd.record():
            emb = mx.nd.Embedding(ids.as_in_context(ctx), rows, input_dim=5, output_dim=2, sparse_grad=True)
            loss = mx.nd.sum(emb * 2)
        loss.backward()
    assert w._grad[0].stype == "row_sparse"
    trainer.step(1)
    # the two devices' gradients (2 per looked-up element) are summed: rows 1 and 3 move by 0.1 * 4
    want = W0.copy()
    want[[1, 3]] -= 0.4
    np.testing.assert_allclose(w.row_sparse_data(mx.nd.arange(5)).asnumpy(), want, rtol=1e-6)
    reduced = w._reduce()        # every row, pulled from the store (what saving writes)
    assert reduced.stype == "row_sparse"
    np.testing.assert_allclose(reduced.asnumpy(), want, rtol=1e-6)
    w.reset_ctx(mx.cpu(0))
    assert w.list_ctx() == [mx.cpu(0)]
    np.testing.assert_allclose(w._data[0].asnumpy(), want, rtol=1e-6)


def test_sparse_weights_need_update_on_kvstore():
    w = _row_sparse_param(mx.cpu(0))
    trainer = gluon.Trainer([w], "sgd", update_on_kvstore=False)
    with pytest.raises(ValueError, match="Cannot set update_on_kvstore=False when sparse weights are present."):
        trainer._init_kvstore()
    lone = gluon.Parameter("lone", shape=(5, 2), stype="row_sparse")
    lone.initialize()
    with pytest.raises(RuntimeError, match="Cannot reduce row_sparse data for Parameter 'lone'"):
        lone._reduce()


def test_set_data_resets_a_kvstore_that_updates_weights():
    ctxs = [mx.cpu(0), mx.cpu(1)]
    p = gluon.Parameter("p", shape=(2,))
    p.initialize(mx.init.Zero(), ctx=ctxs)
    trainer = gluon.Trainer([p], "sgd", {"learning_rate": 1.0})
    for g in p.list_grad():
        g[:] = 1                           # (set by hand, not by backward: stale for the Trainer)
    trainer.step(1, ignore_stale_grad=True)   # weights on the store: 0 - 1 * (1 + 1)
    np.testing.assert_array_equal(p.data(mx.cpu(1)).asnumpy(), [-2, -2])
    p.set_data(mx.nd.array([5, 5]))        # the store's copy must not win over the new value
    assert not trainer._kv_initialized
    for g in p.list_grad():
        g[:] = 1
    trainer.step(1, ignore_stale_grad=True)
    np.testing.assert_array_equal(p.data(mx.cpu(0)).asnumpy(), [3, 3])


# -- load_dict --------------------------------------------------------------------------------------
def _dict():
    pd = gluon.ParameterDict("net_")
    a, b = pd.get("a", shape=(2,)), pd.get("b", shape=(3,))
    pd.initialize(ctx=mx.cpu())
    return pd, a, b


def test_load_dict_names_prefixes_and_pairs():
    pd, a, b = _dict()
    pd.load_dict({"arg:net_a": mx.nd.ones((2,)) * 5, "aux:net_b": mx.nd.ones((3,)) * 2, "net_c": mx.nd.ones(1)},
                 ignore_extra=True)
    np.testing.assert_array_equal(a.data().asnumpy(), [5, 5])
    np.testing.assert_array_equal(b.data().asnumpy(), [2, 2, 2])
    pd.load_dict([("a", mx.nd.ones((2,)) * 7), ("b", mx.nd.ones((3,)) * 8)], restore_prefix="net_")
    np.testing.assert_array_equal(a.data().asnumpy(), [7, 7])
    np.testing.assert_array_equal(b.data().asnumpy(), [8, 8, 8])
    pd.load_dict({"net_a": mx.nd.ones((2,))}, allow_missing=True)


def test_load_dict_errors_match_mxnet():
    pd, _, _ = _dict()
    with pytest.raises(AssertionError) as e:
        pd.load_dict({"a": mx.nd.ones((2,))}, restore_prefix="net_")
    assert str(e.value) == ("Parameter 'b' is missing in param_dict, which contains parameters: 'net_a'. Please "
                            "make sure source and target networks have the same prefix.For more info on naming, "
                            "please see " + NAMING)
    with pytest.raises(AssertionError) as e:
        pd.load_dict({"arg:net_a": mx.nd.ones((2,)), "net_b": mx.nd.ones((3,)), "net_c": mx.nd.ones(1)},
                     filename="f.params")
    assert str(e.value) == ("Parameter 'net_c' loaded from file: f.params is not present in ParameterDict, "
                            "choices are: 'net_a', 'net_b'. Set ignore_extra to True to ignore. Please make "
                            "sure source and target networks have the same prefix.For more info on naming, "
                            "please see " + NAMING)
    big = gluon.ParameterDict("x_")
    for i in range(10):
        big.get("p%d" % i, shape=(1,))
    with pytest.raises(AssertionError, match="choices are: 'x_p0', 'x_p1', 'x_p2', ..., 'x_p6', 'x_p7', "
                                             "'x_p8', 'x_p9'. Set"):
        big.load_dict({"q": mx.nd.ones(1)}, allow_missing=True)
    with pytest.raises(AssertionError, match="Failed loading Parameter 'net_a' from saved params: shape "
                                             "incompatible expected \\(2,\\) vs saved \\(4,\\)"):
        pd.load_dict({"net_a": mx.nd.ones((4,)), "net_b": mx.nd.ones((3,))})


def test_load_dict_dtypes():
    pd, a, _ = _dict()
    f64 = mx.nd.ones((2,), dtype="float64")
    with pytest.raises(AssertionError, match="dtype incompatible expected <class 'numpy.float32'> vs saved "
                                             "<class 'numpy.float64'>. Set cast_dtype=True"):
        pd.load_dict({"net_a": f64, "net_b": mx.nd.ones((3,))})
    pd.load_dict({"net_a": f64 * 3, "net_b": mx.nd.ones((3,))}, cast_dtype=True)
    assert a.dtype is np.float32 and a.data().dtype == np.float32
    np.testing.assert_array_equal(a.data().asnumpy(), [3, 3])
    pd.load_dict({"net_a": f64 * 4, "net_b": mx.nd.ones((3,))}, cast_dtype=True, dtype_source="saved")
    assert a.dtype is np.float64 and a.data().dtype == np.float64
    np.testing.assert_array_equal(a.data().asnumpy(), [4, 4])


def test_load_dict_initialises_on_the_deferred_or_default_contexts():
    q = gluon.ParameterDict("q_")
    w = q.get("w", shape=(0, 3), allow_deferred_init=True)
    q.initialize(ctx=[mx.cpu(0), mx.cpu(1)])
    with pytest.raises(AssertionError, match="Failed to load Parameter 'q_w' on \\[cpu\\(2\\)\\] because it was "
                                             "previous initialized on"):
        q.load_dict({"q_w": mx.nd.ones((2, 3))}, ctx=mx.cpu(2))
    q.load_dict({"q_w": mx.nd.ones((2, 3))})
    assert w.shape == (2, 3) and w.list_ctx() == [mx.cpu(0), mx.cpu(1)]
    np.testing.assert_array_equal(w.data(mx.cpu(1)).asnumpy(), np.ones((2, 3)))
    r = gluon.ParameterDict("r_")
    v = r.get("w", shape=(2,))
    r.load_dict({"r_w": mx.nd.ones((2,))})      # never initialised: loaded onto the CPU
    assert v.list_ctx() == [mx.cpu(0)]


def test_load_checks_restore_prefix_and_shares_load_dict(tmp_path):
    pd, a, _ = _dict()
    a.set_data(mx.nd.array([1.5, -2]))
    f = str(tmp_path / "pd.params")
    pd.save(f, strip_prefix="net_")
    assert sorted(mx.nd.load(f)) == ["a", "b"]
    with pytest.raises(AssertionError, match="restore_prefix is 'zz_' but Parameters name 'net_a' does not "
                                             "start with 'zz_'."):
        pd.load(f, restore_prefix="zz_")
    a.set_data(mx.nd.zeros((2,)))
    pd.load(f, restore_prefix="net_")
    np.testing.assert_array_equal(a.data().asnumpy(), [1.5, -2])
    other, _, _ = _dict()
    with pytest.raises(AssertionError, match="Parameter 'net_a' is missing in file: " + f):
        other.load(f)


# -- blocks -----------------------------------------------------------------------------------------
def test_symbol_block_reset_ctx():
    data = mx.sym.var("data")
    sb = gluon.SymbolBlock(mx.sym.FullyConnected(data, num_hidden=2, name="fc"), [data])
    sb.initialize(mx.init.One())
    np.testing.assert_array_equal(sb(mx.nd.ones((1, 3))).asnumpy(), [[4, 4]])
    sb.reset_ctx([mx.cpu(1), mx.cpu(2)])
    assert sb.collect_params()["fc_weight"].list_ctx() == [mx.cpu(1), mx.cpu(2)]
    out = sb(mx.nd.ones((1, 3), ctx=mx.cpu(2)))
    assert out.context == mx.cpu(2)
    np.testing.assert_array_equal(out.asnumpy(), [[4, 4]])
    assert not hasattr(gluon.HybridBlock, "reset_ctx") and not hasattr(gluon.Block, "reset_ctx")


def test_parameter_reset_ctx_averages_the_copies():
    r = gluon.Parameter("r", shape=(2,))
    r.initialize(ctx=[mx.cpu(0), mx.cpu(1)])
    r._data[0][:] = 1
    r._data[1][:] = 3
    r.reset_ctx(mx.cpu(0))
    np.testing.assert_array_equal(r.data().asnumpy(), [2, 2])


def test_hook_handle_attach_detach_and_pickle():
    hooks = OrderedDict()
    handle = HookHandle()
    handle.attach(hooks, print)
    assert list(hooks.items()) == [(id(print), print)]
    with pytest.raises(AssertionError, match="The same handle cannot be attached twice."):
        handle.attach(hooks, len)
    with pytest.raises(TypeError):
        HookHandle().attach({}, print)         # a weak reference to the dict, as MXNet
    restored = pickle.loads(pickle.dumps(handle))
    assert restored._id == id(print)
    handle.detach()
    handle.detach()
    assert not hooks
    net = gluon.nn.Dense(2, in_units=2)
    net.initialize()
    calls = []

    def hook(block, inputs, out):
        calls.append(1)
    first, second = net.register_forward_hook(hook), net.register_forward_hook(hook)
    net(mx.nd.ones((1, 2)))
    assert calls == [1]                        # one hook, stored once under its id
    first.detach()
    net(mx.nd.ones((1, 2)))
    assert calls == [1] and second._id == id(hook)


def test_module_level_names():
    from mxnet.gluon import block, parameter, trainer, utils
    assert block.Symbol is mx.sym.Symbol and block.load_json is mx.sym.load_json
    assert block.np_array is mx.util.np_array and block.np_shape is mx.util.np_shape
    assert parameter.shape_is_known is utils.shape_is_known
    assert trainer.KVStore is mx.kvstore.KVStore


def test_block_load_parameters_checks_and_shared_names(tmp_path):
    net = gluon.nn.HybridSequential(prefix="m_")
    with net.name_scope():
        net.add(gluon.nn.Dense(2, in_units=3), gluon.nn.Dense(1, in_units=2))
    net.initialize()
    full, part, extra = (str(tmp_path / n) for n in ("full.params", "part.params", "extra.params"))
    net.save_parameters(full)
    mx.nd.save(part, {"0.weight": mx.nd.ones((2, 3)), "0.bias": mx.nd.ones(2)})
    mx.nd.save(extra, dict(mx.nd.load(full), **{"2.weight": mx.nd.ones(1)}))
    with pytest.raises(AssertionError) as e:
        net.load_parameters(part)
    assert str(e.value) == ("Parameter '1.weight' is missing in file '%s', which contains parameters: '0.weight', "
                            "'0.bias'. Set allow_missing=True to ignore missing parameters." % part)
    net.load_parameters(part, allow_missing=True)
    np.testing.assert_array_equal(net[0].weight.data().asnumpy(), np.ones((2, 3)))
    with pytest.raises(ValueError, match="Parameter '2.weight' loaded from file '.*' is not present in "
                                         "ParameterDict, which contains parameters . Set ignore_extra=True"):
        net.load_parameters(extra)
    net.load_parameters(extra, ignore_extra=True)
    with pytest.raises(AssertionError, match="Failed to load Parameter 'm_dense0_weight' on \\[cpu\\(1\\)\\] "
                                             "because it was previous initialized on \\[cpu\\(0\\)\\]."):
        net.load_parameters(full, ctx=mx.cpu(1))
    shared = gluon.nn.Dense(2, in_units=2, prefix="a_")
    seq = gluon.nn.HybridSequential()
    seq.add(shared, gluon.nn.Dense(2, in_units=2, params=shared.params))
    seq.initialize()
    dedup = str(tmp_path / "dedup.params")
    seq.save_parameters(dedup, deduplicate=True)
    assert sorted(mx.nd.load(dedup)) == ["1.bias", "1.weight"]     # MXNet keeps the last name
    seq.load_parameters(dedup)


def test_set_data_of_another_shape_raises_assertion_error_as_mxnet():
    p = gluon.Parameter("p", shape=(2, 3))
    p.initialize()
    with pytest.raises(AssertionError, match=r"Expected shape \(5, 5\) is incompatible with given shape \(2, 3\)"):
        p.set_data(mx.nd.ones((5, 5)))
    with pytest.raises(ValueError):     # (neomx's earlier error type still caught)
        p.set_data(mx.nd.ones((5, 5)))


def test_parameter_repr_as_mxnet():
    assert repr(gluon.Parameter("w", shape=(2, 3))) == \
        "Parameter w (shape=(2, 3), dtype=<class 'numpy.float32'>)"     # (the default dtype is the type)
    assert repr(gluon.Parameter("h", shape=(2,), dtype="float16")) == "Parameter h (shape=(2,), dtype=float16)"
