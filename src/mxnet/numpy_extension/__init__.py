"""``mx.npx``: MXNet's NumPy extensions — neural-network operators (``npx.relu``,
``npx.fully_connected``, ``npx.convolution``...) on ``mx.np.ndarray``, the np-semantics switches
(``npx.set_np()``), device helpers and ``npx.random.seed``.

The operators are the registry operators of the classic front end (same kernels, same
backward), called on ``mx.np`` arrays and returning ``mx.np`` arrays."""
import numpy as _onp

from ..base import MXNetError, _Null
from ..context import Context, cpu, gpu, cpu_pinned, current_context, num_gpus, gpu_memory_info  # noqa: F401
from ..util import set_np, reset_np, is_np_array, is_np_shape  # noqa: F401
from ..ndarray.ndarray import NDArray
from ..numpy._core import _as_np, _np_view, ndarray
from . import random  # noqa: F401

__all__ = ["set_np", "reset_np", "is_np_array", "is_np_shape", "waitall", "cpu", "gpu", "cpu_pinned",
           "num_gpus", "gpu_memory_info", "current_context", "Context", "load", "save", "random"]


def _nd(name):
    from .. import ndarray as _ndmod
    f = getattr(_ndmod, name, None)
    if f is None:
        f = getattr(_ndmod._internal, name)
    return f


def _arrayify(v):
    if isinstance(v, NDArray) or v is None:
        return v
    if isinstance(v, (list, tuple)) and v and not isinstance(v[0], NDArray):
        from ..numpy import array
        return array(v)
    if isinstance(v, _onp.ndarray):
        from ..numpy import array
        return array(v)
    return v


def _make(npx_name, op_name, doc, array_args=()):
    def f(*args, **kwargs):
        args = tuple(_arrayify(a) if i < len(array_args) else a for i, a in enumerate(args))
        for k in array_args:
            if k in kwargs:
                kwargs[k] = _arrayify(kwargs[k])
        return _as_np(_nd(op_name)(*args, **kwargs))
    f.__name__ = npx_name
    f.__doc__ = doc + " (the classic ``{}`` operator on mx.np arrays)".format(op_name)
    try:
        import inspect
        f.__signature__ = inspect.signature(_nd(op_name))
    except (AttributeError, ValueError, TypeError):
        pass
    return f


_OPS = [
    ("activation", "Activation", "Element-wise activation (relu, sigmoid, tanh, softrelu, softsign)", ("data",)),
    ("relu", "relu", "Rectified linear unit max(x, 0)", ("data",)),
    ("sigmoid", "sigmoid", "Logistic sigmoid 1 / (1 + exp(-x))", ("data",)),
    ("log_softmax", "log_softmax", "Log of the softmax along ``axis``", ("data",)),
    ("batch_dot", "batch_dot", "Batched matrix product of 3-D (or N-D) arrays", ("lhs", "rhs")),
    ("batch_flatten", "Flatten", "Collapse all axes but the first", ("data",)),
    ("fully_connected", "FullyConnected", "Dense layer: data . weight^T + bias", ("data",)),
    ("convolution", "Convolution", "N-D convolution", ("data",)),
    ("deconvolution", "Deconvolution", "N-D transposed convolution", ("data",)),
    ("pooling", "Pooling", "Max/avg/sum/lp pooling", ("data",)),
    ("batch_norm", "BatchNorm", "Batch normalization", ("data",)),
    ("layer_norm", "LayerNorm", "Layer normalization", ("data",)),
    ("dropout", "Dropout", "Dropout (active in training mode)", ("data",)),
    ("embedding", "Embedding", "Look up rows of ``weight`` by index", ("data",)),
    ("one_hot", "one_hot", "One-hot encoding of integer indices", ("indices",)),
    ("pick", "pick", "Pick elements along ``axis`` by index", ("data", "index")),
    ("topk", "topk", "Top-k elements or indices along ``axis``", ("data",)),
    ("sequence_mask", "SequenceMask", "Mask positions past each sequence length", ("data",)),
    ("leaky_relu", "LeakyReLU", "Leaky/parametric/elu/selu/gelu/rrelu activation", ("data",)),
    ("reshape_like", "reshape_like", "Reshape ``lhs`` to the shape of ``rhs``", ("lhs", "rhs")),
    ("gamma", "gamma", "Gamma function", ("data",)),
    ("gammaln", "gammaln", "Log of the absolute gamma function", ("data",)),
    ("erf", "erf", "Gauss error function", ("data",)),
    ("erfinv", "erfinv", "Inverse error function", ("data",)),
    ("cast", "Cast", "Cast to ``dtype``", ("data",)),
    ("rnn", "RNN", "Fused recurrent layers (rnn_relu, rnn_tanh, lstm, gru)", ("data",)),
    ("roi_pooling", "ROIPooling", "Region-of-interest max pooling", ("data",)),
    ("slice", "slice", "Slice with begin/end/step per axis", ("data",)),
    ("smooth_l1", "smooth_l1", "Smooth L1 (Huber-like) function", ("data",)),
    ("gather_nd", "gather_nd", "Gather slices by N-D indices", ("data", "indices")),
    ("multibox_prior", "_contrib_MultiBoxPrior", "SSD anchor boxes", ("data",)),
    ("multibox_target", "_contrib_MultiBoxTarget", "SSD training targets", ()),
    ("multibox_detection", "_contrib_MultiBoxDetection", "SSD detections", ()),
    ("arange_like", "_contrib_arange_like", "arange with the shape of the input", ("data",)),
]

