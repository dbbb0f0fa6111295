#!/bin/sh
# Regenerates benches/scale-{100,1000,10000}.yaml from benches/scale-template.yaml.in.
set -eu
cd "$(dirname "$0")"
for n in 100 1000 10000; do
  sed "s/REPLICAS/$n/g" scale-template.yaml.in > "scale-$n.yaml"
done
