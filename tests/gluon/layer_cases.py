"""The table of Gluon layer cases shared by tests/gluon/test_nn_layers.py and the fixture maker
tests/fixtures/gluon/make_layers.py (which also runs under real MXNet 1.9.1, so this module uses
nothing but ``nn`` and NumPy).

Row: name -> (factory(nn) -> block, input shape, input kind, train mode)."""
import numpy as np

CASES = {
    "embedding": (lambda nn: nn.Embedding(10, 4), (2, 3), "index10", True),
    "batchnorm_train": (lambda nn: nn.BatchNorm(), (2, 3, 4, 4), "normal", True),
    "batchnorm_infer": (lambda nn: nn.BatchNorm(in_channels=3, momentum=0.8), (2, 3, 4), "normal", False),
    "batchnorm_axis_last_noscale": (lambda nn: nn.BatchNorm(axis=-1, scale=False, epsilon=1e-3), (3, 4, 5),
                                    "normal", True),
    "batchnormrelu": (lambda nn: nn.BatchNormReLU(), (2, 3, 5), "normal", True),
    "instancenorm": (lambda nn: nn.InstanceNorm(scale=True), (2, 3, 5), "normal", True),
    "instancenorm_axis2": (lambda nn: nn.InstanceNorm(axis=2, in_channels=4, scale=True), (2, 3, 4, 2),
                           "normal", True),
    "layernorm": (lambda nn: nn.LayerNorm(), (2, 3, 5), "normal", True),
    "layernorm_axis1": (lambda nn: nn.LayerNorm(axis=1, epsilon=1e-3), (2, 3, 5), "normal", True),
    "groupnorm": (lambda nn: nn.GroupNorm(num_groups=2), (2, 4, 3, 3), "normal", True),
    "leakyrelu": (lambda nn: nn.LeakyReLU(0.1), (3, 4), "normal", True),
    "prelu": (lambda nn: nn.PReLU(in_channels=3), (2, 3, 4), "normal", True),
    "elu": (lambda nn: nn.ELU(0.5), (3, 4), "normal", True),
    "selu": (lambda nn: nn.SELU(), (3, 4), "normal", True),
    "swish": (lambda nn: nn.Swish(1.5), (3, 4), "normal", True),
    "gelu": (lambda nn: nn.GELU(), (3, 4), "normal", True),
    "conv1d": (lambda nn: nn.Conv1D(4, 3, padding=1), (2, 3, 7), "normal", True),
    "conv2d_relu_stride": (lambda nn: nn.Conv2D(4, 3, strides=2, padding=1, activation="tanh"), (2, 3, 7, 6),
                           "normal", True),
    "conv2d_group_dilate_nobias": (lambda nn: nn.Conv2D(4, (3, 2), dilation=(2, 1), groups=2, use_bias=False,
                                                        in_channels=4), (2, 4, 7, 5), "normal", True),
    "conv3d": (lambda nn: nn.Conv3D(3, 2, strides=(1, 2, 1)), (1, 2, 3, 5, 4), "normal", True),
    "conv1dtranspose": (lambda nn: nn.Conv1DTranspose(3, 3, strides=2, output_padding=1), (2, 4, 5), "normal",
                        True),
    "conv2dtranspose": (lambda nn: nn.Conv2DTranspose(4, 3, strides=2, padding=1, output_padding=1),
                        (2, 3, 4, 3), "normal", True),
    "conv2dtranspose_group": (lambda nn: nn.Conv2DTranspose(4, (2, 3), groups=2, use_bias=False, in_channels=4),
                              (1, 4, 3, 3), "normal", True),
    "conv3dtranspose": (lambda nn: nn.Conv3DTranspose(2, 2, strides=2), (1, 3, 2, 3, 2), "normal", True),
    "maxpool1d": (lambda nn: nn.MaxPool1D(3, 2, 1), (2, 3, 8), "normal", True),
    "maxpool2d": (lambda nn: nn.MaxPool2D(), (2, 3, 6, 5), "normal", True),
    "maxpool2d_ceil": (lambda nn: nn.MaxPool2D((3, 2), 2, ceil_mode=True), (1, 2, 7, 5), "normal", True),
    "maxpool3d": (lambda nn: nn.MaxPool3D(2, 1), (1, 2, 3, 3, 4), "normal", True),
    "avgpool1d": (lambda nn: nn.AvgPool1D(3, 2, 1), (2, 3, 8), "normal", True),
    "avgpool2d_nopad_count": (lambda nn: nn.AvgPool2D(3, 2, 1, count_include_pad=False), (2, 3, 6, 5), "normal",
                              True),
    "avgpool2d_ceil": (lambda nn: nn.AvgPool2D(2, ceil_mode=True), (1, 2, 5, 5), "normal", True),
    "avgpool3d": (lambda nn: nn.AvgPool3D(), (1, 2, 4, 4, 3), "normal", True),
    "globalmaxpool1d": (lambda nn: nn.GlobalMaxPool1D(), (2, 3, 5), "normal", True),
    "globalmaxpool2d": (lambda nn: nn.GlobalMaxPool2D(), (2, 3, 4, 5), "normal", True),
    "globalmaxpool3d": (lambda nn: nn.GlobalMaxPool3D(), (1, 2, 3, 4, 2), "normal", True),
    "globalavgpool1d": (lambda nn: nn.GlobalAvgPool1D(), (2, 3, 5), "normal", True),
    "globalavgpool2d": (lambda nn: nn.GlobalAvgPool2D(), (2, 3, 4, 5), "normal", True),
    "globalavgpool3d": (lambda nn: nn.GlobalAvgPool3D(), (1, 2, 3, 4, 2), "normal", True),
    "reflectionpad2d": (lambda nn: nn.ReflectionPad2D(2), (1, 2, 4, 5), "normal", True),
    "reflectionpad2d_tuple": (lambda nn: nn.ReflectionPad2D((0, 0, 0, 0, 1, 2, 0, 3)), (1, 2, 4, 5), "normal",
                              True),
}

