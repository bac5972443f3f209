"""gluon.rnn fused layers (RNN, LSTM, GRU): names, states, layouts, oracle values, hybridize, errors.

The ORACLE literals below were produced by MXNet 1.9.1 (CPU) with every parameter set, in sorted
name order, from ``np.random.RandomState(case_index).uniform(-0.5, 0.5, shape)`` (float32):
outputs, final states for the given initial states, and the gradients of ``sum(out**2)``."""
import numpy as np
import pytest

import mxnet as mx
from mxnet import autograd, gluon
from mxnet.gluon import rnn

# ---- MXNet 1.9.1 oracle literals (generated, do not edit) -------------------------------------
X = [[[-0.25092, 0.901429, 0.463988], [0.197317, -0.687963, -0.688011]], [[-0.883833, 0.732352, 0.20223], [0.416145, -0.958831, 0.93982]], [[0.664885, -0.575322, -0.63635], [-0.633191, -0.391516, 0.049513]]]
CASES = {
    'rnn_relu': {
        'out': [[[0.0, 0.858521], [0.0, 0.273037]], [[0.0, 0.842578], [0.577535, 0.993562]], [[0.21392, 0.439125], [0.0, 0.683961]]],
        'dx': [[[0.057339, 0.135027, 0.84455], [0.02636, 0.062074, 0.388253]], [[0.05295, 0.124691, 0.779902], [0.550325, 0.026332, 1.237147]], [[0.223751, 0.009892, 0.498592], [0.039526, 0.09308, 0.582183]]],
        'grads': {
            'l0_h2h_bias': [1.478477, 9.162007],
            'l0_h2h_weight': [[0.0, 0.647351], [0.790024, 4.269392]],
            'l0_i2h_bias': [1.478477, 9.162007],
            'l0_i2h_weight': [[0.721682, -1.253529, 0.715152], [-1.309772, -0.634293, 2.227632]],
        },
    },
    'rnn_tanh_bi2_ntc': {
        'out': [[[0.11149, 0.644914, -0.839548, 0.267337], [-0.185447, 0.318997, -0.771306, 0.248419], [-0.181982, 0.78262, -0.747749, 0.036827]], [[-0.31035, 0.77847, -0.834757, 0.212383], [0.291212, 0.570515, -0.915046, 0.049684], [-0.038054, 0.532017, -0.695917, 0.171679]]],
        'states_in': [[[[0.032797, 0.141335], [-0.943052, -0.656957]], [[0.370554, 0.667794], [-0.386068, 0.787226]], [[0.443088, -0.620122], [0.108455, -0.295736]], [[-0.636215, 0.571204], [0.930966, -0.535293]]]],
        'out_s': [[[0.040096, 0.684509, -0.837629, 0.278952], [-0.151313, 0.2986, -0.796028, 0.291873], [-0.170599, 0.769288, -0.865074, -0.032237]], [[-0.35103, 0.543752, -0.899179, 0.040414], [0.260109, 0.763188, -0.848723, 0.089363], [-0.159245, 0.32606, -0.357473, 0.056577]]],
        'states_out': [[[[-0.374816, 0.158032], [-0.114057, 0.13045]], [[0.413529, 0.209275], [-0.721998, 0.083612]], [[-0.170599, 0.769288], [-0.159245, 0.32606]], [[-0.837629, 0.278952], [-0.899179, 0.040414]]]],
        'dx': [[[0.15572, -0.071182, 0.016045], [0.102956, -0.039824, -0.131346], [0.133458, -0.069376, -0.039649]], [[0.068266, 0.02571, -0.21094], [0.13599, -0.090153, 0.00484], [0.221452, -0.10771, -0.062113]]],
        'grads': {
            'l0_h2h_bias': [0.136286, -1.402821],
            'l0_h2h_weight': [[-0.044971, -0.051501], [0.200941, -0.196215]],
            'l0_i2h_bias': [0.136286, -1.402821],
            'l0_i2h_weight': [[-0.100359, -0.001132, -0.195645], [0.234082, 0.105443, 0.183424]],
            'l1_h2h_bias': [-1.336083, 3.584146],
            'l1_h2h_weight': [[-0.10644, -0.28032], [-0.036552, 1.356121]],
            'l1_i2h_bias': [-1.336083, 3.584146],
            'l1_i2h_weight': [[0.342107, 0.146042, 0.730535, 0.149342], [-1.14427, 0.432365, -0.618105, 0.855953]],
            'r0_h2h_bias': [-1.098965, 2.266053],
            'r0_h2h_weight': [[0.186733, -0.221678], [-0.103746, 0.102097]],
            'r0_i2h_bias': [-1.098965, 2.266053],
            'r0_i2h_weight': [[0.172683, 0.223357, 0.013508], [-0.330536, -0.149586, 0.210688]],
            'r1_h2h_bias': [-3.724001, 1.812703],
            'r1_h2h_weight': [[1.646301, -0.235166], [-1.082877, 0.167046]],
            'r1_i2h_bias': [-3.724001, 1.812703],
            'r1_i2h_weight': [[1.09807, -0.262271, 0.722137, -0.626948], [-0.531051, -0.026061, -0.095328, 0.17793]],
        },
    },
    'lstm_bi2_ntc': {
        'out': [[[0.072562, 0.005428, -0.115922, 0.006458], [0.117709, 0.015195, -0.08628, -0.010087], [0.136081, 0.020336, -0.047367, -0.021094]], [[0.081747, 0.011176, -0.107925, -0.005361], [0.116508, 0.01356, -0.10051, -0.001069], [0.143432, 0.021736, -0.064854, -0.006692]]],
        'states_in': [[[[0.195363, 0.351974], [-0.401437, 0.461481]], [[0.157479, 0.618035], [-0.665503, -0.37571]], [[-0.284137, -0.016505], [-0.019604, 0.78882]], [[-0.635179, -0.277676], [0.621183, -0.333106]]], [[[0.037901, -0.47676], [-0.738144, -0.755166]], [[0.103315, -0.941233], [0.20555, 0.501765]], [[-0.501859, -0.604645], [0.147912, 0.803597]], [[0.032433, -0.197603], [0.034979, 0.874782]]]],
        'out_s': [[[-0.075503, -0.147316, -0.100728, -0.000126], [0.030176, -0.095879, -0.073467, -0.010317], [0.073324, -0.061508, -0.034694, -0.002115]], [[0.084278, 0.182484, -0.062892, -0.000414], [0.117471, 0.126602, -0.079725, 0.092259], [0.153022, 0.099619, -0.000978, 0.278155]]],
        'states_out': [[[[-0.092373, -0.153036], [-0.14771, -0.08776]], [[-0.087883, -0.001918], [-0.227053, 0.019226]], [[0.073324, -0.061508], [0.153022, 0.099619]], [[-0.100728, -0.000126], [-0.062892, -0.000414]]], [[[-0.179829, -0.254923], [-0.337979, -0.217248]], [[-0.368564, -0.004351], [-0.778738, 0.052959]], [[0.140142, -0.138591], [0.2989, 0.235292]], [[-0.156406, -0.000204], [-0.09535, -0.000682]]]],
        'dx': [[[-0.0014, -0.001228, 0.002686], [-0.005979, -0.003313, 0.001916], [-0.002648, -0.002577, -0.000413]], [[-0.001951, -0.003052, -0.001129], [-0.002853, -0.001343, -0.00043], [-0.006672, -0.002589, -4.2e-05]]],
        'grads': {
            'l0_h2h_bias': [-0.021409, -0.007292, -0.005779, -0.00209, 0.091299, 0.038455, -0.020363, -0.006596],
            'l0_h2h_weight': [[0.000828, 0.000688], [0.00036, 5.7e-05], [0.000408, 0.000299], [0.00014, 0.000177], [-0.003451, -0.003307], [-0.001659, -0.001346], [0.001058, 0.000723], [0.000395, 0.000144]],
            'l0_i2h_bias': [-0.021409, -0.007292, -0.005779, -0.00209, 0.091299, 0.038455, -0.020363, -0.006596],
            'l0_i2h_weight': [[0.002317, 0.002301, -0.003456], [0.001981, 6e-05, 0.002813], [0.000477, 0.001754, -0.000695], [-0.000775, 0.001105, -0.000211], [0.003149, -0.028637, 0.004592], [-0.004529, -0.001481, 0.006843], [0.003773, 0.002142, -0.003282], [0.001783, 0.000187, 0.001233]],
            'l1_h2h_bias': [0.078854, 0.001602, 0.026663, 0.000455, 0.452182, 0.02597, 0.071785, 0.001258],
            'l1_h2h_weight': [[0.004287, 0.00049], [0.00013, 1.5e-05], [0.002601, 0.000306], [4.7e-05, 6e-06], [0.026273, 0.003036], [0.001938, 0.000226], [0.006264, 0.000739], [0.000134, 1.6e-05]],
            'l1_i2h_bias': [0.078854, 0.001602, 0.026663, 0.000455, 0.452182, 0.02597, 0.071785, 0.001258],
            'l1_i2h_weight': [[-0.006021, -0.005082, -0.010866, 0.001491], [-0.00014, -0.000127, -0.000214, 3.8e-05], [-0.002539, -0.001814, -0.003156, 0.000505], [-4.4e-05, -3.5e-05, -5.4e-05, 7e-06], [-0.03524, -0.028923, -0.061084, 0.007983], [-0.002204, -0.001857, -0.003428, 0.000491], [-0.006468, -0.005394, -0.009065, 0.001394], [-0.000122, -0.000116, -0.000158, 2.7e-05]],
            'r0_h2h_bias': [0.00558, 0.002071, 0.002106, 0.000656, -0.012012, 0.106018, 0.011442, 0.003225],
            'r0_h2h_weight': [[-0.000312, 4.7e-05], [-0.000227, -0.000105], [-0.000252, 2.4e-05], [-6.1e-05, 0.000104], [0.000812, -3.8e-05], [-0.008124, 0.001276], [-0.000936, 9.1e-05], [-0.000298, -5.1e-05]],
            'r0_i2h_bias': [0.00558, 0.002071, 0.002106, 0.000656, -0.012012, 0.106018, 0.011442, 0.003225],
            'r0_i2h_weight': [[5.5e-05, -0.002129, -0.000236], [-0.003512, 0.001977, 0.000185], [-0.000351, -6.7e-05, 0.000291], [0.000766, -0.000662, 0.000995], [0.001725, 0.000575, 0.000692], [-0.013983, -0.020607, 0.012294], [-8.1e-05, -0.003372, -0.000665], [-0.003383, 0.001596, 0.000509]],
            'r1_h2h_bias': [0.045766, 0.000209, 0.017853, -6e-05, -0.514631, 0.003477, 0.036066, 0.000194],
            'r1_h2h_weight': [[-0.002363, -0.000331], [-8e-06, -1e-06], [-0.001389, -0.000153], [4e-06, 1e-06], [0.024587, 0.00353], [-0.000259, -8.8e-05], [-0.002415, -0.000274], [-5e-06, -1e-06]],
            'r1_i2h_bias': [0.045766, 0.000209, 0.017853, -6e-05, -0.514631, 0.003477, 0.036066, 0.000194],
            'r1_i2h_weight': [[-0.003714, -0.002725, -0.005866, 0.000916], [-1.6e-05, -2.2e-05, -2.8e-05, -6e-06], [-0.001221, -0.000878, -0.00254, 0.000268], [4e-06, 2e-06, 6e-06, -1e-06], [0.042525, 0.03336, 0.06648, -0.009832], [-0.000321, 0.000749, 0.000333, 0.000556], [-0.002614, -0.001966, -0.004898, 0.000635], [-1.6e-05, -2.4e-05, -2.7e-05, -4e-06]],
        },
    },
    'gru_bi2': {
        'out': [[[-0.116126, -0.092142, 0.402154, 0.427595], [-0.111022, -0.042031, 0.328272, 0.405427]], [[-0.149837, -0.140472, 0.336705, 0.421182], [-0.183493, -0.080914, 0.272273, 0.313824]], [[-0.191602, -0.128834, 0.22419, 0.37986], [-0.188121, -0.124637, 0.197914, 0.267095]]],
        'states_in': [[[[-0.135778, -0.651569], [-0.658113, 0.655264]], [[0.174343, -0.081293], [0.64537, 0.643096]], [[-0.38576, -0.598211], [-0.193535, 0.895779]], [[0.355089, 0.21795], [0.344727, -0.984035]]]],
        'out_s': [[[-0.39543, -0.499394, 0.482534, 0.433407], [0.086109, 0.440792, 0.338856, 0.368705]], [[-0.341072, -0.412893, 0.455765, 0.463909], [0.052619, 0.261781, 0.318577, 0.288131]], [[-0.316512, -0.299077, 0.42921, 0.45997], [0.046836, 0.197521, 0.353737, 0.140579]]],
        'states_out': [[[[0.158147, -0.180531], [-0.048519, 0.150893]], [[-0.159111, -0.130251], [0.125555, 0.225153]], [[-0.316512, -0.299077], [0.046836, 0.197521]], [[0.482534, 0.433407], [0.338856, 0.368705]]]],
        'dx': [[[0.113937, 0.084388, -0.088715], [0.097433, 0.073036, -0.085427]], [[0.182762, 0.126788, -0.135893], [0.12124, 0.070321, -0.075034]], [[0.126938, 0.097719, -0.116618], [0.140299, 0.089718, -0.104168]]],
        'grads': {
            'l0_h2h_bias': [0.079849, -0.036588, -0.015495, -0.012772, 0.366256, -0.224321],
            'l0_h2h_weight': [[0.00278, -0.002926], [-0.001479, 0.001599], [0.001198, -0.000692], [-0.000467, -0.000729], [0.011675, -0.013282], [-0.010494, 0.010743]],
            'l0_i2h_bias': [0.079849, -0.036588, -0.015495, -0.012772, 0.825279, -0.403779],
            'l0_i2h_weight': [[-0.009208, -0.006743, 0.001533], [0.007099, 0.000342, -0.004198], [-0.007271, 0.001258, 0.022351], [-0.016394, 0.011594, 0.002567], [-0.092095, -0.078229, 0.019823], [0.076656, 0.012566, -0.058068]],
            'l1_h2h_bias': [-0.019012, 0.04816, -0.091495, -0.065391, -0.580543, -0.394253],
            'l1_h2h_weight': [[0.001061, 0.000619], [-0.004253, -0.002801], [0.004373, 0.002684], [0.003545, 0.001934], [0.051099, 0.032613], [0.032964, 0.02179]],
            'l1_i2h_bias': [-0.019012, 0.04816, -0.091495, -0.065391, -1.452374, -0.795595],
            'l1_i2h_weight': [[-0.001349, 0.001192, 0.002347, -0.000928], [0.003169, -0.002822, -0.004305, 0.000853], [-0.00715, 0.006504, 0.011147, -0.003566], [-0.002823, 0.003777, 0.010822, -0.000862], [-0.098702, 0.088348, 0.142056, -0.062866], [-0.052624, 0.047111, 0.07577, -0.014543]],
            'r0_h2h_bias': [0.003837, -0.10424, 0.01593, 0.04235, 0.070808, -0.598917],
            'r0_h2h_weight': [[-6e-05, 5.5e-05], [0.003065, -0.001956], [0.002072, -0.002109], [0.006834, -0.006196], [-0.001269, 0.001039], [-0.000474, 0.003886]],
            'r0_i2h_bias': [0.003837, -0.10424, 0.01593, 0.04235, 0.11582, -1.04043],
            'r0_i2h_weight': [[0.000184, -0.00142, -3.9e-05], [0.012358, 0.014783, -0.007185], [-0.019702, 0.009625, 0.01298], [-0.080723, 0.004973, 0.091029], [0.004915, -0.044758, 0.007094], [0.188437, 0.080139, -0.070102]],
            'r1_h2h_bias': [0.115554, 0.22508, -0.356175, -0.265152, 1.05924, 1.470726],
            'r1_h2h_weight': [[0.019245, 0.026267], [0.037264, 0.050381], [-0.033534, -0.048397], [-0.01473, -0.019653], [0.168098, 0.230601], [0.258521, 0.350938]],
            'r1_i2h_bias': [0.115554, 0.22508, -0.356175, -0.265152, 2.372108, 2.619285],
            'r1_i2h_weight': [[0.007572, -0.007046, -0.010484, 0.004664], [0.015713, -0.013755, -0.018525, 0.007544], [-0.029188, 0.021143, 0.004322, 0.006], [-0.029656, 0.017899, -0.013267, 0.010493], [0.153919, -0.143135, -0.211279, 0.093665], [0.177925, -0.158194, -0.228997, 0.083378]],
        },
    },
    'lstm_proj': {
        'out': [[[-0.023816, 0.005783], [-0.023404, 0.005601]], [[-0.039405, 0.010324], [-0.034487, 0.008552]], [[-0.047177, 0.012711], [-0.043968, 0.011509]]],
        'states_in': [[[[-0.704159, -0.543403], [0.614987, -0.403051]], [[-0.628587, 0.544275], [-0.189121, 0.991809]]], [[[-0.028349, 0.30284, 0.201092], [-0.953154, -0.343083, 0.640537]], [[-0.117391, -0.526633, -0.163891], [0.861458, -0.665794, 0.51919]]]],
        'out_s': [[[-0.051899, 0.014976], [-0.293179, 0.095194]], [[-0.050142, 0.014183], [-0.198923, 0.064246]], [[-0.047547, 0.012991], [-0.144255, 0.04562]]],
        'states_out': [[[[-0.02522, 0.057554], [-0.00844, 0.033638]], [[-0.047547, 0.012991], [-0.144255, 0.04562]]], [[[0.659279, -0.327805, 0.180279], [0.344251, -0.167219, -0.010121]], [[0.079735, -0.163306, 0.086914], [0.394186, -0.133015, 0.157746]]]],
    },
}
# -----------------------------------------------------------------------------------------------

