#!/usr/bin/python3
"""Parse a Prometheus text page (stdin) with the reference client's parser.

Prints one line per sample, "name<TAB>labels as k=v,k=v (sorted)<TAB>value", after a
first line "families N"; exits 1 with the parser's complaint when the page is not valid
exposition text (for tests/t/core-065-metrics.t).
"""
import sys

from prometheus_client.parser import text_string_to_metric_families

try:
    families = list(text_string_to_metric_families(sys.stdin.read()))
except Exception as e:  # the parser raises ValueError and friends
    print("parse error: %s" % e)
    sys.exit(1)
print("families %d" % len(families))
for f in families:
    for s in f.samples:
        labels = ",".join("%s=%s" % kv for kv in sorted(s.labels.items()))
        print("%s\t%s\t%s\t%s" % (s.name, labels, repr(s.value), f.type))
