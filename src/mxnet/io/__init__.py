"""(lands with the training-stack work)."""
