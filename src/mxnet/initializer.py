"""Weight initializers: ``mx.init.Xavier()``, ``mx.init.Uniform(0.1)``, ...

An initializer is called as ``init(desc, arr)`` and fills the NDArray ``arr`` in place. ``desc``
is an :class:`InitDesc`: the parameter's name plus its symbol attributes. As in MXNet 1.9.1:

- an ``__init__`` attribute (JSON such as ``'["zero", {}]'``, set by ``mx.sym.Variable(init=...)``
  or by operators for their auxiliary states) names the initializer to use, whose
  ``_init_weight`` then fills the array, whatever the name;
- otherwise the name's suffix decides: ``weight`` -> ``_init_weight`` (the random part),
  ``bias``/``beta``/``min`` -> 0, ``gamma``/``max`` -> 1; other names raise ValueError;
- a plain ``str`` name (the deprecated form) also knows ``moving_mean``/``moving_inv_var``/
  ``moving_avg`` (0), ``moving_var`` (1) and the ``upsampling*``/``stn_loc*`` special cases.

Random initializers draw through ``mx.nd.random`` on the array's context, so ``mx.random.seed``
makes them reproducible. ``Initializer.dumps()`` gives the JSON form (``'["normal", {"sigma":
0.5}]'``) that ``mx.init.create`` (and the ``__init__`` attribute) accept.
"""
import json
import logging
import re
import warnings
from math import sqrt

import numpy as np

from .base import string_types
from .ndarray import NDArray, load
from . import ndarray

__all__ = ["InitDesc", "Initializer", "register", "alias", "create", "Load", "Mixed", "Zero",
           "One", "Constant", "Uniform", "Normal", "Orthogonal", "Xavier", "MSRAPrelu", "Bilinear",
           "LSTMBias", "FusedRNN"]


class InitDesc(str):
    """A parameter name that also carries ``attrs`` (the symbol attributes of the variable, e.g.
    ``{'__init__': '["zero", {}]'}``) and ``global_init`` (the initializer to fall back to)."""

    def __new__(cls, name, attrs=None, global_init=None):
        ret = super(InitDesc, cls).__new__(cls, name)
        ret.attrs = attrs or {}
        ret.global_init = global_init
        return ret


# -- registry: name -> class, and create() from a name, a JSON string or an instance -------------
_REGISTRY = {}


def _register_as(klass, name):
    name = name.lower()
    old = _REGISTRY.get(name)
    if old is not None and old is not klass:
        warnings.warn("New initializer {}.{} registered with name {} is overriding existing "
                      "initializer {}.{}".format(klass.__module__, klass.__name__, name,
                                                 old.__module__, old.__name__), UserWarning,
                      stacklevel=3)
    _REGISTRY[name] = klass


def register(klass):
    """Register an ``Initializer`` subclass under its lower-cased class name, so that
    ``mx.init.create(name)`` and ``'["name", {...}]'`` attributes find it. Returns ``klass``.

    Example::

        @mx.init.register
        class MyInit(mx.init.Initializer):
            def _init_weight(self, _, arr):
                arr[:] = 0.1
    """
    assert issubclass(klass, Initializer), "Can only register subclass of Initializer"
    _register_as(klass, klass.__name__)
    return klass


def alias(*aliases):
    """Class decorator registering extra names for an initializer (``@alias('zeros')``)."""
    def reg(klass):
        assert issubclass(klass, Initializer), "Can only register subclass of Initializer"
        for name in aliases:
            _register_as(klass, name)
        return klass
    return reg


def create(*args, **kwargs):
    """An initializer from an instance (returned as is), a registered name plus constructor
    arguments, a JSON string ``'["name", {kwargs}]'`` or ``'{"initializer": name, ...}'``, or a
    dict ``{'initializer': name, ...}``."""
    if args:
        name, args = args[0], args[1:]
    else:
        name = kwargs.pop("initializer")
    if isinstance(name, Initializer):
        assert not args and not kwargs, \
            "initializer is already an instance. Additional arguments are invalid"
        return name
    if isinstance(name, dict):
        return create(**name)
    assert isinstance(name, string_types), "initializer must be of string type"
    if name.startswith("["):
        assert not args and not kwargs
        name, kwargs = json.loads(name)
        return create(name, **kwargs)
    if name.startswith("{"):
        assert not args and not kwargs
        return create(**json.loads(name))
    klass = _REGISTRY.get(name.lower())
    assert klass is not None, \
        "{} is not registered. Please register with initializer.register first".format(name.lower())
    return klass(*args, **kwargs)


