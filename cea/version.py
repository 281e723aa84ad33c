"""The package version (cea.__version__), in a module that imports nothing: the modules that record it
(the run manifest, the workbook) import it from here, never from the package cea, whose library API
(cea.api) imports them."""

__version__ = "0.1.0"
