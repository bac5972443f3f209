"""_contrib_quantized_rnn against constants from MXNet 1.9.1 (oneDNN, run with DNNL_MAX_CPU_ISA=AVX512_CORE:
the default AMX/VNNI path fails there with a reorder error). Inputs keep every uint8 value <= 128 so
oneDNN's int16 pair saturation on non-VNNI cannot occur. Outputs lie on the uint8 grid of step
1/scale; the oracle matched this implementation to 1e-6."""
import numpy as np
import pytest
import mxnet as mx
from mxnet.base import MXNetError

W = [0.102, 0.416, -0.418, 0.022, 0.786, 0.793, -0.749, -0.586, -0.897, -0.118, -0.94, -0.086, 0.298, -0.443,
     0.353, 0.182, -0.952, 0.118, -0.481, -0.17, -0.433, 0.386, -0.119, -0.686, 0.089, 0.561, -0.387, -0.556,
     -0.224, 0.873, 0.952, 0.345, 0.806, 0.692, -0.244, -0.816, 0.307, 0.116, -0.277, -0.55, -0.187, -0.062,
     -0.462, -0.416, -0.085, 0.721, 0.173, -0.433, -0.444, -0.091, -0.589, -0.597, 0.028, -0.826, -0.033, -0.276]
Q = [[[90, 59, 91], [21, 113, 56]], [[104, 39, 29], [9, 33, 55]]]
H0 = [[[-0.539, 0.383], [0.301, 0.448]]]
C0 = [[[-0.05, 0.193], [-0.866, -0.855]]]
OUT = [[[0.0166666675, 0.0], [-0.2333333343, -0.1166666672]], [[0.0333333351, 0.05], [-0.2, -0.0333333351]]]
CY = [[[0.0580710880, 0.0911531597], [-0.3026765585, -0.0916462243]]]


def _run(**kw):
    kw.setdefault("mode", "lstm")
    return mx.nd.contrib.quantized_rnn(mx.nd.array(Q, dtype="uint8"), mx.nd.array(W), mx.nd.array(H0),
                                       mx.nd.array(C0), mx.nd.array([60.0]), mx.nd.array([64.0]),
                                       state_size=2, num_layers=1, **kw)


def test_oracle_constants():
    out, hy, cy = _run(state_outputs=True)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.asnumpy(), OUT, atol=1e-6)
    np.testing.assert_allclose(hy.asnumpy(), np.array(OUT)[-1:], atol=1e-6)
    np.testing.assert_allclose(cy.asnumpy(), CY, atol=1e-6)


def test_close_to_float_rnn():
    # int8 weights (relative error <= 0.5/127 per row) plus the hidden state rounded to 1/60 each step:
    # the output may differ by about one or two grid steps (1/60) from the float LSTM
    x = (np.array(Q, dtype=np.float32) - 64.0) / 60.0
    ref = mx.nd.RNN(mx.nd.array(x), mx.nd.array(W), mx.nd.array(H0), mx.nd.array(C0), state_size=2,
                    num_layers=1, mode="lstm")
    np.testing.assert_allclose(_run().asnumpy(), ref.asnumpy(), atol=2.0 / 60)


def test_output_counts_and_shapes():
    assert _run().shape == (2, 2, 2)
    outs = _run(state_outputs=True)
    assert [o.shape for o in outs] == [(2, 2, 2), (1, 2, 2), (1, 2, 2)]
    s = mx.sym.contrib.quantized_rnn(mx.sym.var("d"), mx.sym.var("p"), mx.sym.var("s"), mx.sym.var("c"),
                                     mx.sym.var("sc"), mx.sym.var("sh"), state_size=2, num_layers=1,
                                     mode="lstm", state_outputs=True)
    assert len(s.list_outputs()) == 3


@pytest.mark.parametrize("kw", [dict(mode="gru"), dict(mode="rnn_tanh"), dict(projection_size=1),
                                dict(use_sequence_length=True)])
def test_errors(kw):
    with pytest.raises(MXNetError):
        _run(**kw).asnumpy()