LAYERS = {
    "rnn_relu": (rnn.RNN, dict(hidden_size=2, input_size=3), "TNC"),
    "rnn_tanh_bi2_ntc": (rnn.RNN, dict(hidden_size=2, num_layers=2, activation="tanh", bidirectional=True,
                                       layout="NTC", input_size=3), "NTC"),
    "lstm_bi2_ntc": (rnn.LSTM, dict(hidden_size=2, num_layers=2, bidirectional=True, layout="NTC", input_size=3),
                     "NTC"),
    "gru_bi2": (rnn.GRU, dict(hidden_size=2, num_layers=2, bidirectional=True, input_size=3), "TNC"),
    "lstm_proj": (rnn.LSTM, dict(hidden_size=3, projection_size=2, num_layers=2, input_size=3), "TNC"),
}
CASE_INDEX = {name: i for i, name in enumerate(LAYERS)}


def _set_params(block, seed):
    rs = np.random.RandomState(seed)
    for _, p in sorted(block.collect_params().items()):
        p.set_data(mx.nd.array(rs.uniform(-0.5, 0.5, p.shape).astype(np.float32)))


def _make(name, hybridize=False):
    cls, kw, layout = LAYERS[name]
    layer = cls(**kw)
    layer.initialize()
    _set_params(layer, CASE_INDEX[name])
    if hybridize:
        layer.hybridize()
    x = np.array(X, dtype=np.float32)
    if layout == "NTC":
        x = x.transpose(1, 0, 2)
    return layer, mx.nd.array(x)


