"""Synthetic territories: what open data does not publish (companies, club, PTCE and
Fabrique members, network memberships, partnerships), generated deterministically
on the real frame (communes, NAF, real inclusive structures), written as files in
the official or our own formats, and loaded flagged synthetic by the load pipeline.

    manifest = generate(departement("10"), out_dir, seed=42)
    reports = loaders.pipeline.load_generated(store, out_dir)
"""

from loaders.synthetic.presets import Preset, departement, national
from loaders.synthetic.territory import Manifest, generate

__all__ = ["Manifest", "Preset", "departement", "generate", "national"]
