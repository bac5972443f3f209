"""The seed's NDArray snippets: lazy imperative arrays on a device."""
import numpy as np

import mxnet as mx

a = mx.nd.zeros((10,), ctx=mx.cpu())
b = mx.nd.ones((10,), ctx=mx.cpu())
c = (a + b) / 10          # returns at once; the engine computes it
d = c + 1
print("d =", d.asnumpy())  # asnumpy() waits for the result

x = mx.nd.array(np.arange(12).reshape(3, 4))
x[1:2] = -1               # basic slices on axis 0 are views
print("x =", x)
print("sum over axis 1:", x.sum(axis=1).asnumpy())
print("x . x^T =", mx.nd.dot(x, x.T).asnumpy())
assert np.allclose(d.asnumpy(), 1.1)
print("ok")
