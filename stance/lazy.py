"""Package attributes imported on first use, so that importing one light sub-module (the command line,
the plain scoring form) does not import the whole package and with it pandas and scikit-learn.

`lazy_exports(__name__, {"name": ".module", ...})` in a package's `__init__` makes each name an attribute
that imports `.module` when first read. A name that is also a sub-module's name (`stance.ingest`, the
function and the module) stays the function, as an eager `from .ingest import ingest` left it: importing
the sub-module later does not rebind it. Setting an attribute (a test's monkeypatch) still works.
"""

from __future__ import annotations

import importlib
import sys
import types


def lazy_exports(package: str, exports: dict[str, str]) -> None:
    """Make each of `exports` ({attribute: relative module}) an attribute of `package` imported on use."""
    module = sys.modules[package]

    class LazyPackage(types.ModuleType):
        __doc__ = module.__doc__

    for name, source in exports.items():
        setattr(LazyPackage, name, _attribute(package, name, source))
    module.__class__ = LazyPackage


def _attribute(package: str, name: str, source: str) -> property:
    key = f"_set_{name}"

    def get(self):
        if key in self.__dict__:
            return self.__dict__[key]
        return getattr(importlib.import_module(source, package), name)

    def set_(self, value) -> None:
        if isinstance(value, types.ModuleType) and value.__name__ == f"{package}.{name}":
            return  # the import system binding the sub-module of the same name: the export stays
        self.__dict__[key] = value

    def delete(self) -> None:
        self.__dict__.pop(key, None)

    return property(get, set_, delete)
