"""GPU checks (issue 7): every golden operator case, an executor, autograd, Gluon and Module on
mx.gpu(0), compared with the CPU / MXNet's stored values. Skipped where CuPy or a GPU is missing;
run on a GPU machine with tools/gpu_check.sh."""
import os

import numpy as np
import pytest

from . import require_gpu

mx = require_gpu()
from tests.ops.harness import fixture_cases, run_fixture_case  # noqa: E402  (after the skip)

pytestmark = pytest.mark.gpu

CASES = [c for c in fixture_cases()[0] if mx.ops.find_op(c["op_in_symbol_json"]) is not None]


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_operator_forward_on_gpu_matches_mxnet(case):
    _, npz = fixture_cases()
    tol = case.get("tolerance") or {"rtol": 1e-5, "atol": 1e-6}
    with mx.gpu(0):
        results = run_fixture_case(case)
    for key, got in results.items():
        if "/out/" in key and key in npz.files:
            np.testing.assert_allclose(got.astype(np.float64), npz[key].astype(np.float64),
                                       rtol=max(tol["rtol"], 1e-4), atol=max(tol["atol"], 1e-5), err_msg=key)


def test_fixture_model_trains_identically_on_gpu():
    d = os.path.join(os.path.dirname(__file__), "..", "fixtures", "mxnet-1.9.1", "models")
    sym, args, aux = mx.model.load_checkpoint(os.path.join(d, "lenet"), 1)
    io = np.load(os.path.join(d, "lenet-io.npz"))
    ctx = mx.gpu(0)
    a = {k: v.as_in_context(ctx) for k, v in args.items()}
    a["data"] = mx.nd.array(io["data"], ctx=ctx)
    a["softmax_label"] = mx.nd.array(io["softmax_label"], ctx=ctx)
    grads = {k: mx.nd.zeros(v.shape, ctx=ctx) for k, v in a.items()}
    ex = sym.bind(ctx, a, args_grad=grads)
    out = ex.forward(is_train=True)[0]
    ex.backward()
    np.testing.assert_allclose(out.asnumpy(), io["out_train/softmax_output"], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(ex.grad_dict["conv1_weight"].asnumpy(), io["grad/conv1_weight"], rtol=1e-3, atol=1e-4)


def test_autograd_gluon_and_module_on_gpu():
    ctx = mx.gpu(0)
    x = mx.nd.array(np.random.RandomState(0).randn(8, 5), ctx=ctx)
    x.attach_grad()
    with mx.autograd.record():
        y = (x * x).sum()
    y.backward()
    np.testing.assert_allclose(x.grad.asnumpy(), 2 * x.asnumpy(), rtol=1e-6)
    net = mx.gluon.nn.Dense(3)
    net.initialize(ctx=ctx)
    net.hybridize()
    assert net(x).context == ctx
    data = mx.io.NDArrayIter(np.random.rand(32, 5).astype(np.float32), np.zeros(32), batch_size=8)
    mod = mx.mod.Module(mx.sym.SoftmaxOutput(mx.sym.FullyConnected(mx.sym.var("data"), num_hidden=2),
                                             name="softmax"), context=[ctx])
    mod.fit(data, num_epoch=1)
    assert mod.get_outputs()[0].context == ctx


def test_copies_between_cpu_and_gpu():
    a = mx.nd.arange(12).reshape((3, 4))
    g = a.as_in_context(mx.gpu(0))
    np.testing.assert_array_equal((g * 2).as_in_context(mx.cpu()).asnumpy(), a.asnumpy() * 2)
