"""Synthetic territories: what open data does not publish (companies, club, PTCE and
Fabrique members, network memberships, partnerships), generated deterministically
on the real frame (communes, NAF, real inclusive structures), written as files in
the official or our own formats, and loaded flagged synthetic.

    manifest = generate(departement("10"), out_dir, seed=42)
    reports = load_generated(store, out_dir)
"""

from loaders.synthetic.loading import load_generated, real_outputs
from loaders.synthetic.presets import Preset, departement, national
from loaders.synthetic.territory import Manifest, generate

__all__ = ["Manifest", "Preset", "departement", "generate", "load_generated", "national", "real_outputs"]
