"""(family module; operators land here)."""