def _random_fill(kind, a, b, arr):
    """Fill ``arr`` with uniform [a, b) or normal(a, b) draws from ``mx.nd.random`` on its
    context."""
    fn = ndarray.random.uniform if kind == "uniform" else ndarray.random.normal
    dt = np.dtype(arr.dtype)
    dtype = dt.name if dt.kind == "f" else "float32"
    fn(a, b, shape=arr.shape, dtype=dtype, ctx=arr.context, out=arr)


class Initializer(object):
    """Base class of initializers; subclasses implement ``_init_weight(name, arr)``.

    The constructor's keyword arguments are kept for ``dumps`` (and equality)."""

    def __init__(self, **kwargs):
        self._kwargs = kwargs
        self._verbose = False
        self._print_func = None

    def set_verbosity(self, verbose=False, print_func=None):
        """Log each initialized array with ``print_func(arr)`` (default: its norm divided by
        ``sqrt(size)``). Returns self."""
        self._verbose = verbose
        if print_func is None:
            def asum_stat(x):
                """``|x| / sqrt(size(x))``."""
                return str((ndarray.norm(x) / sqrt(x.size)).asscalar())
            print_func = asum_stat
        self._print_func = print_func
        return self

    def _verbose_print(self, desc, init, arr):
        if self._verbose and self._print_func:
            logging.info("Initialized %s as %s: %s", desc, init, self._print_func(arr))

    def dumps(self):
        """This initializer as JSON: ``'["classname", {kwargs}]'``."""
        return json.dumps([self.__class__.__name__.lower(), self._kwargs])

    def __call__(self, desc, arr):
        """Fill ``arr`` (NDArray) according to ``desc`` (an :class:`InitDesc`; a plain ``str``
        takes the deprecated name-based path)."""
        if not isinstance(desc, InitDesc):
            self._legacy_init(desc, arr)
            return
        if desc.global_init is None:
            desc.global_init = self
        init = desc.attrs.get("__init__", "")
        if init:
            create(init)._init_weight(desc, arr)
            self._verbose_print(desc, init, arr)
            return
        # Order matters: 'weight' is tested before 'weight_quantize', as in MXNet.
        for suffix, method in (("weight", self._init_weight), ("bias", self._init_bias),
                               ("gamma", self._init_gamma), ("beta", self._init_beta),
                               ("min", self._init_zero), ("max", self._init_one),
                               ("weight_quantize", self._init_quantized_weight),
                               ("bias_quantize", self._init_quantized_bias)):
            if desc.endswith(suffix):
                method(desc, arr)
                self._verbose_print(desc, suffix, arr)
                return
        self._init_default(desc, arr)

    def _legacy_init(self, name, arr):
        """The deprecated ``init(str, NDArray)`` form: dispatch on the name."""
        warnings.warn("\033[91mCalling initializer with init(str, NDArray) has been deprecated."
                      "please use init(mx.init.InitDesc(...), NDArray) instead.\033[0m",
                      DeprecationWarning, stacklevel=3)
        if not isinstance(name, string_types):
            raise TypeError("name must be string")
        if not isinstance(arr, NDArray):
            raise TypeError("arr must be NDArray")
        if name.startswith("upsampling"):
            self._init_bilinear(name, arr)
        elif name.startswith("stn_loc") and name.endswith("weight"):
            self._init_zero(name, arr)
        elif name.startswith("stn_loc") and name.endswith("bias"):
            self._init_loc_bias(name, arr)
        else:
            for suffix, method in (("bias", self._init_bias), ("gamma", self._init_gamma),
                                   ("beta", self._init_beta), ("weight", self._init_weight),
                                   ("moving_mean", self._init_zero),
                                   ("moving_var", self._init_one),
                                   ("moving_inv_var", self._init_zero),
                                   ("moving_avg", self._init_zero), ("min", self._init_zero),
                                   ("max", self._init_one)):
                if name.endswith(suffix):
                    method(name, arr)
                    return
            self._init_default(name, arr)

    def _init_bilinear(self, _, arr):
        arr[:] = _bilinear_kernel(arr.shape)

    def _init_loc_bias(self, _, arr):
        assert arr.shape[0] == 6
        arr[:] = np.array([1.0, 0, 0, 0, 1.0, 0])

    def _init_zero(self, _, arr):
        arr[:] = 0.0

    def _init_one(self, _, arr):
        arr[:] = 1.0

    def _init_bias(self, _, arr):
        arr[:] = 0.0

    def _init_quantized_bias(self, _, arr):
        arr[:] = 0

    def _init_gamma(self, _, arr):
        arr[:] = 1.0

    def _init_beta(self, _, arr):
        arr[:] = 0.0

    def _init_weight(self, name, arr):
        """Fill a weight; subclasses implement it."""
        raise NotImplementedError("Must override it")

    def _init_quantized_weight(self, _, arr):
        # MXNet draws a single value in [-127, 127) and fills the whole array with it.
        value = ndarray.random.randint(-127, 127, dtype="int32", ctx=arr.context).asnumpy()
        arr[:] = value.astype(np.int8)

    def _init_default(self, name, _):
        raise ValueError(
            "Unknown initialization pattern for %s. Default initialization is now limited to "
            '"weight", "bias", "gamma" (1.0), and "beta" (0.0).Please use '
            "mx.sym.Variable(init=mx.init.*) to set initialization pattern" % name)

    def __eq__(self, other):
        if not isinstance(other, Initializer):
            return NotImplemented
        return type(self) is type(other) and self._kwargs == other._kwargs

    __hash__ = object.__hash__