for _n, _op, _doc, _arr in _OPS:
    globals()[_n] = _make(_n, _op, _doc, _arr)
    __all__.append(_n)
del _n, _op, _doc, _arr


def softmax(data=None, length=None, axis=_Null, temperature=_Null, dtype=_Null, use_length=_Null,
            out=None, name=None, **kwargs):
    """Softmax along ``axis`` (default -1), optionally masked to ``length`` valid entries."""
    kw = dict(axis=-1 if axis is _Null else axis, temperature=temperature, dtype=dtype, out=out,
              name=name, **kwargs)
    if length is not None:
        return _as_np(_nd("softmax")(data, length, use_length=True, **kw))
    return _as_np(_nd("softmax")(data, use_length=use_length, **kw))


def masked_softmax(data, mask, axis=-1, temperature=1.0, normalize=True, **kwargs):
    """Softmax over the positions where ``mask`` is true (0 elsewhere)."""
    from .. import numpy as np
    m = np.array(mask) if not isinstance(mask, NDArray) else _np_view(mask)
    x = np.where(m, data / temperature, -1e18)
    y = softmax(x, axis=axis)
    return np.where(m, y, 0)


def masked_log_softmax(data, mask, axis=-1, temperature=1.0, normalize=True, **kwargs):
    from .. import numpy as np
    m = np.array(mask) if not isinstance(mask, NDArray) else _np_view(mask)
    x = np.where(m, data / temperature, -1e18)
    return np.where(m, log_softmax(x, axis=axis), -np.inf)  # noqa: F821


def reshape(a, newshape, reverse=False, order="C"):
    """Reshape with MXNet's np-extension codes: -1 infer, -2 copy the dim, -3 drop a dim of size 1,
    -4 copy all remaining dims, -5 merge two dims, -6 split a dim into the next two values."""
    a = _np_view(a) if not isinstance(a, ndarray) else a
    src = list(a.shape)
    codes = list(newshape) if isinstance(newshape, (list, tuple)) else [newshape]
    if reverse:
        src, codes = src[::-1], codes[::-1]
    out, i, j, infer = [], 0, 0, None
    while j < len(codes):
        c = codes[j]
        if c >= 0:
            out.append(c)
            i += 1
        elif c == -1:
            infer = len(out)
            out.append(-1)
            i += 1
        elif c == -2:
            out.append(src[i])
            i += 1
        elif c == -3:
            if src[i] != 1:
                raise MXNetError("npx.reshape: -3 needs a dimension of size 1, got {}".format(src[i]))
            i += 1
        elif c == -4:
            out.extend(src[i:])
            i = len(src)
        elif c == -5:
            out.append(src[i] * src[i + 1])
            i += 2
        elif c == -6:
            d1, d2 = codes[j + 1], codes[j + 2]
            if d1 == -1:
                d1 = src[i] // d2
            if d2 == -1:
                d2 = src[i] // d1
            out.extend([d1, d2])
            i += 1
            j += 2
        else:
            raise MXNetError("npx.reshape: invalid code {}".format(c))
        j += 1
    if reverse:
        out = out[::-1]
    return a.reshape(tuple(out))


def waitall():
    """Wait for all pending computation."""
    from .. import engine
    engine.wait_all()


def shape_array(data=None, out=None, name=None, **kwargs):
    """The shape of ``data`` as an int64 array."""
    from .. import numpy as np
    return np.array(list(data.shape), dtype="int64")


def nonzero(a):
    """Indices of non-zero elements as an (N, ndim) int64 array."""
    from .. import numpy as np
    return np.argwhere(a)  # noqa


def constraint_check(x, msg):
    """Raise ValueError(msg) unless all of ``x`` is true; returns a true 0-d array."""
    from .. import numpy as np
    if not bool(np.all(x)):
        raise ValueError(msg)
    return np.array(True, dtype=bool)


def save(file, arr):
    """Save an array, list or dict of arrays (np-shape records, as MXNet's npx.save)."""
    from ..ndarray import serialization as _s
    from ..util import atomic_write
    data = arr
    if isinstance(arr, NDArray):
        data = [arr]
    atomic_write(file, [_s._save_to_bytes(data, np_shape=True)])


def load(file):
    """Load arrays saved by ``npx.save`` / ``mx.nd.save`` as mx.np arrays."""
    from ..ndarray import serialization as _s
    res = _s.load(file)
    if isinstance(res, dict):
        return {k: _np_view(v) for k, v in res.items()}
    return [_np_view(v) for v in res]


def get_cuda_compute_capability(ctx):
    raise MXNetError("get_cuda_compute_capability: no CUDA device is available")


def check_call(ret):
    if ret != 0:
        raise MXNetError("call failed with code {}".format(ret))


def classproperty(func):
    class _CP:
        def __get__(self, obj, owner):
            return func(owner)
    return _CP()


def with_metaclass(meta, *bases):
    class metaclass(type):
        def __new__(cls, name, this_bases, d):
            return meta(name, bases, d)
    return type.__new__(metaclass, "temporary_class", (), {})


__all__ += ["softmax", "masked_softmax", "masked_log_softmax", "reshape", "shape_array", "nonzero",
            "constraint_check", "get_cuda_compute_capability", "check_call", "classproperty",
            "with_metaclass"]
