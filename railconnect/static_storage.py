"""The static files storage: WhiteNoise's compressed manifest storage, ES-module aware.

`support_js_module_import_aggregation` makes Django rewrite module specifiers, static
(`import x from "./y.js"`) and dynamic (`import("../components/z.js")`), to the hashed names. So
every module, including those loaded on demand, is fetched under a content-hashed URL that
WhiteNoise serves as immutable, and a change to a component renames it and every module that
imports it. Write specifiers as relative string literals for this to apply.
"""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class ModuleAwareManifestStorage(CompressedManifestStaticFilesStorage):
    support_js_module_import_aggregation = True
