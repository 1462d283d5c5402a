"""Chemistry helpers for cpe-ml: turning how sources write a formulation (polymer repeat units,
salt amounts, ...) into one canonical, model-ready form."""
