"""fluxtasks: generate and operate the FluxCD GitOps tree of the prow build cluster."""

__version__ = "0.1.0"
