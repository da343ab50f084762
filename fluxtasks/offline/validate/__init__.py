"""`invoke flux.validate`: offline checks of the config and the GitOps tree (see `run`)."""

from .report import Finding, Report, Severity
from .run import validate, validate_config

__all__ = ["Finding", "Report", "Severity", "validate", "validate_config"]
