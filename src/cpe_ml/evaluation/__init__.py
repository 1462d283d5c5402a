"""Honest evaluation: grouped cross-validation, baselines on the same folds, metrics and plots."""
