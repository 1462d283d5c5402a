"""The registered MLflow model, as code (MLflow "models from code"): nothing pickled runs on load.

MLflow logs this file's text with each registered model and runs it on ``mlflow.pyfunc.load_model``;
the model's weights are the cpe-ml bundle among its artifacts, read by :func:`cpe_ml.models.bundle.load_bundle`
(the restricted unpickler of :mod:`cpe_ml.safe_pickle`), instead of a cloudpickle of the Python object.
"""

from mlflow.models import set_model

from cpe_ml.tracking import FormulationModel

set_model(FormulationModel())
