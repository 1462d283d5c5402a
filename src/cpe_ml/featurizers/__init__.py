"""Featurizers: one scikit-learn transformer per physical concept, composed by FormulationFeaturizer."""

from cpe_ml.featurizers.concentration import SaltConcentrationFeaturizer
from cpe_ml.featurizers.conditions import ConditionsFeaturizer
from cpe_ml.featurizers.cycling import CyclingFeaturizer
from cpe_ml.featurizers.filler import FillerFeaturizer
from cpe_ml.featurizers.formulation import BLOCKS, FormulationFeaturizer, feature_documentation
from cpe_ml.featurizers.glass_transition import GlassTransitionFeaturizer
from cpe_ml.featurizers.plasticizer import PlasticizerFeaturizer
from cpe_ml.featurizers.polymer import PolymerFeaturizer
from cpe_ml.featurizers.process import ProcessFeaturizer
from cpe_ml.featurizers.salt import SaltFeaturizer

__all__ = [
    "BLOCKS",
    "ConditionsFeaturizer",
    "CyclingFeaturizer",
    "FillerFeaturizer",
    "FormulationFeaturizer",
    "GlassTransitionFeaturizer",
    "PlasticizerFeaturizer",
    "PolymerFeaturizer",
    "ProcessFeaturizer",
    "SaltConcentrationFeaturizer",
    "SaltFeaturizer",
    "feature_documentation",
]
