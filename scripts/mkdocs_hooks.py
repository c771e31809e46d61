"""MkDocs hooks (mkdocs.yml `hooks:`): write the generated references before every build, so that the site's
scenario and command references are never older than the code they describe."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path


def on_pre_build(config, **kwargs) -> None:
    path = Path(__file__).with_name("docs_gen.py")
    spec = importlib.util.spec_from_file_location("docs_gen", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["docs_gen"] = module
    spec.loader.exec_module(module)
    module.write(Path(config["docs_dir"]) / "reference")
