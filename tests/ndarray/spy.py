"""A spy on one of imperative.py's paths: the names of the operators it handled."""
from mxnet.ndarray import imperative


def ops_through(monkeypatch, attr, op_arg=0, handled=bool):
    """Replace ``imperative.<attr>`` by a wrapper recording ``args[op_arg].name`` whenever
    ``handled(result)``; returns the list it fills."""
    names = []
    real = getattr(imperative, attr)

    def spy(*args):
        result = real(*args)
        if handled(result):
            names.append(args[op_arg].name)
        return result

    monkeypatch.setattr(imperative, attr, spy)
    return names
