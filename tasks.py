"""Root Invoke collection: `invoke --list` shows the `flux` namespace."""

from pathlib import Path

from invoke import Collection

from fluxtasks.tasks import flux

ns = Collection()
# Paths in the config are relative to the folder that holds config/; the default
# config sits next to this file. INVOKE_FLUX_CONFIG=path overrides it.
flux.configure({"flux": {"config": str(Path(__file__).resolve().parent / "config" / "flux.yaml")}})
ns.add_collection(flux)
