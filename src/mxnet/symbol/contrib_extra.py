"""Python functions of MXNet's ``mx.sym.contrib`` over the AdamW kernels: ``adamw_update`` and
``mp_adamw_update`` (a scalar ``rescale_grad`` becomes a (1,) ``full`` symbol)."""

__all__ = ["adamw_update", "mp_adamw_update", "rand_zipfian"]


def _sym():
    from .. import symbol
    return symbol


def _rescale(rescale_grad):
    sym = _sym()
    if isinstance(rescale_grad, sym.Symbol):
        return rescale_grad
    return sym.full(shape=(1,), val=rescale_grad)


def _extra(out, name, kwargs):
    if out is not None:
        kwargs["out"] = out
    kwargs["name"] = name
    return kwargs


def adamw_update(weight, grad, mean, var, rescale_grad, lr, eta, beta1=0.9, beta2=0.999, epsilon=1e-8, wd=0,
                 clip_gradient=-1, out=None, name=None, **kwargs):
    """AdamW update symbol (see ``mx.sym._internal._adamw_update``)."""
    return _sym()._internal._adamw_update(
        weight=weight, grad=grad, mean=mean, var=var, rescale_grad=_rescale(rescale_grad), lr=lr, eta=eta,
        beta1=beta1, beta2=beta2, epsilon=epsilon, wd=wd, clip_gradient=clip_gradient,
        **_extra(out, name, kwargs))


def mp_adamw_update(weight, grad, mean, var, weight32, rescale_grad, lr, eta, beta1=0.9, beta2=0.999,
                    epsilon=1e-8, wd=0, clip_gradient=-1, out=None, name=None, **kwargs):
    """Mixed-precision AdamW update symbol (float32 master copy ``weight32``)."""
    return _sym()._internal._mp_adamw_update(
        weight=weight, grad=grad, mean=mean, var=var, weight32=weight32, rescale_grad=_rescale(rescale_grad),
        lr=lr, eta=eta, beta1=beta1, beta2=beta2, epsilon=epsilon, wd=wd, clip_gradient=clip_gradient,
        **_extra(out, name, kwargs))


def rand_zipfian(true_classes, num_sampled, range_max):
    """Symbolic ``mx.nd.contrib.rand_zipfian``: (samples, expected_count_true,
    expected_count_sampled) as three Symbols."""
    from ..ndarray.contrib_extra import zipfian
    return zipfian(_sym(), true_classes, num_sampled, range_max)


def _install(module):
    """Expose the functions in ``mx.sym.contrib``."""
    for n in __all__:
        setattr(module, n, globals()[n])
        getattr(module, n).__module__ = "mxnet.symbol.contrib"
