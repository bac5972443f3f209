"""``gluon.loss``: losses as HybridBlocks, as in MXNet 1.9.1.

A loss maps (prediction, label[, sample_weight]) to one value per sample: the element-wise loss is
multiplied by ``sample_weight`` (broadcast) and the scalar ``weight``, then averaged over every axis
except ``batch_axis``. Exceptions, as in MXNet: CTCLoss and TripletLoss sum instead of averaging,
CosineEmbeddingLoss returns (batch, 1) and PoissonNLLLoss averages everything to shape (1,).

The operator sequences follow MXNet's so that hybridized graphs, values and gradients agree
(e.g. the numerically stable ``relu(x) - x*z + softrelu(-|x|)`` form of sigmoid cross-entropy)."""
import numpy as np

from .. import ndarray, symbol
from ..base import numeric_types
from .block import HybridBlock

__all__ = ["Loss", "L2Loss", "L1Loss", "SigmoidBinaryCrossEntropyLoss", "SigmoidBCELoss",
           "SoftmaxCrossEntropyLoss", "SoftmaxCELoss", "KLDivLoss", "CTCLoss", "HuberLoss", "HingeLoss",
           "SquaredHingeLoss", "LogisticLoss", "TripletLoss", "PoissonNLLLoss", "CosineEmbeddingLoss",
           "SDMLLoss"]


def is_np_array():
    """Whether NumPy-array semantics are active (never, in neomx's MXNet 1.x API)."""
    return False


def _apply_weighting(F, loss, weight=None, sample_weight=None):
    """``loss * sample_weight`` (broadcast) ``* weight`` (a Python number)."""
    if sample_weight is not None:
        loss = F.broadcast_mul(loss, sample_weight)
    if weight is not None:
        if not isinstance(weight, numeric_types):
            raise AssertionError("weight must be a number")
        loss = loss * weight
    return loss


def _reshape_like(F, x, y):
    """``x`` reshaped to ``y``'s shape (labels given as (N,) for predictions (N, 1) etc.)."""
    if F is ndarray:
        return x.reshape(y.shape)
    return F.reshape_like(x, y)


class Loss(HybridBlock):
    """Base class of the losses: holds the scalar ``weight`` and the ``batch_axis``."""

    def __init__(self, weight, batch_axis, **kwargs):
        super().__init__(**kwargs)
        self._weight = weight
        self._batch_axis = batch_axis
        self._traced = {}     # which optional inputs are None -> cached graph (see forward)

    def forward(self, x, *args):
        """As HybridBlock.forward. The built-in element-wise losses, called on NDArrays without
        ``hybridize()``, run as one cached graph of their operators (traced once per pattern of
        given optional inputs): the values and gradients are those of the operator sequence
        (the same kernels), for one engine op and one tape node instead of one per operator."""
        if (self._active or type(self) not in _TRACEABLE or not isinstance(x, ndarray.NDArray)
                or not all(a is None or isinstance(a, ndarray.NDArray) for a in args)):
            return super().forward(x, *args)
        pattern = tuple(a is None for a in args)
        graph = self._traced.get(pattern)
        if graph is None:
            graph = self._traced[pattern] = self._trace(len(args), pattern)
        given = [x] + [a for a in args if a is not None]
        return graph(given, x.context)[0]

    def _trace(self, n_args, pattern):
        from .block import _CachedGraph
        names = ["data%d" % i for i in range(1 + pattern.count(False))]
        given = iter([symbol.var(n) for n in names])
        inputs = [next(given)] + [None if none else next(given) for none in pattern]
        with self.name_scope():
            out = self.hybrid_forward(symbol, *inputs)
        return _CachedGraph(out, names, {})

    def __repr__(self):
        return "{name}(batch_axis={axis}, w={w})".format(name=self.__class__.__name__, axis=self._batch_axis,
                                                          w=self._weight)

    def _mean(self, F, loss):
        """The per-sample mean: over every axis but ``batch_axis``."""
        return F.mean(loss, axis=self._batch_axis, exclude=True)

    def hybrid_forward(self, F, x, *args, **kwargs):
        """Override: the loss computation."""
        raise NotImplementedError


class L2Loss(Loss):
    """``weight/2 * (label - pred)**2``, averaged per sample."""

    def __init__(self, weight=1.0, batch_axis=0, **kwargs):
        super().__init__(weight, batch_axis, **kwargs)

    def hybrid_forward(self, F, pred, label, sample_weight=None):
        label = _reshape_like(F, label, pred)
        loss = F.square(label - pred)
        return self._mean(F, _apply_weighting(F, loss, self._weight / 2, sample_weight))


