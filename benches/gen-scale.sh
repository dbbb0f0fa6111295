#!/bin/sh
# Regenerates benches/scale-{100,1000,10000}.yaml from benches/scale-template.yaml.in (every pod
# starts in exactly 5 s) and benches/scale-staggered-{1000,10000,100000}.yaml from
# benches/scale-staggered-template.yaml.in (pods start in 5 s to 30 s, maxSurge 10 %).
set -eu
cd "$(dirname "$0")"
for n in 100 1000 10000; do
  sed "s/REPLICAS/$n/g" scale-template.yaml.in > "scale-$n.yaml"
done
for n in 1000 10000 100000; do
  sed "s/REPLICAS/$n/g" scale-staggered-template.yaml.in > "scale-staggered-$n.yaml"
done
