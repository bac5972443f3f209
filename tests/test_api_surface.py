"""API-surface meta-test: every public name of MXNet 1.9.1's Python modules (and every member of
its classes), as listed in tests/fixtures/spec/mxnet-1.9.1-api.json, exists here too -- except
the few listed below, each with the reason it is left out."""
import importlib
import json
import os

import pytest

SPEC_PATH = os.path.join(os.path.dirname(__file__), "fixtures", "spec", "mxnet-1.9.1-api.json")
with open(SPEC_PATH) as f:
    MODULES = json.load(f)["modules"]

# ctypes plumbing of MXNet's C API (handles, converters, the FFI error machinery) and third-party
# names MXNet's modules happen to import: there is no C library behind neomx to talk to.
CTYPES = {
    "CFUNCTYPE", "POINTER", "Structure", "array", "c_array", "c_array_buf", "c_handle_array",
    "c_int", "c_int_p", "c_void_p", "c_bool", "c_char", "c_char_p", "c_str", "c_str_array", "cast",
    "check_call", "mx_uint", "mx_int", "mx_float", "mx_float_p", "mx_int64", "pointer", "py_str",
    "py_array", "ctypes2buffer", "ctypes2numpy_shared", "c2pyerror", "get_last_ffi_error",
    "MXCallbackList", "Lock", "native_array",
}
IMPORTED = {"defaultdict", "namedtuple", "cv2", "current_process", "with_metaclass", "classproperty",
            "string_types", "integer_types",
            # mxnet.util / mxnet.base helpers that other MXNet modules import for their own use
            "is_np_array", "is_np_shape", "tensor_types"}
LEFT_OUT = {}     # (module, name) -> why it is left out: nothing at present
# Members that differ with the Python/NumPy version, not with MXNet: NumPy 2 removed these
# scalar methods and finfo fields; Python 3.11 added BaseException.add_note.
VERSION_MEMBERS = {"itemset", "newbyteorder", "ptp", "tostring", "machar", "smallest_normal",
                   "add_note", "with_traceback"}


def _left_out(module, name):
    return name in CTYPES or name in IMPORTED or name.endswith("Handle") or (module, name) in LEFT_OUT


@pytest.mark.parametrize("module", sorted(MODULES))
def test_module_names_exist(module):
    mod = importlib.import_module(module)
    missing = [n for n in MODULES[module] if not hasattr(mod, n) and not _left_out(module, n)]
    assert missing == [], "{} lacks {}".format(module, missing)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_class_members_exist(module):
    mod = importlib.import_module(module)
    missing = []
    for name, info in MODULES[module].items():
        if not (isinstance(info, dict) and info.get("kind") == "class") or not hasattr(mod, name):
            continue
        cls = getattr(mod, name)
        missing += ["{}.{}".format(name, m) for m in info.get("members", {})
                    if m not in VERSION_MEMBERS and not hasattr(cls, m)]
    assert missing == [], "{} lacks {}".format(module, missing)