def _bilinear_kernel(shape):
    """The bilinear upsampling filter of ``shape`` (..., kh, kw), as a NumPy float32 array."""
    f = np.ceil(shape[3] / 2.)
    c = (2 * f - 1 - f % 2) / (2. * f)
    i = np.arange(int(np.prod(shape)))
    x = i % shape[3]
    y = (i // shape[3]) % shape[2]
    w = (1 - np.abs(x / f - c)) * (1 - np.abs(y / f - c))
    return w.astype(np.float32).reshape(shape)


class Load(object):
    """Initialize parameters from a ``.params`` file or a dict of name -> NDArray; the ``arg:`` /
    ``aux:`` prefixes of saved names are dropped. Names not found go to ``default_init``."""

    def __init__(self, param, default_init=None, verbose=False):
        if isinstance(param, str):
            param = load(param)
        assert isinstance(param, dict)
        self.param = {}
        for name, arr in param.items():
            if name.startswith("arg:") or name.startswith("aux:"):
                self.param[name[4:]] = arr
            else:
                self.param[name] = arr
        self.default_init = default_init
        self.verbose = verbose

    def __call__(self, name, arr):
        if name in self.param:
            assert arr.shape == self.param[name].shape, \
                "Parameter %s cannot be initialized from loading. Shape mismatch, target %s vs " \
                "loaded %s" % (name, str(arr.shape), self.param[name].shape)
            arr[:] = self.param[name]
            if self.verbose:
                logging.info("Initialized %s by loading", name)
        else:
            assert self.default_init is not None, \
                "Cannot Initialize %s. Not found in loaded param and no default Initializer " \
                "is provided." % name
            self.default_init(name, arr)
            if self.verbose:
                logging.info("Initialized %s by default", name)


class Mixed(object):
    """Initialize each parameter with the initializer of the first regular expression in
    ``patterns`` that matches its name (``re.match``)."""

    def __init__(self, patterns, initializers):
        assert len(patterns) == len(initializers)
        self.map = list(zip([re.compile(p) for p in patterns], initializers))

    def __call__(self, name, arr):
        for prog, init in self.map:
            if prog.match(name):
                init(name, arr)
                return
        raise ValueError("Parameter name %s did not match any pattern. Consider add a \".*\" "
                         "pattern at the and with default Initializer." % name)


@register
@alias("zeros")
class Zero(Initializer):
    """Fill weights with 0."""

    def __init__(self):
        super(Zero, self).__init__()

    def _init_weight(self, _, arr):
        arr[:] = 0


@register
@alias("ones")
class One(Initializer):
    """Fill weights with 1."""

    def __init__(self):
        super(One, self).__init__()

    def _init_weight(self, _, arr):
        arr[:] = 1


@register
class Constant(Initializer):
    """Fill weights with ``value``: a number, or an array broadcastable to the weight."""

    def __init__(self, value):
        super(Constant, self).__init__(value=value)
        self.value = value

    def _init_weight(self, _, arr):
        arr[:] = self.value

    def dumps(self):
        val = self._kwargs["value"]
        if not np.isscalar(val):
            self._kwargs["value"] = val.tolist() if isinstance(val, np.ndarray) else \
                val.asnumpy().tolist()
        return json.dumps([self.__class__.__name__.lower(), self._kwargs])


@register
class Uniform(Initializer):
    """Fill weights with uniform draws from [-scale, scale)."""

    def __init__(self, scale=0.07):
        super(Uniform, self).__init__(scale=scale)
        self.scale = scale

    def _init_weight(self, _, arr):
        _random_fill("uniform", -self.scale, self.scale, arr)


@register
class Normal(Initializer):
    """Fill weights with draws from a normal distribution of mean 0 and deviation ``sigma``."""

    def __init__(self, sigma=0.01):
        super(Normal, self).__init__(sigma=sigma)
        self.sigma = sigma

    def _init_weight(self, _, arr):
        _random_fill("normal", 0, self.sigma, arr)


@register
class Orthogonal(Initializer):
    """Fill weights with a scaled orthogonal matrix (https://arxiv.org/abs/1312.6120): the
    weight, viewed as (shape[0], prod(shape[1:])), gets the orthonormal factor of the SVD of a
    random matrix ('uniform' on [-1, 1) or 'normal'), times ``scale``."""

    def __init__(self, scale=1.414, rand_type="uniform"):
        super(Orthogonal, self).__init__(scale=scale, rand_type=rand_type)
        self.scale = scale
        self.rand_type = rand_type

    def _init_weight(self, _, arr):
        nout = arr.shape[0]
        nin = int(np.prod(arr.shape[1:]))
        if self.rand_type == "uniform":
            tmp = ndarray.random.uniform(-1.0, 1.0, shape=(nout, nin), ctx=arr.context).asnumpy()
        elif self.rand_type == "normal":
            tmp = ndarray.random.normal(0.0, 1.0, shape=(nout, nin), ctx=arr.context).asnumpy()
        else:
            raise ValueError("Unknown random type {!r} (use 'uniform' or 'normal')".format(
                self.rand_type))
        u, _, v = np.linalg.svd(tmp, full_matrices=False)
        res = u if u.shape == tmp.shape else v
        arr[:] = self.scale * res.reshape(arr.shape)


@register
class Xavier(Initializer):
    """Xavier/Glorot initialization: draws of scale ``sqrt(magnitude / factor)``, uniform on
    [-scale, scale] (``rnd_type='uniform'``) or normal with deviation scale ('gaussian').

    For a weight of shape (out, in, k1, k2, ...), ``fan_in = in * k1 * k2 ...`` and
    ``fan_out = out * k1 * k2 ...``; ``factor`` is their mean ('avg'), ``fan_in`` ('in') or
    ``fan_out`` ('out').

    Parameters
    ----------
    rnd_type : {'uniform', 'gaussian'}
        The distribution.
    factor_type : {'avg', 'in', 'out'}
        Which fan to divide by.
    magnitude : float
        The scale numerator.
    """

    def __init__(self, rnd_type="uniform", factor_type="avg", magnitude=3):
        super(Xavier, self).__init__(rnd_type=rnd_type, factor_type=factor_type,
                                     magnitude=magnitude)
        self.rnd_type = rnd_type
        self.factor_type = factor_type
        self.magnitude = float(magnitude)

    def _init_weight(self, name, arr):
        shape = arr.shape
        if len(shape) < 2:
            raise ValueError("Xavier initializer cannot be applied to vector {0}. It requires at"
                             " least 2D.".format(name))
        hw_scale = np.prod(shape[2:]) if len(shape) > 2 else 1.
        fan_in, fan_out = shape[1] * hw_scale, shape[0] * hw_scale
        if self.factor_type == "avg":
            factor = (fan_in + fan_out) / 2.0
        elif self.factor_type == "in":
            factor = fan_in
        elif self.factor_type == "out":
            factor = fan_out
        else:
            raise ValueError("Incorrect factor type")
        scale = np.sqrt(self.magnitude / factor)
        if self.rnd_type == "uniform":
            _random_fill("uniform", -scale, scale, arr)
        elif self.rnd_type == "gaussian":
            _random_fill("normal", 0, scale, arr)
        else:
            raise ValueError("Unknown random type")


@register
class MSRAPrelu(Xavier):
    """He/MSRA initialization for (P)ReLU networks (https://arxiv.org/abs/1502.01852): Xavier
    'gaussian' with ``magnitude = 2 / (1 + slope**2)``."""

    def __init__(self, factor_type="avg", slope=0.25):
        magnitude = 2. / (1 + slope ** 2)
        super(MSRAPrelu, self).__init__("gaussian", factor_type, magnitude)
        self._kwargs = {"factor_type": factor_type, "slope": slope}


@register
class Bilinear(Initializer):
    """Fill 4-D weights with a bilinear upsampling filter (for Deconvolution upsampling)."""

    def __init__(self):
        super(Bilinear, self).__init__()

    def _init_weight(self, _, arr):
        arr[:] = _bilinear_kernel(arr.shape)


@register
class LSTMBias(Initializer):
    """LSTM biases: 0 except the forget gate's (the second quarter), set to ``forget_bias``."""

    def __init__(self, forget_bias=1.0):
        super(LSTMBias, self).__init__(forget_bias=forget_bias)
        self.forget_bias = forget_bias

    def _init_weight(self, name, arr):
        arr[:] = 0.0
        num_hidden = int(arr.shape[0] / 4)
        arr[num_hidden:2 * num_hidden] = self.forget_bias


@register
class FusedRNN(Initializer):
    """Initializer of the packed parameter vector of fused RNN layers (``mx.rnn.FusedRNNCell``):
    unpacks it, initializes each piece with ``init`` (or the global initializer), sets LSTM
    forget-gate biases to ``forget_bias``, and packs it back. Needs ``mxnet.rnn``."""

    def __init__(self, init, num_hidden, num_layers, mode, bidirectional=False, forget_bias=1.0):
        if isinstance(init, string_types):
            klass, kwargs = json.loads(init)
            init = _REGISTRY[klass.lower()](**kwargs)
        super(FusedRNN, self).__init__(init=init.dumps() if init is not None else None,
                                       num_hidden=num_hidden, num_layers=num_layers, mode=mode,
                                       bidirectional=bidirectional, forget_bias=forget_bias)
        self._init = init
        self._num_hidden = num_hidden
        self._num_layers = num_layers
        self._mode = mode
        self._bidirectional = bidirectional
        self._forget_bias = forget_bias

    def _init_weight(self, desc, arr):  # pylint: disable=arguments-differ
        try:
            from .rnn import rnn_cell
        except ImportError:
            raise NotImplementedError("FusedRNN initializer needs mxnet.rnn (FusedRNNCell), "
                                      "which neomx does not provide yet") from None
        cell = rnn_cell.FusedRNNCell(self._num_hidden, self._num_layers, self._mode,
                                     self._bidirectional, forget_bias=self._forget_bias, prefix="")
        args = cell.unpack_weights({"parameters": arr})
        for name in args:
            arg_desc = InitDesc(name, global_init=desc.global_init)
            if self._mode == "lstm" and name.endswith("_f_bias"):
                args[name][:] = self._forget_bias
            elif self._init is None:
                desc.global_init(arg_desc, args[name])
            else:
                self._init(arg_desc, args[name])
        arr[:] = cell.pack_weights(args)["parameters"]
