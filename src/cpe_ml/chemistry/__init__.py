"""Chemistry and physics for cpe-ml, as small cited functions: canonical repeat units and salt amounts,
polymer, salt and plasticizer descriptors, transport descriptors, the glass-transition estimator,
effective-medium composites and xTB oxidation potentials. Featurizers call these; nothing here reads
the catalog, a dataset or a featurizer (``tests/test_architecture.py``)."""