class L1Loss(Loss):
    """``|label - pred|``, averaged per sample."""

    def __init__(self, weight=None, batch_axis=0, **kwargs):
        super().__init__(weight, batch_axis, **kwargs)

    def hybrid_forward(self, F, pred, label, sample_weight=None):
        label = _reshape_like(F, label, pred)
        loss = F.abs(label - pred)
        return self._mean(F, _apply_weighting(F, loss, self._weight, sample_weight))


def _softrelu(F, x):
    return F.Activation(x, act_type="softrelu")


class SigmoidBinaryCrossEntropyLoss(Loss):
    """Binary cross-entropy of ``sigmoid(pred)`` (or of ``pred`` itself if ``from_sigmoid``) against
    labels in [0, 1]; ``pos_weight`` (broadcast) scales the positive term."""

    def __init__(self, from_sigmoid=False, weight=None, batch_axis=0, **kwargs):
        super().__init__(weight, batch_axis, **kwargs)
        self._from_sigmoid = from_sigmoid

    def hybrid_forward(self, F, pred, label, sample_weight=None, pos_weight=None):
        label = _reshape_like(F, label, pred)
        if not self._from_sigmoid:
            if pos_weight is None:
                # max(x, 0) - x*z + log(1 + exp(-|x|))
                loss = F.relu(pred) - pred * label + _softrelu(F, -F.abs(pred))
            else:
                # x - x*z + (1 + z*(pos_weight - 1)) * (log(1 + exp(-|x|)) + max(-x, 0))
                log_weight = 1 + F.broadcast_mul(pos_weight - 1, label)
                loss = pred - pred * label + log_weight * (_softrelu(F, -F.abs(pred)) + F.relu(-pred))
        else:
            eps = 1e-12
            if pos_weight is None:
                loss = -(F.log(pred + eps) * label + F.log(1.0 - pred + eps) * (1.0 - label))
            else:
                loss = -(F.broadcast_mul(F.log(pred + eps) * label, pos_weight)
                         + F.log(1.0 - pred + eps) * (1.0 - label))
        return self._mean(F, _apply_weighting(F, loss, self._weight, sample_weight))


SigmoidBCELoss = SigmoidBinaryCrossEntropyLoss


class SoftmaxCrossEntropyLoss(Loss):
    """``-sum(label * log_softmax(pred))`` along ``axis``; ``sparse_label``: labels are class
    indices (picked), otherwise distributions; ``from_logits``: ``pred`` already holds log-probabilities."""

    def __init__(self, axis=-1, sparse_label=True, from_logits=False, weight=None, batch_axis=0, **kwargs):
        super().__init__(weight, batch_axis, **kwargs)
        self._axis = axis
        self._sparse_label = sparse_label
        self._from_logits = from_logits

    def hybrid_forward(self, F, pred, label, sample_weight=None):
        if not self._from_logits:
            pred = F.log_softmax(pred, self._axis)
        if self._sparse_label:
            loss = -F.pick(pred, label, axis=self._axis, keepdims=True)
        else:
            label = _reshape_like(F, label, pred)
            loss = -F.sum(pred * label, axis=self._axis, keepdims=True)
        return self._mean(F, _apply_weighting(F, loss, self._weight, sample_weight))


SoftmaxCELoss = SoftmaxCrossEntropyLoss


class KLDivLoss(Loss):
    """``label * (log(label) - pred)`` with ``pred`` log-probabilities (``from_logits=True``) or
    logits turned into them by ``log_softmax`` along ``axis``."""

    def __init__(self, from_logits=True, axis=-1, weight=None, batch_axis=0, **kwargs):
        super().__init__(weight, batch_axis, **kwargs)
        self._from_logits = from_logits
        self._axis = axis

    def hybrid_forward(self, F, pred, label, sample_weight=None):
        if not self._from_logits:
            pred = F.log_softmax(pred, self._axis)
        loss = label * (F.log(label + 1e-12) - pred)
        loss = _apply_weighting(F, loss, self._weight, sample_weight)
        return F.sum(loss, axis=self._batch_axis, exclude=True)     # MXNet 1.9.1 sums here


