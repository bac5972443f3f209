"""Dynamic loss scaler for AMP."""
import logging

from ... import autograd as ag
from ... import ndarray as nd


class LossScaler(object):
    """Dynamic loss scaler for AMP.

    The scale starts at 2**16, is halved (for the next step) when the gradients overflow and
    doubled (up to 2**24) after 2000 steps without overflow.

    Properties
    ----------
    loss_scale : float
        The current loss scale
    """
    def __init__(self):
        self._loss_scale = 2.**16
        self._next_loss_scale = self._loss_scale
        self._max_loss_scale = 2.**24
        self._scale_seq_len = 2000
        self._unskipped = 0

    @property
    def loss_scale(self):
        return self._loss_scale

    def has_overflow(self, params):
        """Check the gradients of ``params`` (Gluon Parameters) for inf/nan and update the scale."""
        with ag.pause():
            grads = [p._grad[0] for p in params if p._grad is not None]
            finite = True
            for i in range(0, len(grads), 200):
                chunk = grads[i:i + 200]
                ok = nd.multi_all_finite(*chunk, num_arrays=len(chunk), init_output=True)
                finite = finite and bool(ok.asnumpy()[0])
        has_overflow = not finite
        self._loss_scale = self._next_loss_scale
        if has_overflow:
            self._next_loss_scale = self._loss_scale / 2.
            self._unskipped = 0
            logging.info("AMP: decreasing loss scale to %f", self._next_loss_scale)
        else:
            self._unskipped += 1
        if self._unskipped == self._scale_seq_len:
            self._unskipped = 0
            self._next_loss_scale = min(self._max_loss_scale, self._loss_scale * 2.)
            logging.info("AMP: increasing loss scale to %f", self._next_loss_scale)
        return has_overflow
