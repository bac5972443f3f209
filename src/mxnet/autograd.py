"""Autograd state: whether imperative ops are recorded and run in training mode.

The tape that records ops and walks the registry's backward rules lands with issue "autograd and
Gluon"; this module already owns the flags the imperative front consults.
"""
import threading

__all__ = ["record", "pause", "train_mode", "predict_mode", "is_recording", "is_training",
           "set_recording", "set_training"]

_state = threading.local()


def is_recording():
    """Whether operations are being recorded for gradient computation."""
    return getattr(_state, "recording", False)


def is_training():
    """Whether operations run in training mode (Dropout active, BatchNorm uses batch stats)."""
    return getattr(_state, "training", False)


def set_recording(is_recording):  # noqa: D401 - MXNet's name
    """Set recording state; returns the previous state."""
    prev = is_recording()
    _state.recording = bool(is_recording)
    return prev


def set_training(train_mode):
    """Set training state; returns the previous state."""
    prev = is_training()
    _state.training = bool(train_mode)
    return prev


class _RecordingStateScope:
    def __init__(self, is_record, train_mode):
        self._enter_record = is_record
        self._enter_train = train_mode
        self._prev_record = None
        self._prev_train = None

    def __enter__(self):
        if self._enter_record is not None:
            self._prev_record = set_recording(self._enter_record)
        if self._enter_train is not None:
            self._prev_train = set_training(self._enter_train)
        return self

    def __exit__(self, ptype, value, trace):
        if self._enter_record is not None:
            set_recording(self._prev_record)
        if self._enter_train is not None:
            set_training(self._prev_train)


def record(train_mode=True):
    """Scope in which operations are recorded (and run in training mode by default)."""
    return _RecordingStateScope(True, train_mode)


def pause(train_mode=False):
    """Scope in which recording is paused."""
    return _RecordingStateScope(False, train_mode)


def train_mode():
    """Scope running operations in training mode."""
    return _RecordingStateScope(None, True)


def predict_mode():
    """Scope running operations in inference mode."""
    return _RecordingStateScope(None, False)
