#!/usr/bin/env python3
"""Validates SARIF files against the OASIS 2.1.0 schema (tests/tvra/data). Exit 0: all valid;
1: a file is invalid (the first error printed). Used by tests/tvra/cli_test.cpp."""
import json
import sys

import jsonschema

schema = json.load(open(sys.argv[1], encoding="utf-8"))
validator_class = jsonschema.validators.validator_for(schema)
validator_class.check_schema(schema)
validator = validator_class(schema)
for path in sys.argv[2:]:
    errors = sorted(validator.iter_errors(json.load(open(path, encoding="utf-8"))), key=lambda e: list(e.path))
    if errors:
        e = errors[0]
        print(f"{path}: invalid at {'/'.join(str(p) for p in e.path)}: {e.message[:300]}")
        sys.exit(1)
    print(f"{path}: valid SARIF 2.1.0")
