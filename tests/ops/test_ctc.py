"""CTCLoss (and its aliases): loss and gradient against MXNet 1.9.1 literals and a brute-force
enumeration of alignments, gradients against finite differences, lengths, blank position, padding,
infeasible labels, shape inference, errors and the symbolic path."""
import itertools

import numpy as np
import pytest

import mxnet as mx
from mxnet.ops.registry import get_op, find_op
from tests.ops.harness import check_grad, run_nd


def np_ctc_brute(x, label, blank):
    """-log p(label | x) summing over every path (tiny T and alphabet only)."""
    x = x.astype(np.float64)
    logp = x - np.log(np.exp(x).sum(-1, keepdims=True))
    T, A = x.shape
    total = 0.0
    for path in itertools.product(range(A), repeat=T):
        collapsed = [k for i, k in enumerate(path) if (i == 0 or k != path[i - 1]) and k != blank]
        if collapsed == list(label):
            total += np.exp(sum(logp[t, k] for t, k in enumerate(path)))
    return -np.log(total)


# -- MXNet 1.9.1 literals: data RandomState(0).randn(4, 3, 5), head gradient [1, 2, 0.5] ----------

MX_CASES = [  # (label, kwargs, lengths, loss, grad[:, 2])
    ([[1, 0, 2], [1, 0, 0], [2, 0, 0]], {}, [], [3.724522, 4.382497, 7.273402],
     [-0.1307046, 0.2085441, -0.208776, 0.05501204, 0.07592458, -0.06767549, 0.04720882, -0.3843933, 0.2088469,
      0.196013, -0.2504065, 0.01437287, -0.2179596, 0.4182735, 0.03571991, -0.2261645, 0.1031096, 0.004771814,
      0.05115974, 0.06712347]),
    ([[1, 2, 3], [1, 1, 1], [2, 0, 0]], {}, [], [6.944297, 0, 7.273402],
     [-0.1307046, 0.2085441, -0.208776, 0.05501204, 0.07592458, -0.06767549, 0.04720882, -0.3843933, 0.2088469,
      0.196013, -0.2504065, 0.01437287, -0.2179596, 0.4182735, 0.03571991, -0.2261645, 0.1031096, 0.004771814,
      0.05115974, 0.06712347]),
    ([[0, -1, -1], [1, 2, -1], [3, 1, 2]], dict(blank_label="last"), [], [4.323493, 2.468103, 6.498896],
     [0.05625645, 0.2085441, 0.1042628, -0.2868444, -0.08221905, 0.01053241, -0.07251951, 0.0373988, -0.06388135,
      0.0884697, 0.0208386, -0.3918001, -0.01866115, 0.4182735, -0.02865088, 0.1480584, 0.1031096, -0.3594487,
      0.05115974, 0.05712103]),
    ([[0, -1, -1], [1, 2, -1], [3, 1, 2]], dict(blank_label="last", use_data_lengths=True), [[4, 2, 3]],
     [4.323493, 2.691103, 8.402601],
     [0.05625645, 0.2085441, 0.1042628, -0.444988, 0.07592458, 0.01053241, -0.4527912, 0.0373988, 0.2088469,
      0.196013, 0.0208386, 0.01437287, -0.4892049, 0.4182735, 0.03571991, 0, 0, 0, 0, 0]),
    ([[2, 2, 0], [1, 3, 3], [4, 0, 0]], dict(use_label_lengths=True, use_data_lengths=True), [[4, 4, 2], [2, 3, 1]],
     [4.714356, 8.880478, 2.236465],
     [-0.1501731, 0.2085441, 0.1042628, 0.05501204, -0.2176459, -0.004437682, 0.04720882, 0.0373988, 0.2088469,
      -0.2890168, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
]


@pytest.mark.parametrize("label,kw,lengths,loss,grad2", MX_CASES)
def test_matches_mxnet(label, kw, lengths, loss, grad2):
    x = np.random.RandomState(0).randn(4, 3, 5).astype(np.float32)
    d = mx.nd.array(x)
    d.attach_grad()
    with mx.autograd.record():
        out = mx.nd.CTCLoss(d, mx.nd.array(label), *[mx.nd.array(v) for v in lengths], **kw)
    out.backward(mx.nd.array([1.0, 2.0, 0.5]))
    assert out.shape == (3,) and out.dtype == np.float32
    np.testing.assert_allclose(out.asnumpy(), loss, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(d.grad.asnumpy()[:, 2].ravel(), grad2, rtol=1e-4, atol=1e-6)


# -- brute force -------------------------------------------------------------------------------

BRUTE = [  # (label rows, blank_label)
    ([[1], [2, 2], [1, 2, 1], [3, 1]], "first"),
    ([[0], [1, 1], [2, 0, 1], []], "last"),
]


@pytest.mark.parametrize("labels,blank_label", BRUTE)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_brute_force(labels, blank_label, dtype):
    T, A, N = 5, 4, len(labels)
    x = np.random.RandomState(1).randn(T, N, A).astype(dtype)
    pad = 0 if blank_label == "first" else -1
    L = max(len(r) for r in labels)
    lab = np.array([r + [pad] * (L - len(r)) for r in labels], dtype=np.float32)
    blank = 0 if blank_label == "first" else A - 1
    want = [np_ctc_brute(x[:, n], labels[n], blank) for n in range(N)]
    got = run_nd("CTCLoss", [x, lab], blank_label=blank_label)[0]
    assert got.dtype == dtype
    np.testing.assert_allclose(got, want, rtol=1e-5 if dtype == np.float32 else 1e-10)
    # explicit lengths give the same result; data lengths truncate the sequences
    ll = np.array([len(r) for r in labels], dtype=np.float32)
    dl = np.array([5, 4, 5, 3][:N], dtype=np.float32)
    got = run_nd("CTCLoss", [x, lab, dl, ll], blank_label=blank_label, use_data_lengths=True,
                 use_label_lengths=True)[0]
    want = [np_ctc_brute(x[:int(dl[n]), n], labels[n], blank) for n in range(N)]
    np.testing.assert_allclose(got, want, rtol=1e-5 if dtype == np.float32 else 1e-10)


def test_aliases():
    op = get_op("CTCLoss")
    for name in ("ctc_loss", "_contrib_CTCLoss", "_contrib_ctc_loss"):
        assert find_op(name) is op
    x = np.random.RandomState(2).randn(4, 2, 3).astype(np.float32)
    lab = np.array([[1, 2], [2, 0]], dtype=np.float32)
    np.testing.assert_array_equal(run_nd("ctc_loss", [x, lab])[0], run_nd("CTCLoss", [x, lab])[0])
    np.testing.assert_array_equal(mx.nd.ctc_loss(mx.nd.array(x), mx.nd.array(lab)).asnumpy(),
                                  run_nd("CTCLoss", [x, lab])[0])


GRAD_CASES = [
    (dict(), [[1, 2], [3, 3], [2, 0]], []),
    (dict(blank_label="last"), [[0, 1], [2, -1], [1, 1]], []),
    (dict(use_data_lengths=True, use_label_lengths=True), [[1, 2], [3, 3], [2, 0]], [[5, 4, 3], [2, 2, 1]]),
]


@pytest.mark.parametrize("kw,label,lengths", GRAD_CASES)
def test_gradient_finite_differences(kw, label, lengths):
    x = np.random.RandomState(3).randn(5, 3, 4)
    ins = [x, np.array(label, dtype=np.float64)] + [np.array(v, dtype=np.float64) for v in lengths]
    check_grad("CTCLoss", ins, kw, wrt=[0], rtol=1e-4, atol=1e-7, eps=1e-6)


def test_infeasible_label_gives_zero_loss_and_gradient():
    x = np.random.RandomState(4).randn(3, 2, 4).astype(np.float32)
    lab = np.array([[1, 1, 1], [1, 2, 3]], dtype=np.float32)     # needs 5 and 3 steps
    d = mx.nd.array(x)
    d.attach_grad()
    with mx.autograd.record():
        out = mx.nd.CTCLoss(d, mx.nd.array(lab))
    out.backward()
    loss = out.asnumpy()
    assert loss[0] == 0 and loss[1] > 0
    g = d.grad.asnumpy()
    assert np.all(g[:, 0] == 0) and np.abs(g[:, 1]).sum() > 0
    np.testing.assert_allclose(g[:, 1].sum(-1), 0, atol=1e-6)    # softmax minus a distribution


def test_shape_inference_and_errors():
    op = get_op("CTCLoss")
    a = op.parse(dict(use_data_lengths=True, use_label_lengths=True))
    ins, outs, _ = op.infer_shapes(a, [(6, 3, 5), (3, 4), None, None])
    assert ins == [(6, 3, 5), (3, 4), (3,), (3,)] and outs == [(3,), (6, 3, 5)]
    assert op.input_names(a) == ["data", "label", "data_lengths", "label_lengths"]
    assert op.input_names(op.parse(dict(use_label_lengths=True))) == ["data", "label", "label_lengths"]
    with pytest.raises(mx.MXNetError, match="batch size"):
        op.infer_shapes(op.parse({}), [(6, 3, 5), (2, 4)])
    with pytest.raises(mx.MXNetError, match="3-D"):
        op.infer_shapes(op.parse({}), [(6, 5), (2, 4)])
    with pytest.raises(mx.MXNetError, match="data_lengths"):
        op.infer_shapes(op.parse(dict(use_data_lengths=True)), [(6, 3, 5), (3, 4), (2,)])
    with pytest.raises(mx.MXNetError, match="blank_label"):
        mx.nd.CTCLoss(mx.nd.ones((2, 1, 3)), mx.nd.ones((1, 1)), blank_label="middle")
    with pytest.raises(mx.MXNetError, match="floating"):
        op.infer_types(op.parse({}), [np.int32, np.int32])


def test_symbol_simple_bind():
    sym = mx.sym.CTCLoss(mx.sym.var("data"), mx.sym.var("label"), mx.sym.var("dl"), use_data_lengths=True,
                         name="ctc")
    assert sym.list_arguments() == ["data", "label", "dl"]
    assert sym.list_outputs() == ["ctc_output0"]
    ex = sym.simple_bind(mx.cpu(), data=(5, 2, 4), label=(2, 2), dl=(2,))
    x = np.random.RandomState(5).randn(5, 2, 4).astype(np.float32)
    lab = np.array([[1, 2], [3, 0]], dtype=np.float32)
    dl = np.array([5, 3], dtype=np.float32)
    for k, v in (("data", x), ("label", lab), ("dl", dl)):
        ex.arg_dict[k][:] = v
    out = ex.forward(is_train=True)[0].asnumpy()
    want = [np_ctc_brute(x[:5, 0], [1, 2], 0), np_ctc_brute(x[:3, 1], [3], 0)]
    np.testing.assert_allclose(out, want, rtol=1e-5)
    ex.backward(mx.nd.array([1.0, 3.0]))
    d = mx.nd.array(x)
    d.attach_grad()
    with mx.autograd.record():
        ref = mx.nd.CTCLoss(d, mx.nd.array(lab), mx.nd.array(dl), use_data_lengths=True)
    ref.backward(mx.nd.array([1.0, 3.0]))
    np.testing.assert_allclose(ex.grad_dict["data"].asnumpy(), d.grad.asnumpy(), rtol=1e-6, atol=1e-7)
    assert np.all(ex.grad_dict["data"].asnumpy()[3:, 1] == 0)
