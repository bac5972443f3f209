"""Signature meta-test: every function of MXNet 1.9.1's mx.nd / mx.sym modules (and their contrib,
linalg, random, image and sparse submodules), as listed in tests/fixtures/spec/mxnet-1.9.1-api.json,
has MXNet's parameters here -- same names, order, kinds (``*``/``**``) and defaults -- so that
keyword calls and introspection agree. Functions missing altogether are test_api_surface's concern.

One general rule: where MXNet's signature is only ``(*data, **kwargs)`` (its variadic operators,
e.g. ``Concat``), ours may list the operator's parameters after the ``*`` (keyword-only), which
changes no call."""
import importlib
import inspect
import json
import os
import re

import pytest

SPEC_PATH = os.path.join(os.path.dirname(__file__), "fixtures", "spec", "mxnet-1.9.1-api.json")
with open(SPEC_PATH) as f:
    SPEC = json.load(f)["modules"]

MODULES = sorted(m for m in SPEC if m.split(".")[:2] in (["mxnet", "ndarray"], ["mxnet", "symbol"]))

# (module, function) -> why its signature differs from MXNet's on purpose. Keep it short.
ALLOWED = {}

_VARIADIC = re.compile(r"^\(\*\w+, \*\*kwargs\)$")


def _split(sig):
    """A signature string's parameters, as written (``name=default``, ``*args``, ``**kwargs``)."""
    body = sig.strip()
    assert body.startswith("(") and body.endswith(")"), sig
    params, depth, cur = [], 0, ""
    for ch in body[1:-1]:
        if ch in "([{<":
            depth += 1
        elif ch in ")]}>":
            depth -= 1
        if ch == "," and depth == 0:
            params.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        params.append(cur.strip())
    return params


def _ours(fn):
    sig = inspect.signature(fn)
    return _split(str(sig.replace(return_annotation=inspect.Signature.empty)))


def _functions(module):
    mod = importlib.import_module(module)
    for name, info in sorted(SPEC[module].items()):
        if isinstance(info, dict) and info.get("kind") == "function" and hasattr(mod, name):
            yield name, info["signature"], getattr(mod, name)


def _mismatch(ref, ours):
    """None when ``ours`` (parameter strings) matches MXNet's signature string ``ref``."""
    expected = _split(ref)
    if _VARIADIC.match(ref):
        # the variadic rule: *data first, **kwargs last, only keyword-only parameters between
        if ours and ours[0].startswith("*") and not ours[0].startswith("**") and ours[-1] == "**kwargs":
            return None
    if ours == expected:
        return None
    return "MXNet {} vs ours ({})".format(ref, ", ".join(ours))


@pytest.mark.parametrize("module", MODULES)
def test_function_signatures_match_mxnet(module):
    bad = []
    for name, ref, fn in _functions(module):
        if (module, name) in ALLOWED:
            continue
        why = _mismatch(ref, _ours(fn))
        if why:
            bad.append("{}.{}: {}".format(module, name, why))
    assert bad == [], "\n".join(bad)


def test_spec_covers_the_modules_and_the_allowlist_is_live():
    assert len(MODULES) == 12
    for (module, name), reason in ALLOWED.items():
        assert reason and name in SPEC[module], (module, name)
        assert _mismatch(SPEC[module][name]["signature"], _ours(getattr(importlib.import_module(module), name)))


def test_variadic_rule_does_not_hide_positional_parameters():
    # the rule above accepts explicit parameters only after *data (keyword-only: no call changes)
    for module in MODULES:
        for name, ref, fn in _functions(module):
            if not _VARIADIC.match(ref):
                continue
            params = list(inspect.signature(fn).parameters.values())
            kinds = {p.kind for p in params[1:-1]}
            assert kinds <= {inspect.Parameter.KEYWORD_ONLY}, (module, name)
    assert _mismatch("(*data, **kwargs)", ["data=None", "**kwargs"])
    assert _mismatch("(lhs, rhs)", ["base", "exp"])
    assert _mismatch("(data=None, out=None, name=None, **kwargs)", ["*args", "out=None", "name=None", "**kwargs"])
