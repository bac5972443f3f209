"""Every golden case recorded from real MXNet 1.9.1 whose operator is registered: forward through
mx.nd, input gradients through the registry's backward rule."""
import pytest

from mxnet.ops.registry import find_op
from tests.ops.harness import fixture_cases, check_fixture_case

CASES = [c for c in fixture_cases()[0] if find_op(c["op_in_symbol_json"]) is not None]


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_matches_mxnet(case):
    check_fixture_case(case)
