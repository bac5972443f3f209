"""mx.test_utils: helpers for testing (filled in by the test_utils module work)."""