# MXNet 1.9.1's BatchNormReLU runs only on the MKL-DNN backend (the oracle's CPU build raises).
NOT_IN_ORACLE = {"batchnormrelu"}


def case_input(name):
    """The fixed input of case ``name`` (NumPy float32)."""
    _, shape, kind, _ = CASES[name]
    rng = np.random.RandomState(sum(map(ord, name)))
    if kind == "index10":
        return rng.randint(0, 10, shape).astype(np.float32)
    return rng.standard_normal(shape).astype(np.float32)


def case_head(name, out_shape):
    """The fixed output gradient used for the backward pass of case ``name``."""
    rng = np.random.RandomState(sum(map(ord, name)) + 1)
    return rng.uniform(-1, 1, out_shape).astype(np.float32)


def case_params(name, shapes):
    """Fixed parameter values for case ``name``: {structural name: array} from {name: shape};
    variances positive."""
    rng = np.random.RandomState(sum(map(ord, name)) + 2)
    out = {}
    for key in sorted(shapes):
        if key.endswith("running_var"):
            out[key] = rng.uniform(0.5, 1.5, shapes[key]).astype(np.float32)
        else:
            out[key] = (0.5 * rng.standard_normal(shapes[key])).astype(np.float32)
    return out


def export_net(nn):
    """A hybridizable net using every layer kind, for comparing ``export`` JSON with MXNet's."""
    net = nn.HybridSequential(prefix="net_")
    with net.name_scope():
        net.add(nn.Conv2D(4, 3, padding=1, activation="relu"), nn.BatchNorm(), nn.LeakyReLU(0.1), nn.MaxPool2D(),
                nn.Conv2DTranspose(2, 2, strides=2), nn.InstanceNorm(),
                nn.AvgPool2D(3, 1, 1, count_include_pad=False), nn.PReLU(), nn.ELU(), nn.GELU(), nn.Swish(),
                nn.SELU(), nn.LayerNorm(axis=1), nn.GroupNorm(2), nn.ReflectionPad2D(1), nn.GlobalMaxPool2D(),
                nn.Flatten(), nn.Dense(3))
    return net
