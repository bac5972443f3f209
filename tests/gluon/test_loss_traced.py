"""Built-in losses called without hybridize() run as one cached graph of their operators; values
and gradients must equal the operator-by-operator (imperative) path, with and without the
optional sample_weight, and user subclasses keep the imperative path."""
import numpy as np
import pytest

import mxnet as mx
from mxnet import autograd, gluon

L = gluon.loss
CASES = [
    (L.L2Loss, {}, "dense"), (L.L1Loss, {}, "dense"), (L.SigmoidBCELoss, {}, "prob"),
    (L.SigmoidBCELoss, {"from_sigmoid": True}, "prob_pred"), (L.SoftmaxCELoss, {}, "class"),
    (L.SoftmaxCELoss, {"sparse_label": False}, "dist"), (L.KLDivLoss, {}, "dist"),
    (L.HuberLoss, {"rho": 0.3}, "dense"), (L.HingeLoss, {}, "sign"), (L.SquaredHingeLoss, {}, "sign"),
    (L.LogisticLoss, {}, "sign"), (L.L2Loss, {"weight": 0.5, "batch_axis": 1}, "dense"),
]


def _data(kind, rng):
    pred = rng.rand(4, 5).astype(np.float32)
    if kind == "prob_pred":
        pred = pred * 0.8 + 0.1
    label = {"dense": rng.randn(4, 5), "prob": rng.rand(4, 5), "prob_pred": rng.rand(4, 5),
             "class": rng.randint(0, 5, 4), "dist": rng.dirichlet(np.ones(5), 4),
             "sign": np.sign(rng.randn(4, 5))}[kind].astype(np.float32)
    return pred, label


def _run(loss, pred, label, weight, imperative):
    x = mx.nd.array(pred)
    x.attach_grad()
    args = [x, mx.nd.array(label)] + ([mx.nd.array(weight)] if weight is not None else [])
    with autograd.record():
        out = gluon.HybridBlock.forward(loss, *args) if imperative else loss(*args)
    out.backward()
    return out.asnumpy(), x.grad.asnumpy()


@pytest.mark.parametrize("cls,kw,kind", CASES)
@pytest.mark.parametrize("with_weight", [False, True])
def test_traced_loss_equals_operator_sequence(cls, kw, kind, with_weight):
    rng = np.random.RandomState(7)
    pred, label = _data(kind, rng)
    weight = rng.rand(4, 1).astype(np.float32) if with_weight else None
    loss = cls(**kw)
    got = _run(loss, pred, label, weight, imperative=False)
    assert loss._traced, "the built-in loss should have been traced"
    want = _run(cls(**kw), pred, label, weight, imperative=True)
    np.testing.assert_allclose(got[0], want[0], rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(got[1], want[1], rtol=1e-5, atol=1e-7)


def test_user_subclass_and_hybridized_keep_their_paths():
    class MyLoss(L.L2Loss):
        def hybrid_forward(self, F, pred, label, sample_weight=None):
            return F.sum(F.square(pred - label), axis=1)
    mine = MyLoss()
    out = mine(mx.nd.ones((2, 3)), mx.nd.zeros((2, 3)))
    np.testing.assert_array_equal(out.asnumpy(), [3.0, 3.0])
    assert mine._traced == {}
    h = L.L2Loss()
    h.hybridize()
    np.testing.assert_allclose(h(mx.nd.ones((2, 3)), mx.nd.zeros((2, 3))).asnumpy(), [0.5, 0.5])
    assert h._traced == {}


def test_shape_errors_still_name_the_operator():
    with pytest.raises(mx.MXNetError):
        L.SoftmaxCELoss(sparse_label=False)(mx.nd.ones((2, 3)), mx.nd.ones((4, 5)))
