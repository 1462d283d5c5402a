"""Chemistry catalog: polymers, salts, fillers and plasticizers with aliases, SMILES and sourced properties.

The data live in ``catalog/data/*.csv`` (each numeric property with its source URL and a verbatim excerpt).
Users extend the catalog without editing the package: put files with the same columns (any subset of
rows; extra rows are appended, rows with an existing name replace it) in a directory and pass it as
``load_catalog(extra_dir)`` or set ``CPE_ML_CATALOG_DIR``.
"""

from cpe_ml.catalog.catalog import (
    CATALOG_KINDS,
    Catalog,
    CatalogEntry,
    load_catalog,
    normalize_name,
)

__all__ = ["CATALOG_KINDS", "Catalog", "CatalogEntry", "load_catalog", "normalize_name"]