class CTCLoss(Loss):
    """Connectionist temporal classification loss (the CTCLoss operator with the blank label last);
    ``pred`` (N, T, C) or (T, N, C), ``label`` (N, L) or (L, N) padded with -1; per-sample sums."""

    def __init__(self, layout="NTC", label_layout="NT", weight=None, **kwargs):
        if layout not in ("NTC", "TNC"):
            raise AssertionError("Only 'NTC' and 'TNC' layouts for pred are supported. Got: %s" % layout)
        if label_layout not in ("NT", "TN"):
            raise AssertionError("Only 'NT' and 'TN' layouts for label are supported. Got: %s" % label_layout)
        self._layout = layout
        self._label_layout = label_layout
        super().__init__(weight, label_layout.find("N"), **kwargs)

    def hybrid_forward(self, F, pred, label, pred_lengths=None, label_lengths=None, sample_weight=None):
        if self._layout == "NTC":
            pred = F.swapaxes(pred, 0, 1)
        if self._batch_axis == 1:
            label = F.swapaxes(label, 0, 1)
        loss = F.CTCLoss(pred, label, pred_lengths, label_lengths, use_data_lengths=pred_lengths is not None,
                         use_label_lengths=label_lengths is not None, blank_label="last")
        return _apply_weighting(F, loss, self._weight, sample_weight)


class HuberLoss(Loss):
    """Smoothed L1: ``0.5/rho * d**2`` for ``|d| <= rho``, ``|d| - rho/2`` beyond."""

    def __init__(self, rho=1, weight=None, batch_axis=0, **kwargs):
        super().__init__(weight, batch_axis, **kwargs)
        self._rho = rho

    def hybrid_forward(self, F, pred, label, sample_weight=None):
        label = _reshape_like(F, label, pred)
        loss = F.abs(label - pred)
        loss = F.where(loss > self._rho, loss - 0.5 * self._rho, (0.5 / self._rho) * F.square(loss))
        return self._mean(F, _apply_weighting(F, loss, self._weight, sample_weight))


class HingeLoss(Loss):
    """``max(0, margin - pred * label)`` with labels in {-1, 1}."""

    def __init__(self, margin=1, weight=None, batch_axis=0, **kwargs):
        super().__init__(weight, batch_axis, **kwargs)
        self._margin = margin

    def hybrid_forward(self, F, pred, label, sample_weight=None):
        label = _reshape_like(F, label, pred)
        loss = F.relu(self._margin - pred * label)
        return self._mean(F, _apply_weighting(F, loss, self._weight, sample_weight))


class SquaredHingeLoss(Loss):
    """``max(0, margin - pred * label)**2`` with labels in {-1, 1}."""

    def __init__(self, margin=1, weight=None, batch_axis=0, **kwargs):
        super().__init__(weight, batch_axis, **kwargs)
        self._margin = margin

    def hybrid_forward(self, F, pred, label, sample_weight=None):
        label = _reshape_like(F, label, pred)
        loss = F.square(F.relu(self._margin - pred * label))
        return self._mean(F, _apply_weighting(F, loss, self._weight, sample_weight))


class LogisticLoss(Loss):
    """``log(1 + exp(-pred * label))`` for ``label_format='signed'`` labels {-1, 1}, or the
    sigmoid cross-entropy for ``'binary'`` labels {0, 1}."""

    def __init__(self, weight=None, batch_axis=0, label_format="signed", **kwargs):
        super().__init__(weight, batch_axis, **kwargs)
        self._label_format = label_format
        if label_format not in ("signed", "binary"):
            raise ValueError("label_format can only be signed or binary, recieved %s." % label_format)

    def hybrid_forward(self, F, pred, label, sample_weight=None):
        label = _reshape_like(F, label, pred)
        if self._label_format == "signed":
            label = (label + 1.0) / 2.0     # {-1, 1} -> {0, 1}
        loss = F.relu(pred) - pred * label + _softrelu(F, -F.abs(pred))
        return self._mean(F, _apply_weighting(F, loss, self._weight, sample_weight))


class TripletLoss(Loss):
    """``max(0, |pred - positive|**2 - |pred - negative|**2 + margin)``, the squared distances
    summed over the non-batch axes."""

    def __init__(self, margin=1, weight=None, batch_axis=0, **kwargs):
        super().__init__(weight, batch_axis, **kwargs)
        self._margin = margin

    def hybrid_forward(self, F, pred, positive, negative):
        positive = _reshape_like(F, positive, pred)
        negative = _reshape_like(F, negative, pred)
        loss = F.sum(F.square(positive - pred) - F.square(negative - pred), axis=self._batch_axis, exclude=True)
        loss = F.relu(loss + self._margin)
        return _apply_weighting(F, loss, self._weight, None)


