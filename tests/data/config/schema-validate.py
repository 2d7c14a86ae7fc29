#!/usr/bin/env python3
# Validate a JSON document against a runtime-spec schema.
# Usage: schema-validate.py SCHEMA_DIR SCHEMA_FILE DOCUMENT
# Exit status: 0 valid, 1 invalid, 77 jsonschema not importable.
import json
import os
import sys

try:
    import jsonschema
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4
except ImportError:
    sys.exit(77)

schema_dir, schema_file, document = sys.argv[1:4]
base = "file://" + os.path.abspath(schema_dir) + "/"
resources = []
for name in os.listdir(schema_dir):
    if name.endswith(".json"):
        with open(os.path.join(schema_dir, name)) as f:
            contents = json.load(f)
        resources.append((base + name, Resource.from_contents(contents, default_specification=DRAFT4)))
registry = Registry().with_resources(resources)
validator = jsonschema.Draft4Validator({"$ref": base + schema_file}, registry=registry)
with open(document) as f:
    doc = json.load(f)
errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
for e in errors:
    print("%s: %s" % ("/".join(str(p) for p in e.path), e.message), file=sys.stderr)
sys.exit(1 if errors else 0)