def _close(got, want, rtol=1e-4, atol=1e-5):
    np.testing.assert_allclose(got.asnumpy(), np.array(want, dtype=np.float64), rtol=rtol, atol=atol)


@pytest.mark.parametrize("hybridize", [False, True])
@pytest.mark.parametrize("name", list(LAYERS))
def test_layer_matches_oracle(name, hybridize):
    ref = CASES[name]
    layer, x = _make(name, hybridize)
    _close(layer(x), ref["out"])
    if "states_in" in ref:
        layer2, _ = _make(name, hybridize)
        states = [mx.nd.array(s) for s in ref["states_in"]]
        out, new_states = layer2(x, states)
        _close(out, ref["out_s"])
        assert len(new_states) == len(ref["states_out"])
        for s, want in zip(new_states, ref["states_out"]):
            _close(s, want)
    if "grads" in ref:
        layer3, _ = _make(name, hybridize)
        x.attach_grad()
        with autograd.record():
            out = layer3(x)
            loss = (out * out).sum()
        loss.backward()
        _close(x.grad, ref["dx"])
        for key, want in ref["grads"].items():
            _close(layer3.collect_params()[layer3.prefix + key].grad(), want)


@pytest.mark.parametrize("name", ["lstm_bi2_ntc", "gru_bi2", "lstm_proj"])
def test_hybridized_equals_imperative_with_states_and_grads(name):
    outs = []
    for hybridize in (False, True):
        layer, x = _make(name, hybridize)
        states = [mx.nd.array(s) + 0.25 for s in CASES[name]["states_in"]]
        for s in states:
            s.attach_grad()
        x.attach_grad()
        with autograd.record():
            out, new_states = layer(x, states)
            loss = (out * out).sum() + sum((s * s).sum() for s in new_states)
        loss.backward()
        grads = {k[len(layer.prefix):]: p.grad().asnumpy() for k, p in layer.collect_params().items()}
        outs.append((out.asnumpy(), [s.asnumpy() for s in new_states], x.grad.asnumpy(),
                     [s.grad.asnumpy() for s in states], grads))
    (o1, s1, dx1, ds1, g1), (o2, s2, dx2, ds2, g2) = outs
    np.testing.assert_allclose(o1, o2, rtol=1e-5, atol=1e-6)
    for a, b in zip(s1 + ds1 + [dx1], s2 + ds2 + [dx2]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert g1.keys() == g2.keys()
    for k in g1:
        np.testing.assert_allclose(g1[k], g2[k], rtol=1e-5, atol=1e-6)


def test_hybridized_switching_between_with_and_without_states():
    layer, x = _make("gru_bi2", hybridize=True)
    out = layer(x)
    assert isinstance(out, mx.nd.NDArray)
    out2, states = layer(x, layer.begin_state(2))
    assert isinstance(states, list) and states[0].shape == (4, 2, 2)
    np.testing.assert_allclose(out.asnumpy(), out2.asnumpy(), rtol=1e-6)
    assert isinstance(layer(x), mx.nd.NDArray)


def test_parameter_names_and_shapes():
    layer = rnn.LSTM(5, num_layers=2, bidirectional=True, prefix="lstm_")
    names = list(layer.collect_params().keys())
    want = []
    for i in range(2):
        for d in "lr":
            want += ["lstm_%s%d_%s" % (d, i, n) for n in ("i2h_weight", "h2h_weight", "i2h_bias", "h2h_bias")]
    assert names == want
    p = layer.collect_params()
    assert p["lstm_l0_i2h_weight"].shape == (20, 0)
    assert p["lstm_r1_i2h_weight"].shape == (20, 10)
    assert p["lstm_l1_h2h_weight"].shape == (20, 5)
    assert p["lstm_r0_h2h_bias"].shape == (20,)
    gru = rnn.GRU(4, input_size=3)
    assert gru.prefix == "gru0_" or gru.prefix.startswith("gru")
    assert gru.collect_params()[gru.prefix + "l0_i2h_weight"].shape == (12, 3)
    r = rnn.RNN(3, activation="tanh", input_size=2)
    assert r._mode == "rnn_tanh" and r.collect_params()[r.prefix + "l0_i2h_weight"].shape == (3, 2)
    proj = rnn.LSTM(4, projection_size=2, num_layers=2, input_size=3, prefix="p_")
    assert list(proj.collect_params().keys())[:5] == [
        "p_l0_i2h_weight", "p_l0_h2h_weight", "p_l0_i2h_bias", "p_l0_h2h_bias", "p_l0_h2r_weight"]
    assert proj.collect_params()["p_l0_h2h_weight"].shape == (16, 2)
    assert proj.collect_params()["p_l0_h2r_weight"].shape == (2, 4)
    assert proj.collect_params()["p_l1_i2h_weight"].shape == (16, 2)


def test_repr():
    assert repr(rnn.LSTM(5, num_layers=2, bidirectional=True)) == "LSTM(None -> 5, TNC, num_layers=2, bidirectional)"
    assert repr(rnn.GRU(5, layout="NTC", dropout=0.5)) == "GRU(None -> 5, NTC, dropout=0.5)"
    assert repr(rnn.RNN(5, activation="tanh", input_size=3)) == "RNN(3 -> 5, TNC)"


def test_save_parameters_uses_unfused_names(tmp_path):
    bi = rnn.LSTM(2, num_layers=2, bidirectional=True, input_size=3)
    bi.initialize()
    f = str(tmp_path / "bi.params")
    bi.save_parameters(f)
    keys = list(mx.nd.load(f).keys())
    assert keys[:5] == ["_unfused.0.l_cell.i2h_weight", "_unfused.0.l_cell.h2h_weight",
                        "_unfused.0.l_cell.i2h_bias", "_unfused.0.l_cell.h2h_bias",
                        "_unfused.0.r_cell.i2h_weight"]
    assert "_unfused.1.r_cell.h2h_bias" in keys and len(keys) == 16
    uni = rnn.GRU(2, input_size=3)
    uni.initialize()
    uni.save_parameters(f)
    assert sorted(mx.nd.load(f).keys()) == ["_unfused.0.h2h_bias", "_unfused.0.h2h_weight",
                                            "_unfused.0.i2h_bias", "_unfused.0.i2h_weight"]
    # round trip into a fresh layer
    other = rnn.GRU(2, input_size=3)
    other.load_parameters(f)
    x = mx.nd.ones((2, 1, 3))
    np.testing.assert_allclose(other(x).asnumpy(), uni(x).asnumpy(), rtol=1e-6)


def test_begin_state_and_state_info():
    layer = rnn.LSTM(5, num_layers=2, bidirectional=True, prefix="lstm_")
    info = layer.state_info(3)
    assert info == [{"shape": (4, 3, 5), "__layout__": "LNC", "dtype": "float32"}] * 2
    states = layer.begin_state(3)
    assert [s.shape for s in states] == [(4, 3, 5), (4, 3, 5)]
    assert all((s.asnumpy() == 0).all() for s in states)
    sym_states = layer.begin_state(3, func=mx.sym.zeros)
    assert [s.name for s in sym_states] == ["lstm_h0_0", "lstm_h0_1"]
    proj = rnn.LSTM(4, projection_size=2)
    assert [i["shape"] for i in proj.state_info(3)] == [(1, 3, 2), (1, 3, 4)]
    assert rnn.GRU(3, num_layers=3).state_info(2)[0]["shape"] == (3, 2, 3)
    assert len(rnn.RNN(3).begin_state(2)) == 1
    s64 = rnn.GRU(3).begin_state(2, dtype="float64")
    assert s64[0].dtype == np.float64


@pytest.mark.parametrize("hybridize", [False, True])
def test_deferred_input_size(hybridize):
    layer = rnn.GRU(4, num_layers=2, bidirectional=True, layout="NTC")
    layer.initialize()
    if hybridize:
        layer.hybridize()
    out = layer(mx.nd.ones((2, 5, 7)))
    assert out.shape == (2, 5, 8)
    assert layer.l0_i2h_weight.shape == (12, 7)
    assert layer.r0_i2h_weight.shape == (12, 7)
    assert layer.l1_i2h_weight.shape == (12, 8)
    assert repr(layer) == "GRU(7 -> 4, NTC, num_layers=2, bidirectional)"


def test_output_shapes_and_layouts():
    x = mx.nd.ones((5, 3, 4))
    for cls, nstates in ((rnn.RNN, 1), (rnn.LSTM, 2), (rnn.GRU, 1)):
        tnc = cls(6, num_layers=2, input_size=4)
        tnc.initialize()
        out, states = tnc(x, tnc.begin_state(3))
        assert out.shape == (5, 3, 6) and len(states) == nstates
        assert all(s.shape == (2, 3, 6) for s in states)
        ntc = cls(6, layout="NTC", bidirectional=True, input_size=4)
        ntc.initialize()
        assert ntc(x).shape == (5, 3, 12)


def test_single_state_tensor_accepted():
    layer = rnn.GRU(3, input_size=2)
    layer.initialize()
    out, states = layer(mx.nd.ones((4, 2, 2)), mx.nd.zeros((1, 2, 3)))
    assert out.shape == (4, 2, 3) and states[0].shape == (1, 2, 3)


@pytest.mark.parametrize("cls,bidirectional", [(rnn.LSTM, False), (rnn.GRU, True), (rnn.RNN, True)])
def test_unfused_cells_match_fused_layer(cls, bidirectional):
    layer = cls(3, num_layers=2, bidirectional=bidirectional, input_size=2, layout="NTC")
    layer.initialize()
    _set_params(layer, 5)
    x = mx.nd.array(np.random.RandomState(1).uniform(-1, 1, (2, 4, 2)))
    fused = layer(x)
    stack = layer._unfuse()
    # flat cell states: per layer [l states..., r states...]
    cell_states = stack.begin_state(batch_size=2)
    out, _ = stack.unroll(4, x, begin_state=cell_states, layout="NTC", merge_outputs=True)
    np.testing.assert_allclose(out.asnumpy(), fused.asnumpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("hybridize", [False, True])
@pytest.mark.parametrize("cls", [rnn.LSTM, rnn.GRU])
def test_sequence_length(cls, hybridize):
    # cuDNN semantics: each sequence stops at its length (outputs past it are zero, the states are
    # those after its last element, the reverse direction starts at its last element) -- the same
    # numbers as the cells unrolled with valid_length.
    layer = cls(3, bidirectional=True, input_size=2, use_sequence_length=True)
    layer.initialize()
    _set_params(layer, 3)
    if hybridize:
        layer.hybridize()
    x = mx.nd.array(np.random.RandomState(2).uniform(-1, 1, (4, 2, 2)))
    vl = mx.nd.array([2, 4])
    out, states = layer(x, layer.begin_state(2), sequence_length=vl)
    assert out.shape == (4, 2, 6)
    np.testing.assert_array_equal(out.asnumpy()[2:, 0], 0)
    stack = layer._unfuse()
    ref, ref_states = stack.unroll(4, x, begin_state=stack.begin_state(batch_size=2), layout="TNC",
                                   merge_outputs=True, valid_length=vl)
    np.testing.assert_allclose(out.asnumpy(), ref.asnumpy(), rtol=1e-5, atol=1e-6)
    # fused state (dirs, N, H) vs cell states [l_h, (l_c), r_h, (r_c)]
    n = len(ref_states) // 2
    np.testing.assert_allclose(states[0].asnumpy()[0], ref_states[0].asnumpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(states[0].asnumpy()[1], ref_states[n].asnumpy(), rtol=1e-5, atol=1e-6)


def test_dropout_between_layers_only_in_training():
    layer = rnn.LSTM(8, num_layers=2, dropout=0.5, input_size=4)
    layer.initialize()
    x = mx.nd.ones((3, 2, 4))
    a = layer(x).asnumpy()
    np.testing.assert_allclose(layer(x).asnumpy(), a)   # inference: deterministic
    with autograd.train_mode():
        b = layer(x).asnumpy()
    assert b.shape == a.shape and not np.allclose(a, b)


def test_export_graph(tmp_path):
    layer = rnn.GRU(3, input_size=2, layout="NTC")
    layer.initialize()
    layer.hybridize()
    layer(mx.nd.ones((2, 4, 2)))
    path = str(tmp_path / "gru")
    layer.export(path)
    import json
    with open(path + "-symbol.json") as f:
        graph = json.load(f)
    ops = [n["op"] for n in graph["nodes"]]
    assert ops.count("RNN") == 1 and ops.count("SwapAxis") == 2 and ops.count("Reshape") == 4
    rnn_node = [n for n in graph["nodes"] if n["op"] == "RNN"][0]
    assert rnn_node["name"] == layer.prefix + "rnn0"
    assert rnn_node["attrs"]["mode"] == "gru" and rnn_node["attrs"]["state_outputs"] == "True"
    assert sorted(mx.nd.load(path + "-0000.params").keys()) == sorted(
        "arg:" + k for k in layer.collect_params().keys())
    # the exported graph runs again as a SymbolBlock (inputs: data, then the begin state)
    block = gluon.SymbolBlock.imports(path + "-symbol.json", ["data0", "data1"], path + "-0000.params")
    x = mx.nd.array(np.random.RandomState(3).uniform(-1, 1, (2, 4, 2)))
    np.testing.assert_allclose(block(x, layer.begin_state(2)[0]).asnumpy(), layer(x).asnumpy(), rtol=1e-6)


def test_symbolic_call():
    layer = rnn.LSTM(3, num_layers=2, input_size=2, prefix="s_")
    out = layer(mx.sym.var("data"))
    assert isinstance(out, mx.sym.Symbol)
    # packing order (MXNet): all weights layer by layer, then all biases
    assert out.list_arguments() == ["data", "s_l0_i2h_weight", "s_l0_h2h_weight", "s_l1_i2h_weight",
                                    "s_l1_h2h_weight", "s_l0_i2h_bias", "s_l0_h2h_bias", "s_l1_i2h_bias",
                                    "s_l1_h2h_bias"]
    out, states = layer(mx.sym.var("data"), [mx.sym.var("h"), mx.sym.var("c")])
    assert len(states) == 2
    _, out_shapes, _ = mx.sym.Group([out] + states).infer_shape(data=(5, 4, 2), h=(2, 4, 3), c=(2, 4, 3))
    assert out_shapes == [(5, 4, 3), (2, 4, 3), (2, 4, 3)]


def test_errors():
    with pytest.raises(AssertionError, match="Invalid layout"):
        rnn.LSTM(3, layout="CNT")
    with pytest.raises(KeyError):
        rnn.RNN(3, activation="sigmoid")
    layer = rnn.LSTM(3, input_size=2)
    layer.initialize()
    x = mx.nd.ones((4, 2, 2))
    with pytest.raises(ValueError, match=r"Invalid recurrent state shape. Expecting \(1, 2, 3\), got \(1, 2, 4\)"):
        layer(x, [mx.nd.zeros((1, 2, 4)), mx.nd.zeros((1, 2, 3))])
    with pytest.raises(mx.MXNetError):    # wrong input size for a layer with a fixed input_size
        layer(mx.nd.ones((4, 2, 5))).wait_to_read()
    with pytest.raises(mx.MXNetError):    # not 3-D
        layer(mx.nd.ones((4, 2))).wait_to_read()
    deferred = rnn.GRU(3)
    deferred.initialize()
    with pytest.raises(ValueError, match="Deferred initialization failed"):
        deferred(mx.nd.ones((4, 2)))
    with pytest.raises(mx.MXNetError):    # projection_size must be smaller than hidden_size
        bad = rnn.LSTM(3, projection_size=5, input_size=2)
        bad.initialize()
        bad(x)


def test_trainer_step_changes_parameters():
    layer = rnn.GRU(3, input_size=2)
    layer.initialize()
    trainer = gluon.Trainer(layer.collect_params(), "sgd", {"learning_rate": 0.5})
    before = layer.l0_h2h_weight.data().asnumpy().copy()
    x = mx.nd.ones((4, 2, 2))
    with autograd.record():
        loss = (layer(x) ** 2).sum()
    loss.backward()
    trainer.step(2)
    assert not np.allclose(before, layer.l0_h2h_weight.data().asnumpy())