class PoissonNLLLoss(Loss):
    """Poisson negative log-likelihood ``exp(pred) - target*pred`` (``from_logits``) or
    ``pred - target*log(pred + epsilon)``; ``compute_full`` adds Stirling's approximation of
    ``log(target!)`` for targets > 1. Averaged over everything: shape (1,)."""

    def __init__(self, weight=None, from_logits=True, batch_axis=0, compute_full=False, **kwargs):
        super().__init__(weight, batch_axis, **kwargs)
        self._from_logits = from_logits
        self._compute_full = compute_full

    def hybrid_forward(self, F, pred, target, sample_weight=None, epsilon=1e-08):
        target = _reshape_like(F, target, pred)
        if self._from_logits:
            loss = F.exp(pred) - target * pred
        else:
            loss = pred - target * F.log(pred + epsilon)
        if self._compute_full:
            # Stirling's log(target!) for target > 1, zero otherwise. MXNet evaluates it at every
            # target and masks afterwards, so a zero target gives 0 * log(0) = nan there; the
            # formula is evaluated at max(target, 1) here instead (same value where it is used).
            safe = F.maximum(target, 1)
            stirling = safe * F.log(safe) - safe + 0.5 * F.log(2 * safe * np.pi)
            loss = loss + stirling * (target > 1)
        loss = _apply_weighting(F, loss, self._weight, sample_weight)
        return F.mean(loss)


class CosineEmbeddingLoss(Loss):
    """``1 - cos(input1, input2)`` for label 1, ``max(0, cos - margin)`` for label -1; cosines along
    the last axis; output (batch, 1)."""

    def __init__(self, weight=None, batch_axis=0, margin=0, **kwargs):
        super().__init__(weight, batch_axis, **kwargs)
        self._margin = margin

    def hybrid_forward(self, F, input1, input2, label, sample_weight=None):
        input1 = _reshape_like(F, input1, input2)
        label = label.reshape((-1, 1))
        cos_sim = self._cosine_similarity(F, input1, input2)
        cos_sim_a = (1 - cos_sim) * (label == 1)
        zero = F.array([0], dtype=cos_sim.dtype) if F is ndarray else F.zeros((1, 1))
        # MXNet passes a meaningless axis=1 here (kept as an attribute in its graph)
        cos_sim_b = F.broadcast_maximum(zero, (label == -1) * (cos_sim - self._margin))
        loss = cos_sim_a + cos_sim_b
        return _apply_weighting(F, loss, self._weight, sample_weight)

    @staticmethod
    def _cosine_similarity(F, x, y, axis=-1):
        x_norm = F.norm(x, axis=axis).reshape((-1, 1))
        y_norm = F.norm(y, axis=axis).reshape((-1, 1))
        x_dot_y = F.sum(x * y, axis=axis).reshape((-1, 1))
        eps = F.array([1e-12], dtype=x.dtype) if F is ndarray else F.full((1, 1), 1e-12)
        return x_dot_y / F.broadcast_maximum(x_norm * y_norm, eps)


class SDMLLoss(Loss):
    """Smoothed deep metric learning loss for paired batches x1[i] ~ x2[i] (Bonadiman et al. 2019):
    KL divergence between softmax(-squared distances) of all pairs and smoothed identity labels.
    Needs concrete shapes: imperative only, as in MXNet."""

    def __init__(self, smoothing_parameter=0.3, weight=1.0, batch_axis=0, **kwargs):
        super().__init__(weight, batch_axis, **kwargs)
        self.kl_loss = KLDivLoss(from_logits=True)
        self.smoothing_parameter = smoothing_parameter

    def _compute_distances(self, F, x1, x2):
        if x1.shape != x2.shape:
            raise AssertionError("SDMLLoss: x1 %s and x2 %s must have the same shape" % (x1.shape, x2.shape))
        n, dim = x1.shape
        a = x1.expand_dims(1).broadcast_to((n, n, dim))
        b = x2.expand_dims(0).broadcast_to((n, n, dim))
        return ((a - b) ** 2).sum(axis=2)

    def _compute_labels(self, F, batch_size):
        gold = F.eye(batch_size)
        s = self.smoothing_parameter
        return gold * (1 - s) + (1 - gold) * s / (batch_size - 1)

    def hybrid_forward(self, F, x1, x2):
        batch_size = x1.shape[0]
        labels = self._compute_labels(F, batch_size)
        distances = self._compute_distances(F, x1, x2)
        log_probabilities = F.log_softmax(-distances, axis=1)
        return self.kl_loss(log_probabilities, labels.as_in_context(distances.context))


# Losses whose hybrid_forward is a fixed operator sequence (traced by Loss.forward when not
# hybridized); user subclasses and the others keep the imperative path.
_TRACEABLE = frozenset((L2Loss, L1Loss, SigmoidBinaryCrossEntropyLoss, SoftmaxCrossEntropyLoss,
                        KLDivLoss, HuberLoss, HingeLoss, SquaredHingeLoss, LogisticLoss))
